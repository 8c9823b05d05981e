/** `invsync plan --snapshot FILE`: what every channel should show, per SKU and location, and why. */
import Table from 'cli-table3';
import { isWritten, needsPush, plan, type Plan } from '../../domain/plan';
import { planSettingsFromConfig, policyFromConfig } from '../../domain/policy';
import { snapshotSchema } from '../../domain/snapshot';
import { formatPath } from '../../domain/config/parse';
import { CliError, EXIT, printJson, readTextFile, requireConfig, type Output } from '../io';

export interface PlanCommandOptions {
  configPath: string;
  snapshotPath: string;
  skus?: string[];
  explain?: boolean;
  now?: number;
}

export async function runPlan(opts: PlanCommandOptions): Promise<Plan> {
  const config = await requireConfig(opts.configPath);
  let raw: unknown;
  try {
    raw = JSON.parse(await readTextFile(opts.snapshotPath, 'snapshot'));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(
      `snapshot ${opts.snapshotPath} is not valid JSON: ${(err as Error).message}`,
      EXIT.problems,
    );
  }
  const parsed = snapshotSchema.safeParse(raw);
  if (!parsed.success)
    throw new CliError(
      `snapshot ${opts.snapshotPath} is invalid:\n${parsed.error.issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`).join('\n')}`,
      EXIT.problems,
    );
  const settings = planSettingsFromConfig(config);
  return plan(policyFromConfig(config), parsed.data, {
    ...settings,
    // --sku narrows the pilot allowlist, never widens it.
    ...(opts.skus?.length
      ? { skus: settings.skus ? opts.skus.filter((s) => settings.skus?.includes(s)) : opts.skus }
      : {}),
    now: opts.now ?? parsed.data.takenAt ?? Date.now(),
  });
}

export async function planCommand(opts: PlanCommandOptions, o: Output): Promise<number> {
  const result = await runPlan(opts);
  if (o.json) {
    printJson(o, result);
    return result.problems.some((p) => p.blocking) ? EXIT.problems : EXIT.ok;
  }
  return printPlan(result, o, Boolean(opts.explain));
}

/** The plan as a table (should show, shows, drift, status, why), its summary and problems; the exit code. */
export function printPlan(result: Plan, o: Output, explain: boolean): number {
  const blocking = result.problems.some((p) => p.blocking);
  const table = new Table({
    head: ['SKU', 'channel', 'location', 'should show', 'shows', 'drift', 'status', 'why'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, null, null, null, null, null, 70] as unknown as number[],
  });
  for (const r of result.rows) {
    const why = explain
      ? r.lines
          .map((l) =>
            `${l.delta > 0 ? '+' : ''}${l.delta === 0 ? '' : l.delta} ${l.text} -> ${l.value}`.trim(),
          )
          .join('\n')
      : (r.lines.filter((l) => l.delta !== 0 || r.status === 'refused' || r.status === 'read-only').at(-1)
          ?.text ?? '');
    table.push([r.sku, r.channel, r.location, r.qty, r.shows ?? '', r.drift ?? '', r.status, why]);
  }
  o.out(table.toString());
  o.out(
    `${result.rows.length} rows: ${result.rows.filter(isWritten).length} written by invsync, ${result.rows.filter(needsPush).length} to push, ${result.rows.filter((r) => r.drift).length} drifting`,
  );
  for (const p of result.problems) o.err(`${p.blocking ? 'BLOCKING' : 'warning'}: ${p.message}`);
  return blocking ? EXIT.problems : EXIT.ok;
}
