/**
 * `npx invsync <command>`: every command takes --config and --json and exits 0 (ok), 1 (problems found)
 * or 2 (usage or internal error).
 */
import { Command, CommanderError } from 'commander';
import { configCheck } from './commands/config-check';
import { planCommand } from './commands/plan';
import { CliError, configPath, EXIT, type Output } from './io';
import { lazy } from './lazy';
import type * as SandboxCommandModule from './commands/sandbox';
import type * as AuditModule from './commands/audit';
import type * as SnapshotModule from './commands/snapshot';
import type * as DevModule from '../scripts/dev';
import type * as WorkerModule from '../workers/main';

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
    .command('audit')
    .description(
      'the launch checklist: SKUs, links, duplicates, blanks, location mapping, access, a sample read and shadow write per channel',
    )
    .option('-c, --config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd);
      const { auditCommand } = lazy<typeof AuditModule>('./commands/audit');
      setExit(await auditCommand(configPath(g.config), output(Boolean(g.json))));
    });

  program
    .command('snapshot')
    .description(
      'read the ERP and the channels: what the ERP says, what each channel shows and should show, the drift',
    )
    .option('-c, --config <file>', 'config file')
    .option('--sku <sku...>', 'only these SKUs')
    .option('--explain', 'print every breakdown line')
    .option('--json', 'write the snapshot (the format `invsync plan --snapshot` reads)')
    .action(async (o: { sku?: string[]; explain?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const { snapshotCommand } = lazy<typeof SnapshotModule>('./commands/snapshot');
      setExit(
        await snapshotCommand(
          {
            configPath: configPath(g.config),
            ...(o.sku ? { skus: o.sku } : {}),
            explain: Boolean(o.explain),
          },
          output(Boolean(g.json)),
        ),
      );
    });

  program
    .command('sandbox')
    .description('local simulators of Odoo, NetSuite, Shopify, Amazon and Mercado Libre, with an admin API')
    .option('--seed <file>', 'seed JSON (design section 5)')
    .option('--preset <name>', 'named seed: demo, small, broken-catalogue (default demo)')
    .option(
      '--port-base <n>',
      'admin on n, then odoo, netsuite, shopify, amazon, mercadolibre on n+1..n+5 (0: ephemeral)',
      '7800',
    )
    .option('--webhook-url <url>', 'where channel webhooks go (the invsync ingress)', 'http://127.0.0.1:8080')
    .option('--run-dir <dir>', 'where manifest.json and invsync.config.yaml are written', 'sandbox/.run')
    .option('--json', 'machine-readable output')
    .action(
      async (
        o: { seed?: string; preset?: string; portBase: string; webhookUrl: string; runDir: string },
        cmd: Command,
      ) => {
        const { sandboxCommand } = lazy<typeof SandboxCommandModule>('./commands/sandbox');
        const stop = new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        setExit(
          await sandboxCommand(
            {
              ...(o.seed ? { seed: o.seed } : {}),
              ...(o.preset ? { preset: o.preset } : {}),
              portBase: Number(o.portBase),
              webhookUrl: o.webhookUrl,
              runDir: o.runDir,
            },
            output(Boolean(globals(cmd).json)),
            stop,
          ),
        );
      },
    );

  program
    .command('worker')
    .description('run the invsync worker against the Temporal server in the config (or $TEMPORAL_ADDRESS)')
    .option('-c, --config <file>', 'config file')
    .option('--address <host:port>', 'Temporal frontend address')
    .action(async (o: { address?: string }, cmd: Command) => {
      const { runWorkerCommand } = lazy<typeof WorkerModule>('../workers/main');
      setExit(await runWorkerCommand({ configPath: globals(cmd).config, address: o.address }));
    });

  program
    .command('dev')
    .description('everything local: Temporal dev server with the Web UI and the worker')
    .option('--port <n>', 'Temporal gRPC port', '7233')
    .option('--ui-port <n>', 'Web UI port', '8233')
    .action(async (o: { port: string; uiPort: string }) => {
      const { runDev } = lazy<typeof DevModule>('../scripts/dev');
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
