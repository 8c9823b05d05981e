import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, parseConfigText } from '../../domain/config/parse';

const example = readFileSync(join(__dirname, '..', '..', 'docs', 'examples', 'invsync.config.yaml'), 'utf8');

const minimal = (channels: string, extra = '') => `
erp:
  kind: odoo
  url: http://127.0.0.1:8069
  database: db
  username: admin
  apiKey: \${ODOO_KEY}
  locations:
    - { id: WH1/Stock }
    - { id: WH2/Stock }
    - { id: WH1/Quarantine, sellable: false }
channels:
${channels}
${extra}`;

const shopify = (id: string, locs: string, alloc = '') => `  - id: ${id}
    kind: shopify
    credentials: { storeDomain: s.myshopify.com, accessToken: t, webhookSecret: w }
    locations: ${locs}
${alloc ? `${alloc}\n` : ''}`;

const problems = (text: string, env: Record<string, string> = { ODOO_KEY: 'k' }) => {
  const r = parseConfigText(text, env);
  return r.ok ? [] : r.problems.map(formatProblem);
};

test('the example config is valid and fills defaults from the brief', () => {
  const r = parseConfigText(example, {});
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  const c = r.config;
  expect(c.channels.map((ch) => ch.id)).toEqual(['shopify', 'amazon', 'mercadolibre']);
  expect(c.schedules.reconcile.every).toBe(15 * 60_000);
  expect(c.thresholds.queueDepth).toBe(100);
  expect(c.thresholds.channelStale).toBe(10 * 60_000);
  expect(c.thresholds.pushFailures).toEqual({ count: 3, window: 30 * 60_000 });
  expect(c.channels[0]?.allocation.buffer.tiers).toEqual({
    slow: { units: 3, percent: 5 },
    medium: { units: 8, percent: 8 },
    fast: { units: 15, percent: 10 },
  });
  expect(c.ingress).toMatchObject({ host: '127.0.0.1', port: 8080 });
});

test('${ENV} interpolation fills secrets from the environment, with defaults', () => {
  const r = parseConfigText(minimal(shopify('shop', '[{ id: L1, erpLocations: [WH1/Stock] }]')), {
    ODOO_KEY: 's3cret',
  });
  expect(r.ok && r.config.erp.kind === 'odoo' && r.config.erp.apiKey).toBe('s3cret');
  const d = parseConfigText(
    'temporal: { address: "${T_ADDR:-10.0.0.1:7233}" }\n' +
      minimal(shopify('shop', '[{ id: L1, erpLocations: [WH1/Stock] }]')),
    { ODOO_KEY: 'k' },
  );
  expect(d.ok && d.config.temporal.address).toBe('10.0.0.1:7233');
});

test('a missing environment variable is reported at its path', () => {
  expect(problems(minimal(shopify('shop', '[{ id: L1, erpLocations: [WH1/Stock] }]')), {})).toEqual([
    'erp.apiKey: environment variable ODOO_KEY is not set',
  ]);
});

test('an unknown ERP location is named with the full path of the mapping', () => {
  const text = minimal(
    shopify('shop', '[{ id: L1, erpLocations: [WH1/Stock] }]') +
      shopify('shop2', '[{ id: L1, erpLocations: [WH1/Stock] }, { id: L2, erpLocations: [WH3/Stock] }]'),
  );
  expect(problems(text)).toEqual(['channels[1].locations[1].erpLocations: unknown location "WH3/Stock"']);
});

test('every problem is reported in one pass, each with its path', () => {
  const text = minimal(
    shopify(
      'shop',
      '[{ id: L1, erpLocations: [WH1/Quarantine] }]',
      '    allocation: { min: 9, max: 3, buffer: { policy: fixed } }',
    ) +
      shopify('shop', '[{ id: L1, erpLocations: [WH1/Stock] }]') +
      `  - id: amazon
    kind: amazon
    credentials: { sellerId: S, marketplaceId: M, clientId: C, clientSecret: X, refreshToken: R }
    locations: [{ id: FBA, erpLocations: [WH1/Stock] }]
  - id: meli
    kind: mercadolibre
    credentials: { clientId: C, clientSecret: X, refreshToken: R, userId: 1 }
    locations: [{ id: meli_facility, erpLocations: [WH1/Stock] }]
`,
    'kits: { declared: [{ sku: K, components: [{ sku: K, qty: 1 }] }] }',
  );
  expect(problems(text).sort()).toEqual(
    [
      'channels[0].allocation.buffer.units: a fixed buffer needs units',
      'channels[0].allocation.min: min 9 is above max 3',
      'channels[0].locations[0].erpLocations: location "WH1/Quarantine" is not sellable (quarantine/returns stock is never offered)',
      'channels[1].id: duplicate channel id "shop"',
      'channels[2].locations[0].id: Amazon FBM quantity has one location, "DEFAULT" (fulfillment_channel_code); FBA stock is read, never mapped',
      'channels[3].locations[0].id: Mercado Libre Full stock (meli_facility) belongs to Mercado Libre and is never written',
      'kits.declared[0].components[0].sku: kit K contains itself',
    ].sort(),
  );
});

test('partitioned channels must split identical location sets, within 100%', () => {
  const part = (pct: number) => `    allocation: { share: { mode: partitioned, percent: ${pct} } }`;
  const overlap = minimal(
    shopify('a', '[{ id: L1, erpLocations: [WH1/Stock] }]', part(50)) +
      shopify('b', '[{ id: L1, erpLocations: [WH1/Stock, WH2/Stock] }]', part(50)),
  );
  expect(problems(overlap)).toEqual([
    'channels[0].locations[0].erpLocations: a location "L1" is partitioned or ring-fenced and overlaps b location "L1" without mapping the same ERP locations; map identical or disjoint location sets',
  ]);
  const over = minimal(
    shopify('a', '[{ id: L1, erpLocations: [WH1/Stock] }]', part(60)) +
      shopify('b', '[{ id: L1, erpLocations: [WH1/Stock] }]', part(50)),
  );
  expect(problems(over)).toEqual([
    'channels: partitioned shares over ERP locations [WH1/Stock] add up to 110%',
  ]);
});

test('wrong types and unknown kinds name their path', () => {
  const text = minimal(shopify('Shop!', '[{ id: L1, erpLocations: [] }]', '    mode: sometimes'));
  expect(problems(text)).toEqual(
    expect.arrayContaining([
      'channels[0].id: use lower-case letters, digits and dashes (it names the task queue)',
      'channels[0].mode: Invalid option: expected one of "live"|"shadow"',
      'channels[0].locations[0].erpLocations: map at least one ERP location',
    ]),
  );
  expect(problems(minimal('  - { id: x, kind: ebay }'))[0]).toMatch(/^channels\[0\]\.kind: /);
});

test('YAML syntax errors give the line', () => {
  expect(problems('erp: [unclosed\nchannels: 1')[0]).toMatch(/^line \d+: /);
});

test('misspelt keys are errors, not silently ignored', () => {
  const text = minimal(
    shopify('shop', '[{ id: L1, erpLocations: [WH1/Stock] }]', '    allocation: { maxx: 5 }'),
  );
  expect(problems(text)).toEqual(['channels[0].allocation: Unrecognized key: "maxx"']);
});
