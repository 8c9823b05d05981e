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
import type * as OpsModule from './commands/ops';
import type * as ScheduleModule from './commands/schedule';
import type * as TransferModule from './commands/transfer';
import type * as IngressModule from '../ingress/server';

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
    .description(
      'everything local: Temporal dev server with the Web UI, the sandbox, the worker (schedules, metrics) and the ingress',
    )
    .option('--port <n>', 'Temporal gRPC port (0: a free one)', '7233')
    .option('--ui-port <n>', 'Web UI port (0: a free one)', '8233')
    .option('--headless', 'no Web UI')
    .option('--preset <name>', 'sandbox preset: demo, small, broken-catalogue (default demo)')
    .option('--seed <file>', 'sandbox seed JSON instead of a preset (design section 5)')
    .option(
      '--port-base <n>',
      'sandbox admin on n, then odoo, netsuite, shopify, amazon, mercadolibre on n+1..n+5 (0: ephemeral)',
      '7800',
    )
    .option('--ingress-port <n>', 'ingress port (0: a free one)', '8080')
    .option('--db-file <file>', 'Temporal dev server database (default .tools/temporal/dev.db)')
    .option('--fresh', 'delete the database first: an empty Temporal')
    .option(
      '--run-dir <dir>',
      'where manifest.json, invsync.config.yaml, state/ and reports/ are written',
      'sandbox/.run',
    )
    .action(
      async (o: {
        port: string;
        uiPort: string;
        headless?: boolean;
        preset?: string;
        seed?: string;
        portBase: string;
        ingressPort: string;
        dbFile?: string;
        fresh?: boolean;
        runDir: string;
      }) => {
        const { runDev } = lazy<typeof DevModule>('../scripts/dev');
        const num = (flag: string, v: string): number => {
          const n = Number(v);
          if (v.trim() === '' || !Number.isInteger(n)) throw new CliError(`${flag}: "${v}" is not a number`);
          return n;
        };
        setExit(
          await runDev({
            port: num('--port', o.port),
            uiPort: num('--ui-port', o.uiPort),
            headless: Boolean(o.headless),
            ...(o.preset ? { preset: o.preset } : {}),
            ...(o.seed ? { seed: o.seed } : {}),
            portBase: num('--port-base', o.portBase),
            ingressPort: num('--ingress-port', o.ingressPort),
            ...(o.dbFile ? { dbFile: o.dbFile } : {}),
            fresh: Boolean(o.fresh),
            runDir: o.runDir,
          }),
        );
      },
    );

  addOperatorCommands(program, setExit);
  return program;
}

/** The operator commands over Temporal (design section 5; docs/operations.md). */
function addOperatorCommands(program: Command, setExit: (code: number) => void): void {
  const globals = (cmd: Command) => cmd.optsWithGlobals<{ config?: string; json?: boolean }>();
  const ops = () => lazy<typeof OpsModule>('./commands/ops');
  /** Declares --config and --json on a subcommand and runs it with the parsed common options. */
  const op = <O>(
    cmd: Command,
    run: (o: O, common: { configPath: string }, out: Output, args: string[]) => Promise<number>,
  ) =>
    cmd
      .option('-c, --config <file>', 'config file')
      .option('--json', 'machine-readable output')
      .action(async (...raw: unknown[]) => {
        const self = raw[raw.length - 1] as Command;
        const o = raw[raw.length - 2] as O;
        const g = globals(self);
        setExit(
          await run(
            o,
            { configPath: configPath(g.config) },
            output(Boolean(g.json)),
            raw.slice(0, -2) as string[],
          ),
        );
      });

  op<object>(
    program
      .command('status <sku>')
      .description("a SKU's numbers per channel, ledger, overrides, halts, attention"),
    (_o, c, out, [sku]) => ops().statusCommand({ ...c, sku: sku as string }, out),
  );
  op<{ channel?: string; location?: string }>(
    program
      .command('explain <sku>')
      .description('why each channel shows what it shows: every breakdown line')
      .option('--channel <id>', 'only this channel')
      .option('--location <id>', 'only this channel location'),
    (o, c, out, [sku]) => ops().explainCommand({ ...c, sku: sku as string, ...o }, out),
  );
  op<{ channel: string; location?: string; qty: string; until?: string; reason?: string }>(
    program
      .command('override <sku>')
      .description('send a fixed quantity to a channel until a time or until cleared')
      .requiredOption('--channel <id>', 'channel id')
      .requiredOption('--qty <n>', 'units to show (whole number, 0 or more)')
      .option('--location <id>', 'only this channel location (default: all of the channel)')
      .option('--until <time>', 'ISO time or a duration from now (30m, 2h, 1d); default: until cleared')
      .option('--reason <text>', 'why (shown in the status and the Web UI)'),
    (o, c, out, [sku]) => ops().overrideCommand({ ...c, sku: sku as string, ...o }, out),
  );
  op<{ channel: string; location?: string }>(
    program
      .command('clear-override <sku>')
      .description('remove an override: the channel goes back to the computed number')
      .requiredOption('--channel <id>', 'channel id')
      .option('--location <id>', 'only this channel location'),
    (o, c, out, [sku]) => ops().clearOverrideCommand({ ...c, sku: sku as string, ...o }, out),
  );
  op<{ channel?: string; location?: string; reason: string }>(
    program
      .command('halt <sku>')
      .description('stop a SKU on a channel (or every channel): invsync sends 0 there until resumed')
      .option('--channel <id>', 'channel id (default: every channel)')
      .option('--location <id>', 'only this channel location')
      .requiredOption('--reason <text>', 'why (shown in the status, the alert and the Web UI)'),
    (o, c, out, [sku]) => ops().haltCommand({ ...c, sku: sku as string, ...o }, out),
  );
  op<{ channel?: string; location?: string }>(
    program
      .command('resume <sku>')
      .description('lift a halt: the computed number is pushed again')
      .option('--channel <id>', 'channel id (default: every halted channel)')
      .option('--location <id>', 'only this channel location'),
    (o, c, out, [sku]) => ops().resumeCommand({ ...c, sku: sku as string, ...o }, out),
  );
  op<{ all?: boolean }>(
    program
      .command('resync [sku]')
      .description(
        're-read the ERP and every channel for a SKU (or --all running SKUs) and push every number',
      )
      .option('--all', 'every running SKU workflow'),
    (o, c, out, [sku]) => ops().resyncCommand({ ...c, ...(sku ? { sku } : {}), all: Boolean(o.all) }, out),
  );
  op<{ now?: boolean; sku?: string[] }>(
    program
      .command('reconcile')
      .description(
        'run the reconciliation: --now waits for it with a progress bar and prints the report; otherwise triggers the schedule',
      )
      .option('--now', 'start a full reconciliation now and wait for its report')
      .option('--sku <sku...>', 'only these SKUs (with --now)'),
    (o, c, out) => ops().reconcileCommand({ ...c, now: Boolean(o.now), skus: o.sku }, out),
  );
  op<object>(
    program
      .command('attention')
      .description('everything waiting for an operator (retry, skip or approve); exit 1 if any'),
    (_o, c, out) => ops().attentionCommand(c, out),
  );
  op<{ data?: string; channel?: string }>(
    program
      .command('retry <workflowId>')
      .description('run a stopped step again, optionally with edited data')
      .option('--data <json>', "the step's data, edited (see `invsync attention --json`)")
      .option('--channel <id>', "a SKU workflow: only this channel's stopped step"),
    (o, c, out, [workflowId]) => ops().retryCommand({ ...c, workflowId: workflowId as string, ...o }, out),
  );
  op<{ reason?: string; channel?: string }>(
    program
      .command('skip <workflowId>')
      .description('give up a stopped step')
      .option('--reason <text>', 'why (kept in the history)')
      .option('--channel <id>', "a SKU workflow: only this channel's stopped step"),
    (o, c, out, [workflowId]) => ops().skipCommand({ ...c, workflowId: workflowId as string, ...o }, out),
  );
  op<{ data?: string; note?: string }>(
    program
      .command('approve <workflowId>')
      .description('approve a proposed step (an FBA return adjustment), optionally edited')
      .option('--data <json>', 'edited adjustment, e.g. {"location":"WH1/Stock","qty":1}')
      .option('--note <text>', 'kept in the history'),
    (o, c, out, [workflowId]) => ops().approveCommand({ ...c, workflowId: workflowId as string, ...o }, out),
  );
  op<{ restocked?: boolean }>(
    program
      .command('cancel <workflowId>')
      .description('tell an order saga its channel order was cancelled (a lost cancellation webhook)')
      .option('--restocked', 'the channel put the units back on its own count'),
    (o, c, out, [workflowId]) => ops().cancelCommand({ ...c, workflowId: workflowId as string, ...o }, out),
  );
  op<{ note?: string }>(
    program
      .command('schedule <action> [name]')
      .description(
        'the Temporal Schedules: status | pause | resume | trigger <name> | ensure (names: reconcile, poll, nightly)',
      )
      .option('--note <text>', 'why (pause/resume; shown in the Web UI)'),
    (o, c, out, [action, name]) => {
      const { scheduleCommand } = lazy<typeof ScheduleModule>('./commands/schedule');
      return scheduleCommand({ ...c, action: action as string, ...(name ? { name } : {}), ...o }, out);
    },
  );
  op<{
    sku: string;
    qty: string;
    from: string;
    to: string;
    id?: string;
    compensateOnFailure?: boolean;
    wait?: boolean;
  }>(
    program
      .command('transfer')
      .description(
        'move stock between locations (e.g. a replenishment to Amazon FBA): starts the transfer saga',
      )
      .requiredOption('--sku <sku>', 'ERP SKU')
      .requiredOption('--qty <n>', 'units')
      .requiredOption('--from <location>', 'ERP location the units leave')
      .requiredOption('--to <location>', 'ERP location (or FBA) the units go to')
      .option('--id <id>', 'transfer id (idempotency: the same id never moves stock twice)')
      .option('--compensate-on-failure', 'undo the first step at once if the second fails for good')
      .option('--wait', 'wait for the outcome (or a needs-attention stop) and print it'),
    (o, c, out) => {
      const { transferCommand } = lazy<typeof TransferModule>('./commands/transfer');
      const qty = Number(o.qty);
      if (!Number.isInteger(qty) || qty <= 0) {
        out.err(`--qty ${o.qty}: use a whole number of units, 1 or more`);
        return Promise.resolve(EXIT.usage);
      }
      return transferCommand(
        {
          configPath: c.configPath,
          sku: o.sku,
          qty,
          from: o.from,
          to: o.to,
          ...(o.id ? { id: o.id } : {}),
          compensateOnFailure: Boolean(o.compensateOnFailure),
          wait: Boolean(o.wait),
        },
        out,
      );
    },
  );

  program
    .command('ingress')
    .description('the webhook ingress, /metrics, /healthz and the status page (default 127.0.0.1:8080)')
    .option('-c, --config <file>', 'config file')
    .option('--host <host>', 'bind address (default: ingress.host of the config)')
    .option('--port <n>', 'port (default: ingress.port of the config)')
    .action(async (o: { host?: string; port?: string }, cmd: Command) => {
      const { runIngressCommand } = lazy<typeof IngressModule>('../ingress/server');
      setExit(
        await runIngressCommand({
          configPath: configPath(globals(cmd).config),
          ...(o.host ? { host: o.host } : {}),
          ...(o.port !== undefined ? { port: Number(o.port) } : {}),
        }),
      );
    });
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
