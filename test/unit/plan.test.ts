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
      'A Odoo product (barcode 0100) has a blank SKU: give it an internal reference so it can be linked',
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
