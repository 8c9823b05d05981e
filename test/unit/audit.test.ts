import { audit, problemsOf, type AuditFacts } from '../../domain/audit';

const clean = (): AuditFacts => ({
  erp: {
    kind: 'odoo',
    access: { ok: true },
    products: [
      { sku: 'TEE', barcode: '1' },
      { sku: 'MUG', barcode: '2' },
    ],
    locations: [
      { id: 'WH1/Stock', holdsStock: true },
      { id: 'WH2/Stock', holdsStock: true },
    ],
  },
  configErpLocations: [
    { id: 'WH1/Stock', sellable: true, path: 'erp.locations[0]' },
    { id: 'WH2/Stock', sellable: true, path: 'erp.locations[1]' },
  ],
  channels: [
    {
      id: 'shopify',
      kind: 'shopify',
      access: { ok: true },
      configLocations: [{ id: 'L1', erpLocations: ['WH1/Stock', 'WH2/Stock'] }],
      listings: [
        { sku: 'TEE', location: 'L1' },
        { sku: 'MUG', location: 'L1' },
      ],
      unmappedLocations: [],
      sampleRead: { ok: true, sku: 'TEE' },
      shadowWrite: { ok: true, sku: 'TEE' },
    },
  ],
  links: { match: ['sku', 'barcode'], overrides: [] },
});

test('a clean world has no problems', () => {
  expect(problemsOf(audit(clean()))).toEqual([]);
  expect(audit(clean()).map((f) => f.check)).toEqual(['access', 'access', 'sample-read', 'shadow-write']);
});

test('the three catalogue problems of a broken world, each actionable', () => {
  const f = clean();
  f.erp.products.push({ sku: 'MUG', barcode: '9' });
  f.channels[0]?.listings.push({ sku: 'ABC-RED-M', location: 'L1' });
  f.channels[0]?.unmappedLocations.push({ location: 'gid://shopify/Location/3', skus: 1 });
  expect(problemsOf(audit(f)).map((p) => `${p.status}: ${p.message}`)).toEqual([
    'blocking: SKU MUG is carried by 2 Odoo products: make it unique in Odoo; nothing is pushed for it until then',
    'blocking: SKU ABC-RED-M is listed on Shopify (shopify) but has no linked Odoo product: link it (skuLinks.overrides) or fix the SKU',
    'blocking: Shopify location gid://shopify/Location/3 (shopify, 1 SKU) is not mapped to any Odoo location: map it in channels[].locations or stop stocking it',
  ]);
});

test('access failures, blank and duplicated channel SKUs, missing and unused locations, failed samples', () => {
  const f = clean();
  f.erp.access = { ok: false, message: 'Odoo rejected the login' };
  f.erp.locations.push({ id: 'WH9/Stock', holdsStock: true });
  f.configErpLocations.push({ id: 'WH3/Stock', sellable: true, path: 'erp.locations[2]' });
  const ch = f.channels[0];
  if (!ch) throw new Error('no channel');
  ch.listings.push({ sku: '', location: 'L1' }, { sku: 'TEE', location: 'L1' });
  ch.sampleRead = { ok: false, message: 'shopify: sample read failed: THROTTLED' };
  ch.shadowWrite = { ok: 'skipped', reason: 'no SKU listed' };
  const problems = problemsOf(audit(f)).map((p) => `${p.status} ${p.check}: ${p.message}`);
  expect(problems).toEqual([
    'blocking access: Odoo rejected the login',
    'blocking erp-location: Odoo has no location WH3/Stock (erp.locations[2]): fix the name or remove it',
    'warning unused-location: Odoo location WH9/Stock holds stock but is not declared in erp.locations: its stock is not offered anywhere',
    'warning unused-location: Odoo location WH3/Stock is not mapped to any channel location: its stock is not offered anywhere',
    "blocking blank-sku: A Shopify listing at L1 on shopify has a blank SKU: give it the ERP's SKU",
    'blocking duplicate-sku: SKU TEE is listed 2 times at L1 on shopify: Shopify would show one quantity for several listings; make the SKU unique',
    'blocking sample-read: shopify: sample read failed: THROTTLED',
    'warning shadow-write: shopify: shadow write skipped: no SKU listed',
  ]);
});
