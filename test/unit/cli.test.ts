/**
 * The CLI as a user runs it: the real bin (`bin/invsync.cjs`) in a child process, on the example files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(60_000);
const root = join(__dirname, '..', '..');
const examples = join(root, 'docs', 'examples');
const config = join(examples, 'invsync.config.yaml');
const snapshot = join(examples, 'snapshot.json');

function invsync(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'invsync.cjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('config check prints OK and exits 0 on the example', () => {
  const r = invsync(['config', 'check', '--config', config]);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(
    /^OK .*invsync\.config\.yaml: odoo with 3 locations; channels shopify \(shopify, live\), amazon \(amazon, live\), mercadolibre \(mercadolibre, shadow\)/,
  );
  expect(r.code).toBe(0);
});

test('config check lists every problem with its path and exits 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'invsync-cli-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(
    bad,
    readFileSync(config, 'utf8')
      .replace(
        '{ id: gid://shopify/Location/2, erpLocations: [WH2/Stock] }',
        '{ id: gid://shopify/Location/2, erpLocations: [WH3/Stock] }',
      )
      .replace('apiKey: ${ODOO_API_KEY:-sandbox-odoo-key}', 'apiKey: ${ODOO_API_KEY}'),
  );
  const r = invsync(['config', 'check', '--config', bad], { ODOO_API_KEY: '' });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('erp.apiKey: environment variable ODOO_API_KEY is not set');
  // interpolation problems are reported first; fix that and the location problem shows with its path
  const r2 = invsync(['config', 'check', '--config', bad, '--json'], { ODOO_API_KEY: 'k' });
  expect(r2.code).toBe(1);
  expect(JSON.parse(r2.stdout)).toEqual({
    ok: false,
    path: bad,
    problems: [{ path: 'channels[0].locations[1].erpLocations', message: 'unknown location "WH3/Stock"' }],
  });
});

test('a missing config file is a usage error (exit 2) that says which file', () => {
  const r = invsync(['config', 'check', '--config', join(examples, 'nope.yaml')]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/cannot read config .*nope\.yaml: no such file/);
});

test('plan prints the table with the breakdown and exits 0', () => {
  const r = invsync([
    'plan',
    '--config',
    config,
    '--snapshot',
    snapshot,
    '--sku',
    'TSHIRT-RED-M',
    '--explain',
  ]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('TSHIRT-RED-M');
  expect(r.stdout).toContain('ERP available at WH1/Stock: 40 on hand - 2 reserved - 1 damaged');
  expect(r.stdout).toContain('sold, not yet in the ERP (pending orders): shopify order 1001 x2');
  expect(r.stdout).toMatch(/4 rows: 3 written by invsync, 3 to push, 3 drifting/);
});

test('plan --json gives rows with breakdowns and problems', () => {
  const r = invsync(['plan', '--config', config, '--snapshot', snapshot, '--json']);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as {
    rows: { sku: string; channel: string; location: string; qty: number; lines: unknown[] }[];
    problems: unknown[];
  };
  const row = out.rows.find((x) => x.sku === 'TSHIRT-RED-M' && x.channel === 'amazon');
  expect(row).toMatchObject({ location: 'DEFAULT', qty: 44 });
  expect(row?.lines.length).toBeGreaterThan(2);
});

test('plan exits 1 when something blocks, naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'invsync-cli-'));
  const snap = JSON.parse(readFileSync(snapshot, 'utf8'));
  snap.channels.shopify.listings.push({ sku: 'ABC-RED-M', location: 'gid://shopify/Location/1', shows: 3 });
  writeFileSync(join(dir, 's.json'), JSON.stringify(snap));
  const r = invsync(['plan', '--config', config, '--snapshot', join(dir, 's.json')]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(
    'BLOCKING: SKU ABC-RED-M is listed on Shopify (shopify) but has no linked Odoo product',
  );
});

test('an invalid snapshot is reported field by field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'invsync-cli-'));
  writeFileSync(join(dir, 's.json'), JSON.stringify({ erp: { kind: 'sap', products: [] } }));
  const r = invsync(['plan', '--config', config, '--snapshot', join(dir, 's.json')]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/snapshot .*s\.json is invalid:\n {2}erp\.kind: /);
});

test('unknown commands are usage errors (exit 2)', () => {
  expect(invsync(['frobnicate']).code).toBe(2);
});
