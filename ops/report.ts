/**
 * The reconciliation report (design C8): every checked row sorted by absolute drift, the catalogue problems found on
 * the way, and a summary, written as JSON (machines), CSV (spreadsheets) and a self-contained HTML page (people).
 * The pure builders are exported for tests; `writeReport` is the only I/O.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { SkuDriftRow } from '../domain/events';
import { compareDrift, summariseDrift } from '../domain/drift';

/** A catalogue or mapping problem the reconciliation found (domain/plan problems and the adapters' unmapped locations). */
export interface ReportProblem {
  kind: string;
  /** Blocking problems stop pushes for what they name; the others are warnings. */
  blocking: boolean;
  sku?: string | undefined;
  channel?: string | undefined;
  location?: string | undefined;
  message: string;
}

/** A SKU the run could not reconcile (its update failed, or its whole batch did), with why. */
export interface ReportFailure {
  sku: string;
  message: string;
}

export interface ReportSummary {
  /** Channel locations checked. */
  rows: number;
  inTolerance: number;
  resync: number;
  halt: number;
  /** Sum of |drift| over every row. */
  driftUnits: number;
  /** SKUs reconciled (their workflow classified them). */
  skus: number;
  /** SKUs left out of this run because their velocity tier was not due. */
  skipped: number;
  /** SKUs that could not be reconciled (see `failures`). */
  failed: number;
  problems: number;
}

export interface ChannelDrift {
  channel: string;
  rows: number;
  outOfTolerance: number;
  driftUnits: number;
  /** outOfTolerance / rows (0 when nothing was checked). */
  driftRate: number;
}

export interface ReconcileReport {
  runId: string;
  workflowId: string;
  scope: 'tiered' | 'full';
  /** ISO times. */
  startedAt: string;
  finishedAt: string;
  summary: ReportSummary;
  channels: ChannelDrift[];
  /** Sorted by |drift|, largest first (then SKU, channel, location: the order of domain/drift.ts driftReport). */
  rows: SkuDriftRow[];
  problems: ReportProblem[];
  failures: ReportFailure[];
}

export interface ReportPaths {
  json: string;
  csv: string;
  html: string;
}

/** The order domain/drift.ts `driftReport` uses: largest |drift| first, then SKU, channel, location. */
/** The report's order (domain/drift): largest absolute drift first. */
export const compareDriftRows: (a: SkuDriftRow, b: SkuDriftRow) => number = compareDrift;

export function sortDriftRows(rows: readonly SkuDriftRow[]): SkuDriftRow[] {
  return [...rows].sort(compareDriftRows);
}

export function summarise(
  rows: readonly SkuDriftRow[],
  extra: { skus: number; skipped: number; failed: number; problems: number },
): ReportSummary {
  return { ...summariseDrift(rows), ...extra };
}

/** Drift per channel: units and the share of checked rows out of tolerance (the `invsync_drift_rate` metric). */
export function channelDrift(rows: readonly SkuDriftRow[], channels: readonly string[] = []): ChannelDrift[] {
  const by = new Map<string, ChannelDrift>();
  const get = (channel: string): ChannelDrift => {
    let c = by.get(channel);
    if (!c) {
      c = { channel, rows: 0, outOfTolerance: 0, driftUnits: 0, driftRate: 0 };
      by.set(channel, c);
    }
    return c;
  };
  for (const ch of channels) get(ch);
  for (const r of rows) {
    const c = get(r.channel);
    c.rows += 1;
    c.driftUnits += Math.abs(r.drift);
    if (r.class !== 'in-tolerance') c.outOfTolerance += 1;
  }
  for (const c of by.values()) c.driftRate = c.rows === 0 ? 0 : c.outOfTolerance / c.rows;
  return [...by.values()];
}

// ---- CSV ---------------------------------------------------------------------------------------------------------

const CSV_HEADER = ['sku', 'channel', 'location', 'shown', 'expected', 'drift', 'class', 'action'] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled. A text field a
 * spreadsheet would run as a formula (starting with = + - @ or a tab/CR) is prefixed with an apostrophe.
 */
export function csvField(v: string | number): string {
  if (typeof v === 'number') return String(v);
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: readonly SkuDriftRow[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const r of rows)
    lines.push(
      [r.sku, r.channel, r.location, r.shown, r.expected, r.drift, r.class, r.action].map(csvField).join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}

// ---- HTML --------------------------------------------------------------------------------------------------------

export function escapeHtml(v: unknown): string {
  return String(v)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const CLASS_LABEL: Record<SkuDriftRow['class'], string> = {
  'in-tolerance': 'in tolerance',
  resync: 'resync',
  halt: 'halt',
};

/**
 * A readable page with no outside resources: the summary, drift per channel, the problems, failures and the rows by
 * absolute drift. Every row out of tolerance is listed; rows in tolerance only up to `maxRows` in all (the CSV has
 * every row).
 */
export function toHtml(report: ReconcileReport, opts: { maxRows?: number } = {}): string {
  const maxRows = opts.maxRows ?? 5000;
  const s = report.summary;
  const e = escapeHtml;
  const outOfTolerance = report.rows.filter((r) => r.class !== 'in-tolerance');
  const inTolerance = report.rows.filter((r) => r.class === 'in-tolerance');
  const shownInTolerance = inTolerance.slice(0, Math.max(0, maxRows - outOfTolerance.length));
  const rows = [...outOfTolerance, ...shownInTolerance].sort(compareDriftRows);
  const hidden = report.rows.length - rows.length;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

  const figures: [string, string | number][] = [
    ['SKUs reconciled', s.skus],
    ['Rows checked', s.rows],
    ['In tolerance', s.inTolerance],
    ['Resynced', s.resync],
    ['Halted', s.halt],
    ['Drift units', s.driftUnits],
    ['Skipped (tier not due)', s.skipped],
    ['Failed', s.failed],
    ['Problems', s.problems],
  ];

  const parts: string[] = [];
  parts.push(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>invsync reconciliation ${e(report.startedAt)}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2430}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.75rem 0 .5rem}
.meta{color:#5b6472;margin:0 0 1rem}
table{border-collapse:collapse;margin:.25rem 0}th,td{padding:.3rem .6rem;border-bottom:1px solid #e3e6ea;text-align:left}
th{background:#f4f6f8;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.figures td:first-child{color:#5b6472}
tr.halt td{background:#fdecec}tr.resync td{background:#fff7e0}
.tag{display:inline-block;padding:0 .4rem;border-radius:.6rem;font-size:.85em}
.tag.halt{background:#f5c2c2}.tag.resync{background:#fde3a7}.tag.in-tolerance{background:#d9efdc}
.tag.blocking{background:#f5c2c2}.tag.warning{background:#e6e8eb}
ul{padding-left:1.2rem}li{margin:.2rem 0}.none{color:#5b6472}
</style>
</head>
<body>
<h1>Reconciliation ${e(report.startedAt)}</h1>
<p class="meta">${e(report.scope === 'full' ? 'Full pass' : 'Tiered pass')} · run ${e(report.runId)} · workflow ${e(report.workflowId)} · finished ${e(report.finishedAt)}</p>
<h2>Summary</h2>
<table class="figures"><tbody>
${figures.map(([k, v]) => `<tr><td>${e(k)}</td><td class="n">${e(v)}</td></tr>`).join('\n')}
</tbody></table>`);

  parts.push(`<h2>Drift per channel</h2>`);
  parts.push(
    report.channels.length === 0
      ? `<p class="none">No channel rows were checked.</p>`
      : `<table><thead><tr><th>Channel</th><th>Rows</th><th>Out of tolerance</th><th>Drift units</th><th>Drift rate</th></tr></thead><tbody>
${report.channels
  .map(
    (c) =>
      `<tr><td>${e(c.channel)}</td><td class="n">${c.rows}</td><td class="n">${c.outOfTolerance}</td><td class="n">${c.driftUnits}</td><td class="n">${pct(c.driftRate)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`,
  );

  parts.push(`<h2>Problems (${report.problems.length})</h2>`);
  parts.push(
    report.problems.length === 0
      ? `<p class="none">No catalogue or mapping problems.</p>`
      : `<ul>\n${report.problems
          .map(
            (p) =>
              `<li><span class="tag ${p.blocking ? 'blocking' : 'warning'}">${p.blocking ? 'blocking' : 'warning'}</span> ${e(p.message)}</li>`,
          )
          .join('\n')}\n</ul>`,
  );

  if (report.failures.length > 0) {
    parts.push(`<h2>Not reconciled (${report.failures.length})</h2>`);
    parts.push(
      `<ul>\n${report.failures.map((f) => `<li><strong>${e(f.sku)}</strong>: ${e(f.message)}</li>`).join('\n')}\n</ul>`,
    );
  }

  parts.push(`<h2>Rows by absolute drift</h2>`);
  parts.push(
    rows.length === 0
      ? `<p class="none">No rows.</p>`
      : `<table><thead><tr><th>SKU</th><th>Channel</th><th>Location</th><th>Shown</th><th>Expected</th><th>Drift</th><th>Class</th><th>Action</th></tr></thead><tbody>
${rows
  .map(
    (r) =>
      `<tr class="${e(r.class)}"><td>${e(r.sku)}</td><td>${e(r.channel)}</td><td>${e(r.location)}</td><td class="n">${r.shown}</td><td class="n">${r.expected}</td><td class="n">${e(signed(r.drift))}</td><td><span class="tag ${e(r.class)}">${e(CLASS_LABEL[r.class])}</span></td><td>${e(r.action)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`,
  );
  if (hidden > 0)
    parts.push(
      `<p class="none">… and ${hidden} more rows in tolerance (every row is in the CSV and JSON).</p>`,
    );
  parts.push(`</body>\n</html>\n`);
  return parts.join('\n');
}

// ---- files -------------------------------------------------------------------------------------------------------

/** `reconcile-<ISO time>` with the colons made file-system safe (`reconcile-2025-06-01T03-00-00.000Z`). */
export function reportBaseName(at: number): string {
  return `reconcile-${new Date(at).toISOString().replace(/:/g, '-')}`;
}

/** The report directory: `reports.dir` relative to the process's working directory unless absolute. */
export function reportDir(dir: string, cwd: string = process.cwd()): string {
  return isAbsolute(dir) ? dir : resolve(cwd, dir);
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** Writes the three files (atomically: a reader never sees half a report); rewriting the same run replaces them. */
export async function writeReport(
  dir: string,
  baseName: string,
  report: ReconcileReport,
  opts: { maxHtmlRows?: number } = {},
): Promise<ReportPaths> {
  await mkdir(dir, { recursive: true });
  const paths: ReportPaths = {
    json: join(dir, `${baseName}.json`),
    csv: join(dir, `${baseName}.csv`),
    html: join(dir, `${baseName}.html`),
  };
  await writeAtomic(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeAtomic(paths.csv, toCsv(report.rows));
  await writeAtomic(
    paths.html,
    toHtml(report, opts.maxHtmlRows !== undefined ? { maxRows: opts.maxHtmlRows } : {}),
  );
  return paths;
}
