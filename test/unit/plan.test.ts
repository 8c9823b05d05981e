import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../domain/config/parse';
import { plan } from '../../domain/plan';
import { planSettingsFromConfig, policyFromConfig } from '../../domain/policy';
import { snapshotSchema } from '../../domain/snapshot';

const root = join(__dirname, '..', '..');
const cfgResult = parseConfigText(readFileSync(join(root, 'docs/examples/invsync.config.yaml'), 'utf8'), {});
if (!cfgResult.ok) throw new Error('example config invalid');
const cfg = cfgResult.config;
const baseSnapshot = JSON.parse(readFileSync(join(root, 'docs/examples/snapshot.json'), 'utf8'));
const run = (snap: unknown) =>
  plan(policyFromConfig(cfg), snapshotSchema.parse(snap), {
    ...planSettingsFromConfig(cfg),
    now: Date.parse('2026-11-22T12:00:00Z'),
  });

test('the example plan: linked via override, reservations and pending orders applied, shadow and read-only rows', () => {
  const p = run(baseSnapshot);
  expect(p.problems.filter((x) => x.blocking)).toEqual([]);
  const row = (sku: string, channel: string, location: string) =>
    p.rows.find((r) => r.sku === sku && r.channel === channel && r.location === location);
  // MUG-BLUE-AMZ on Amazon is linked to MUG-BLUE by skuLinks.overrides; WH2 holds 30-4 = 26, wholesale keeps 10.
  expect(row('MUG-BLUE', 'amazon', 'DEFAULT')).toMatchObject({
    qty: 13,
    shows: 20,
    drift: 7,
    status: 'live',
  });
  expect(row('MUG-BLUE', 'amazon', 'FBA')).toMatchObject({ qty: 10, status: 'read-only' });
  expect(row('MUG-BLUE', 'mercadolibre', 'meli_facility')).toMatchObject({ status: 'read-only' });
  expect(row('TSHIRT-RED-M', 'mercadolibre', 'selling_address')).toMatchObject({ status: 'shadow' });
  // 37 at WH1 - 2 pending (Shopify order 1001) - 3 buffer = 32; quarantine stock is never counted.
  expect(row('TSHIRT-RED-M', 'shopify', 'gid://shopify/Location/1')?.qty).toBe(32);
  expect(p.rows.every((r) => r.qty >= 0)).toBe(true);
});

test('unlinked, duplicate and blank SKUs and unmapped locations are refused with actionable messages', () => {
  const snap = structuredClone(baseSnapshot);
  snap.erp.products.push({ sku: 'CAP-BLACK', barcode: '0099' }, { sku: '', barcode: '0100' });
  snap.channels.shopify.listings.push(
    { sku: 'ABC-RED-M', location: 'gid://shopify/Location/1', shows: 5 },
    { sku: 'TSHIRT-RED-M', location: 'gid://shopify/Location/9', shows: 3 },
  );
  const p = run(snap);
  expect(
    p.problems
      .filter((x) => x.blocking)
      .map((x) => x.message)
      .sort(),
  ).toEqual(
    [
      'An Odoo product (barcode 0100) has a blank SKU: give it an internal reference so it can be linked',
      'SKU ABC-RED-M is listed on Shopify (shopify) but has no linked Odoo product: link it (skuLinks.overrides) or fix the SKU',
      'SKU CAP-BLACK is carried by 2 Odoo products: make it unique in Odoo; nothing is pushed for it until then',
      'Shopify location gid://shopify/Location/9 is not mapped to any Odoo location: map it in channels[].locations or remove the listing',
    ].sort(),
  );
  const refused = p.rows
    .filter((r) => r.status === 'refused')
    .map((r) => `${r.sku}@${r.location}`)
    .sort();
  expect(refused).toEqual([
    'ABC-RED-M@gid://shopify/Location/1',
    'CAP-BLACK@gid://shopify/Location/1',
    'TSHIRT-RED-M@gid://shopify/Location/9',
  ]);
  expect(p.rows.filter((r) => r.status === 'refused').every((r) => r.qty === 0)).toBe(true);
});

test('an override naming an ERP barcode that matches no product links nothing (no guess)', () => {
  const links = {
    match: cfg.skuLinks.match,
    overrides: [{ sku: 'MUG-BLUE', erpBarcode: '9999', channels: { amazon: 'MUG-BLUE-AMZ' } }],
  };
  const p = plan(policyFromConfig(cfg), snapshotSchema.parse(baseSnapshot), {
    ...planSettingsFromConfig(cfg),
    links,
    now: Date.parse('2026-11-22T12:00:00Z'),
  });
  expect(p.rows.find((r) => r.sku === 'MUG-BLUE-AMZ' && r.location === 'DEFAULT')?.status).toBe('refused');
  expect(p.problems.map((x) => x.message)).toContainEqual(
    expect.stringContaining('SKU MUG-BLUE-AMZ is listed on Amazon (amazon) but has no linked Odoo product'),
  );
});

test('stock at a location the config does not declare is reported and never offered', () => {
  const snap = structuredClone(baseSnapshot);
  snap.erp.stock.push({ sku: 'CAP-BLACK', location: 'WH9/Stock', onHand: 500 });
  const p = run(snap);
  expect(p.problems).toContainEqual(
    expect.objectContaining({
      kind: 'undeclared-erp-location',
      blocking: false,
      message: expect.stringContaining('WH9/Stock holds stock but is not declared'),
    }),
  );
  expect(p.rows.find((r) => r.sku === 'CAP-BLACK')?.qty).toBe(0);
});

test('a halted shadow channel stays shadow: nothing is written', () => {
  const snap = structuredClone(baseSnapshot);
  snap.halts = [{ sku: 'TSHIRT-RED-M', channel: 'mercadolibre', reason: 'drift' }];
  const row = run(snap).rows.find((r) => r.sku === 'TSHIRT-RED-M' && r.channel === 'mercadolibre');
  expect(row).toMatchObject({ status: 'shadow', qty: 0 });
});

test('kits.source decides which kit definitions count', () => {
  const withSource = (source: 'erp' | 'declared' | 'both') => {
    const policy = { ...policyFromConfig(cfg), kitSource: source };
    const snap = structuredClone(baseSnapshot);
    snap.erp.kits = [{ sku: 'MUG-2PACK', components: [{ sku: 'MUG-BLUE', qty: 2 }] }];
    snap.erp.products.push({ sku: 'MUG-2PACK' });
    snap.channels.shopify.listings.push({ sku: 'MUG-2PACK', location: 'gid://shopify/Location/2', shows: 1 });
    const rows = plan(policy, snapshotSchema.parse(snap), {
      ...planSettingsFromConfig(cfg),
      now: Date.parse('2026-11-22T12:00:00Z'),
    }).rows;
    return [
      ...new Set(rows.filter((r) => r.lines.some((l) => l.text.startsWith('component '))).map((r) => r.sku)),
    ].sort();
  };
  expect(withSource('erp')).toEqual(['MUG-2PACK']);
  expect(withSource('declared')).toEqual(['TSHIRT-3PACK']);
  expect(withSource('both')).toEqual(['MUG-2PACK', 'TSHIRT-3PACK']);
});

test('kit sales count towards their components velocity (and so their buffer tier)', () => {
  const snap = structuredClone(baseSnapshot);
  // 20 three-packs a day for 14 days = 60 shirts/day: a fast mover (buffer 15 units or 10%).
  snap.sales = [{ sku: 'TSHIRT-3PACK', qty: 280, at: '2026-11-21T00:00:00Z' }];
  const row = run(snap).rows.find(
    (r) => r.sku === 'TSHIRT-RED-M' && r.channel === 'shopify' && r.location === 'gid://shopify/Location/1',
  );
  expect(row?.lines.some((l) => l.text.startsWith('safety buffer (fast mover (60/day)'))).toBe(true);
});
