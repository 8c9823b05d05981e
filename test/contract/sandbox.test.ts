/**
 * The whole sandbox: every simulator on its own ephemeral port, the admin API, the manifest and a config that
 * passes `invsync config check` and describes the same world (channel and location ids) as the seed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigObject, parseConfigText, formatProblem } from '../../domain/config/parse';
import { startSandbox, type Sandbox } from '../../sandbox';

jest.setTimeout(60_000);
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ preset: 'demo', secret: 'fixed-secret' });
});
afterAll(async () => {
  await sb?.close();
});

test('every system listens on its own port on 127.0.0.1', () => {
  const ports = Object.values(sb.urls).map((u) => new URL(u).port);
  expect(new Set(ports).size).toBe(6);
  for (const u of Object.values(sb.urls)) expect(new URL(u).hostname).toBe('127.0.0.1');
  expect(sb.urls.netsuite).toMatch(/^https:/); // the NetSuite client insists on https
});

test('the config it writes is valid and names the seed channels and locations', () => {
  const r = parseConfigObject(sb.config(), {});
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  expect(r.config.channels.map((c) => [c.id, c.kind, c.locations.map((l) => l.id)])).toEqual([
    ['shopify', 'shopify', ['gid://shopify/Location/1', 'gid://shopify/Location/2']],
    ['amazon', 'amazon', ['DEFAULT']],
    ['mercadolibre', 'mercadolibre', ['selling_address']],
  ]);
  expect(r.config.erp.locations.map((l) => [l.id, l.sellable])).toEqual([
    ['WH1/Stock', true],
    ['WH2/Stock', true],
    ['WH1/Quarantine', false],
  ]);
});

test('the manifest credentials work against each simulator', async () => {
  const m = sb.manifest();
  // Odoo: XML-RPC authenticate
  const odooRes = await fetch(`${m.erp.odoo.url}/xmlrpc/2/common`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: `<?xml version="1.0"?><methodCall><methodName>authenticate</methodName><params><param><value><string>${m.erp.odoo.database}</string></value></param><param><value><string>${m.erp.odoo.username}</string></value></param><param><value><string>${m.erp.odoo.apiKey}</string></value></param><param><value><struct></struct></value></param></params></methodCall>`,
  });
  expect(await odooRes.text()).toContain('<int>2</int>');
  // Shopify: a GraphQL query with the channel token
  const shop = m.channels.find((c) => c.kind === 'shopify');
  const gql = await fetch(`${shop?.url}/admin/api/2026-04/graphql.json`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-Shopify-Access-Token': shop?.credentials.accessToken ?? '',
    },
    body: JSON.stringify({ query: '{ locations(first: 5) { edges { node { id } } } }' }),
  });
  expect(JSON.stringify(await gql.json())).toContain('gid://shopify/Location/1');
  // Amazon: LWA refresh
  const amz = m.channels.find((c) => c.kind === 'amazon');
  const lwa = await fetch(amz?.credentials.lwaEndpoint ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'refresh_token',
      refresh_token: amz?.credentials.refreshToken,
      client_id: amz?.credentials.clientId,
      client_secret: amz?.credentials.clientSecret,
    }),
  });
  expect(await lwa.json()).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
  // Mercado Libre: OAuth refresh
  const meli = m.channels.find((c) => c.kind === 'mercadolibre');
  const tok = await fetch(`${meli?.credentials.endpoint}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: meli?.credentials.clientId ?? '',
      client_secret: meli?.credentials.clientSecret ?? '',
      refresh_token: meli?.credentials.refreshToken ?? '',
    }),
  });
  expect(await tok.json()).toMatchObject({ token_type: 'Bearer', user_id: Number(meli?.credentials.userId) });
  // Admin: the same state every simulator writes to
  const state = (await (await fetch(`${m.admin}/_sandbox/state`)).json()) as { calls: { system: string }[] };
  expect(new Set(state.calls.map((c) => c.system))).toEqual(
    new Set(['odoo', 'shopify', 'amazon', 'mercadolibre']),
  );
});

test("the simulators' test hooks are reachable: Odoo version by the admin API, token expiry by the handles", async () => {
  const m = sb.manifest();
  const set = async (version: unknown) =>
    fetch(`${m.admin}/_sandbox/odoo/version`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version }),
    });
  expect(await (await set(18)).json()).toEqual({ version: 18 });
  expect(sb.servers.odoo.version).toBe(18);
  expect((await set(15)).status).toBe(400);
  expect(await (await set(17)).json()).toEqual({ version: 17 });
  expect(typeof sb.servers.amazon.expireAccessTokens('amazon')).toBe('number');
  expect(typeof sb.servers.mercadolibre.tokens.expireChannel('mercadolibre')).toBe('number');
  expect(sb.servers.netsuite.ca).toContain('BEGIN CERTIFICATE');
});

test('`invsync sandbox` starts everything, writes the manifest and a config, and stops on SIGINT', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'invsync-sandbox-'));
  const child = spawn(
    process.execPath,
    [
      join(__dirname, '..', '..', 'bin', 'invsync.cjs'),
      'sandbox',
      '--preset',
      'small',
      '--port-base',
      '0',
      '--run-dir',
      dir,
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 30_000;
  while (!out.trim().endsWith('}') && Date.now() < deadline && child.exitCode === null)
    await new Promise((r) => setTimeout(r, 100));
  const started = JSON.parse(out) as { admin: string; manifestPath: string; configPath: string };
  expect(existsSync(started.manifestPath)).toBe(true);
  const cfg = parseConfigText(readFileSync(started.configPath, 'utf8'), {});
  expect(cfg.ok).toBe(true);
  const state = (await (await fetch(`${started.admin}/_sandbox/state`)).json()) as {
    erp: { stock: unknown[] };
  };
  expect(state.erp.stock.length).toBeGreaterThan(0);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
});
