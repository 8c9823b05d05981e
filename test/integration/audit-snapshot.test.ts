/**
 * `invsync audit` and `invsync snapshot` against the sandbox, through every real adapter: the demo world gets a
 * clean bill; the broken catalogue reports exactly its three problems and exits 1; the snapshot is what `plan` reads.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatherAuditFacts } from '../../cli/commands/audit';
import { gatherSnapshot } from '../../cli/commands/snapshot';
import { audit, problemsOf } from '../../domain/audit';
import { parseConfigObject } from '../../domain/config/parse';
import { plan } from '../../domain/plan';
import { planSettingsFromConfig, policyFromConfig } from '../../domain/policy';
import { snapshotSchema } from '../../domain/snapshot';
import { createChannelAdapter, createErpAdapter } from '../../integrations';
import { MemoryTokenStore } from '../../integrations/token-store';
import { startSandbox, type Sandbox } from '../../sandbox';
import type { Config } from '../../domain/config/schema';

jest.setTimeout(120_000);

function configOf(sb: Sandbox): Config {
  const r = parseConfigObject(sb.config(), {});
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

async function auditOf(sb: Sandbox) {
  const cfg = configOf(sb);
  const deps = { tokens: new MemoryTokenStore() };
  const erp = createErpAdapter(cfg.erp, deps);
  const channels = new Map(cfg.channels.map((c) => [c.id, createChannelAdapter(c, deps, { erp })]));
  const shadow = new Map(
    cfg.channels.map((c) => [c.id, createChannelAdapter(c, deps, { mode: 'shadow', erp })]),
  );
  return audit(await gatherAuditFacts(cfg, erp, channels, shadow));
}

describe('audit', () => {
  test('the demo preset gets a clean bill, and the shadow writes change nothing', async () => {
    const sb = await startSandbox({ preset: 'demo', secret: 'audit-demo' });
    try {
      const before = JSON.stringify(sb.world.state().channels);
      const findings = await auditOf(sb);
      expect(problemsOf(findings)).toEqual([]);
      expect(findings.filter((f) => f.check === 'shadow-write').map((f) => f.status)).toEqual([
        'ok',
        'ok',
        'ok',
      ]);
      expect(JSON.stringify(sb.world.state().channels)).toBe(before);
    } finally {
      await sb.close();
    }
  });

  test('the broken catalogue reports exactly its three problems, and `invsync audit` exits 1', async () => {
    // Through the CLI alone: Mercado Libre refresh tokens are single-use, so one token store per sandbox run.
    const sb = await startSandbox({ preset: 'broken-catalogue', secret: 'audit-broken' });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'invsync-audit-'));
      const configPath = join(dir, 'invsync.config.yaml');
      writeFileSync(configPath, stringify(sb.config()));
      // Async: the sandbox answers from this very process, so a synchronous spawn would starve it.
      const run = async (args: string[]) => {
        const child = spawn(
          process.execPath,
          [join(__dirname, '..', '..', 'bin', 'invsync.cjs'), 'audit', '--config', configPath, ...args],
          {
            env: { ...process.env, INVSYNC_STATE_DIR: dir },
          },
        );
        let stdout = '';
        child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
        return { status, stdout };
      };
      const json = await run(['--json']);
      expect(json.status).toBe(1);
      const report = JSON.parse(json.stdout) as {
        ok: boolean;
        problems: { status: string; message: string }[];
      };
      expect(report.ok).toBe(false);
      expect(report.problems.map((p) => `${p.status}: ${p.message}`)).toEqual([
        'blocking: SKU MUG-BLUE-M is carried by 2 Odoo products: make it unique in Odoo; nothing is pushed for it until then',
        'blocking: SKU ABC-RED-M is listed on Shopify (shopify) but has no linked Odoo product: link it (skuLinks.overrides) or fix the SKU',
        'blocking: Shopify location gid://shopify/Location/3 (shopify, 1 SKU) is not mapped to any Odoo location: map it in channels[].locations or stop stocking it',
      ]);
      const table = await run([]);
      expect(table.status).toBe(1);
      expect(table.stdout).toContain('3 problems block going live.');
    } finally {
      await sb.close();
    }
  });
});

test('snapshot reads every system into the format plan reads; drift shows a channel edited by a person', async () => {
  const sb = await startSandbox({ preset: 'small', secret: 'snapshot' });
  try {
    const cfg = configOf(sb);
    const deps = { tokens: new MemoryTokenStore() };
    const erp = createErpAdapter(cfg.erp, deps);
    const channels = new Map(cfg.channels.map((c) => [c.id, createChannelAdapter(c, deps, { erp })]));
    const listing = sb.world.listing('shopify', 'TSHIRT-RED-S', 'gid://shopify/Location/1');
    if (!listing) throw new Error('seed changed');
    sb.world.setShows('shopify', listing, listing.shows + 7, 'person');
    const snap = snapshotSchema.parse(await gatherSnapshot(cfg, erp, channels));
    expect(snap.erp.stock.length).toBeGreaterThan(0);
    expect(Object.keys(snap.channels)).toEqual(['shopify', 'amazon', 'mercadolibre']);
    const result = plan(policyFromConfig(cfg), snap, { ...planSettingsFromConfig(cfg), now: Date.now() });
    const row = result.rows.find(
      (r) => r.sku === 'TSHIRT-RED-S' && r.channel === 'shopify' && r.location === 'gid://shopify/Location/1',
    );
    expect(row?.shows).toBe(listing.shows);
    expect(row?.drift).toBeGreaterThanOrEqual(7);
    expect(result.rows.some((r) => r.channel === 'amazon' && r.status === 'read-only')).toBe(true);
  } finally {
    await sb.close();
  }
});
