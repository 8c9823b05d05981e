/**
 * The reconciliation report builders (ops/report.ts) and the stateless velocity-tier schedule (workflows/reconcile.ts):
 * CSV quoting, HTML escaping, the |drift| ordering of domain/drift, the summary figures, the files written.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driftReport } from '../../domain/drift';
import type { SkuDriftRow } from '../../domain/events';
import {
  channelDrift,
  csvField,
  escapeHtml,
  reportBaseName,
  reportDir,
  sortDriftRows,
  summarise,
  toCsv,
  toHtml,
  writeReport,
  type ReconcileReport,
} from '../../ops/report';
import { tierDue, tierGate } from '../../workflows/reconcile';

const row = (
  sku: string,
  channel: string,
  location: string,
  shown: number,
  expected: number,
  cls: SkuDriftRow['class'],
  action: SkuDriftRow['action'] = 'none',
): SkuDriftRow => ({ sku, channel, location, shown, expected, drift: shown - expected, class: cls, action });

const rows: SkuDriftRow[] = [
  row('MUG-BLUE', 'shopify', 'gid://shopify/Location/1', 10, 10, 'in-tolerance'),
  row('TSHIRT-RED-M', 'amazon', 'DEFAULT', 3, 40, 'halt', 'halted'),
  row('TSHIRT-RED-M', 'shopify', 'gid://shopify/Location/1', 45, 40, 'resync', 'resynced'),
  row('CAP', 'mercadolibre', 'selling_address', 12, 7, 'resync', 'resynced'),
  row('BAG', 'shopify', 'gid://shopify/Location/1', 6, 5, 'in-tolerance'),
];

function reportOf(r: SkuDriftRow[], extra: Partial<ReconcileReport> = {}): ReconcileReport {
  const sorted = sortDriftRows(r);
  return {
    runId: 'reconcile_2025-06-01T03_00_00.000Z',
    workflowId: 'reconcile:2025-06-01T03:00:00.000Z',
    scope: 'full',
    startedAt: '2025-06-01T03:00:00.000Z',
    finishedAt: '2025-06-01T03:00:09.000Z',
    summary: summarise(sorted, { skus: 4, skipped: 0, failed: 0, problems: 1 }),
    channels: channelDrift(sorted, ['shopify', 'amazon', 'mercadolibre']),
    rows: sorted,
    problems: [
      {
        kind: 'unlinked-sku',
        blocking: true,
        sku: 'ABC-RED-M',
        channel: 'shopify',
        message: 'SKU ABC-RED-M is listed on Shopify (shopify) but has no linked Odoo product',
      },
    ],
    failures: [],
    ...extra,
  };
}

describe('ordering and summary', () => {
  test('rows are sorted by absolute drift, largest first, then SKU, channel, location (as driftReport)', () => {
    const sorted = sortDriftRows(rows);
    expect(sorted.map((r) => `${r.sku}/${r.channel}:${r.drift}`)).toEqual([
      'TSHIRT-RED-M/amazon:-37',
      'CAP/mercadolibre:5',
      'TSHIRT-RED-M/shopify:5',
      'BAG/shopify:1',
      'MUG-BLUE/shopify:0',
    ]);
    const domainOrder = driftReport(rows, {
      toleranceUnits: 0,
      tolerancePercent: 0,
      haltUnits: 10,
      haltPercent: 50,
    }).map((r) => `${r.sku}|${r.channel}|${r.location}`);
    expect(sorted.map((r) => `${r.sku}|${r.channel}|${r.location}`)).toEqual(domainOrder);
    expect(rows[0]?.sku).toBe('MUG-BLUE'); // the input is not mutated
  });

  test('the summary counts classes and absolute drift units; per channel, the rate of rows out of tolerance', () => {
    const s = summarise(rows, { skus: 4, skipped: 2, failed: 1, problems: 3 });
    expect(s).toEqual({
      rows: 5,
      inTolerance: 2,
      resync: 2,
      halt: 1,
      driftUnits: 37 + 5 + 5 + 1,
      skus: 4,
      skipped: 2,
      failed: 1,
      problems: 3,
    });
    const byChannel = Object.fromEntries(
      channelDrift(rows, ['shopify', 'amazon', 'mercadolibre', 'idle']).map((c) => [c.channel, c]),
    );
    expect(byChannel.shopify).toEqual({
      channel: 'shopify',
      rows: 3,
      outOfTolerance: 1,
      driftUnits: 6,
      driftRate: 1 / 3,
    });
    expect(byChannel.amazon).toMatchObject({ rows: 1, outOfTolerance: 1, driftUnits: 37, driftRate: 1 });
    expect(byChannel.idle).toEqual({
      channel: 'idle',
      rows: 0,
      outOfTolerance: 0,
      driftUnits: 0,
      driftRate: 0,
    });
  });
});

describe('CSV', () => {
  test('fields with commas, quotes or line breaks are quoted with quotes doubled; formulas are defused', () => {
    expect(csvField('PLAIN-1')).toBe('PLAIN-1');
    expect(csvField('A,B')).toBe('"A,B"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(-37)).toBe('-37');
  });

  test('one header and one CRLF-terminated line per row, in the given order', () => {
    const csv = toCsv(
      sortDriftRows([
        ...rows,
        row('ODD,"SKU"', 'shopify', 'gid://shopify/Location/2', 0, 2, 'resync', 'resynced'),
      ]),
    );
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('sku,channel,location,shown,expected,drift,class,action');
    expect(lines[1]).toBe('TSHIRT-RED-M,amazon,DEFAULT,3,40,-37,halt,halted');
    expect(lines).toContain('"ODD,""SKU""",shopify,gid://shopify/Location/2,0,2,-2,resync,resynced');
    expect(lines).toHaveLength(rows.length + 3); // header, 6 rows, trailing empty string after the last CRLF
    expect(lines.at(-1)).toBe('');
  });
});

describe('HTML', () => {
  test('escapes every character that could open markup or break an attribute', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;',
    );
  });

  test('a self-contained page: summary, channels, problems and rows by |drift|, hostile text escaped', () => {
    const hostile = row('<script>alert("x")</script>', 'shopify', `loc'"&`, 9, 1, 'resync', 'resynced');
    const report = reportOf([...rows, hostile], {
      problems: [
        { kind: 'unlinked-sku', blocking: true, message: 'SKU <img src=x onerror=alert(1)> has no product' },
      ],
      failures: [{ sku: 'X&Y', message: 'update failed: <b>bad</b>' }],
    });
    const html = toHtml(report);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script>|<img|<b>bad/);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//); // nothing loaded from outside
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('loc&#39;&quot;&amp;');
    expect(html).toContain('SKU &lt;img src=x onerror=alert(1)&gt; has no product');
    expect(html).toContain('X&amp;Y');
    // Row order in the table: TSHIRT-RED-M/amazon (-37) before the hostile +8 before CAP (+5).
    const at = (s: string) => html.indexOf(s);
    expect(at('<td>TSHIRT-RED-M</td><td>amazon</td>')).toBeGreaterThan(0);
    expect(at('<td>TSHIRT-RED-M</td><td>amazon</td>')).toBeLessThan(at('&lt;script&gt;'));
    expect(at('&lt;script&gt;')).toBeLessThan(at('<td>CAP</td>'));
    expect(html).toContain('<td class="n">-37</td>');
    expect(html).toContain('<td class="n">+8</td>');
    expect(html).toMatch(/Halted<\/td><td class="n">1</);
  });

  test('rows in tolerance beyond maxRows are left to the CSV, never rows out of tolerance', () => {
    const many = Array.from({ length: 30 }, (_, i) =>
      row(`OK-${String(i).padStart(2, '0')}`, 'shopify', 'L', 5, 5, 'in-tolerance'),
    );
    const html = toHtml(reportOf([...many, row('BAD', 'shopify', 'L', 0, 9, 'resync', 'resynced')]), {
      maxRows: 10,
    });
    expect(html).toContain('<td>BAD</td>');
    expect((html.match(/<td>OK-\d\d<\/td>/g) ?? []).length).toBe(9);
    expect(html).toContain('… and 21 more rows in tolerance');
  });
});

describe('files', () => {
  test('reconcile-<ISO time>.{json,csv,html}, file-system safe, relative dirs against the cwd', async () => {
    const at = Date.parse('2025-06-01T03:00:00.000Z');
    expect(reportBaseName(at)).toBe('reconcile-2025-06-01T03-00-00.000Z');
    expect(reportDir('reports', '/srv/invsync')).toBe('/srv/invsync/reports');
    expect(reportDir('/var/reports', '/srv/invsync')).toBe('/var/reports');

    const dir = mkdtempSync(join(tmpdir(), 'invsync-report-'));
    const report = reportOf(rows);
    const paths = await writeReport(join(dir, 'nested'), reportBaseName(at), report);
    expect(paths.json).toBe(join(dir, 'nested', 'reconcile-2025-06-01T03-00-00.000Z.json'));
    expect(JSON.parse(readFileSync(paths.json, 'utf8'))).toEqual(report);
    expect(readFileSync(paths.csv, 'utf8')).toBe(toCsv(report.rows));
    expect(readFileSync(paths.html, 'utf8')).toBe(toHtml(report));
  });
});

describe('velocity tiers: due from the run time alone', () => {
  const MIN = 60_000;
  const settings = { every: 15 * MIN, tiers: { fast: 15 * MIN, medium: 60 * MIN, slow: 240 * MIN } };

  test('over a day of 15-minute runs: medium due 24 times (once an hour), slow 6 times, fast always', () => {
    const day = Date.parse('2025-06-01T00:00:00.000Z');
    const runs = Array.from({ length: 96 }, (_, i) => day + i * settings.every + 3_000); // schedules start late
    const gates = runs.map((t) => tierGate(t, settings));
    expect(gates.filter((g) => g.medium)).toHaveLength(24);
    expect(gates.filter((g) => g.slow)).toHaveLength(6);
    expect(gates[0]).toEqual({ medium: true, slow: true }); // midnight crosses every boundary
    expect(gates[1]).toEqual({ medium: false, slow: false });
    expect(gates[4]).toEqual({ medium: true, slow: false }); // 01:00
    expect(gates[16]).toEqual({ medium: true, slow: true }); // 04:00
    expect(runs.every((t) => tierDue(t, settings.every, settings.tiers.fast))).toBe(true);
  });

  test('a tier interval not longer than the schedule is always due', () => {
    expect(tierDue(123, 15 * MIN, 10 * MIN)).toBe(true);
    expect(tierDue(123, 0, 60 * MIN)).toBe(true);
  });
});
