/**
 * `npx invsync <command>`: every command takes --config and --json and exits 0 (ok), 1 (problems found)
 * or 2 (usage or internal error).
 */
import { Command, CommanderError } from 'commander';
import { configCheck } from './commands/config-check';
import { planCommand } from './commands/plan';
import { CliError, configPath, EXIT, type Output } from './io';

function output(json: boolean): Output {
  return { json, out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`) };
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('invsync')
    .description('Inventory sync between an ERP and sales channels, on Temporal')
    .option('-c, --config <file>', 'config file (default: invsync.config.yaml or $INVSYNC_CONFIG)')
    .option('--json', 'machine-readable output')
    .exitOverride()
    .showHelpAfterError();

  const globals = (cmd: Command) => cmd.optsWithGlobals<{ config?: string; json?: boolean }>();

  const config = program.command('config').description('configuration tools');
  config
    .command('check')
    .description('validate the config: prints OK or every problem with its path')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd);
      setExit(await configCheck(configPath(g.config), output(Boolean(g.json))));
    });

  program
    .command('plan')
    .description('given an ERP + channel snapshot, print what every channel should show and why')
    .requiredOption('-s, --snapshot <file>', 'snapshot JSON (docs/snapshot-format.md)')
    .option('-c, --config <file>', 'config file')
    .option('--sku <sku...>', 'only these SKUs')
    .option('--explain', 'print every breakdown line')
    .option('--json', 'machine-readable output')
    .action(async (o: { snapshot: string; sku?: string[]; explain?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      setExit(
        await planCommand(
          {
            configPath: configPath(g.config),
            snapshotPath: o.snapshot,
            ...(o.sku ? { skus: o.sku } : {}),
            explain: Boolean(o.explain),
          },
          output(Boolean(g.json)),
        ),
      );
    });

  program
    .command('worker')
    .description('run the invsync worker against the Temporal server in the config (or $TEMPORAL_ADDRESS)')
    .option('-c, --config <file>', 'config file')
    .option('--address <host:port>', 'Temporal frontend address')
    .action(async (o: { address?: string }, cmd: Command) => {
      const { runWorkerCommand } = await import('../workers/main');
      setExit(await runWorkerCommand({ configPath: globals(cmd).config, address: o.address }));
    });

  program
    .command('dev')
    .description('everything local: Temporal dev server with the Web UI and the worker')
    .option('--port <n>', 'Temporal gRPC port', '7233')
    .option('--ui-port <n>', 'Web UI port', '8233')
    .action(async (o: { port: string; uiPort: string }) => {
      const { runDev } = await import('../scripts/dev');
      setExit(await runDev({ port: Number(o.port), uiPort: Number(o.uiPort) }));
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof CliError) {
      process.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    return EXIT.usage;
  }
}
