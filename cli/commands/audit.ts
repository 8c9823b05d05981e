/**
 * `invsync audit`: the launch checklist against a live config (sandbox or real). Gathers the facts through the
 * adapters (access, catalogue, locations, one sample read and one shadow write per channel), judges them with
 * domain/audit, prints them in operational language, and exits 1 when anything blocks going live.
 */
import Table from 'cli-table3';
import { audit, problemsOf, type AuditFacts } from '../../domain/audit';
import { EXIT, printJson, requireConfig, type Output } from '../io';
import { lazy } from '../lazy';
import type { Config } from '../../domain/config/schema';
import type { ChannelAdapter, ChannelLevel, ErpAdapter, ErpProductRef, Page } from '../../integrations/types';
import type * as Integrations from '../../integrations';

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export async function pages<T>(read: (cursor?: string) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor !== undefined);
  return out;
}

export async function gatherAuditFacts(
  cfg: Config,
  erp: ErpAdapter,
  channels: ReadonlyMap<string, ChannelAdapter>,
  shadow: ReadonlyMap<string, ChannelAdapter>,
): Promise<AuditFacts> {
  const erpAccess = await erp.checkAccess().then(
    () => ({ ok: true }) as const,
    (e: unknown) => ({ ok: false, message: message(e) }) as const,
  );
  let products: ErpProductRef[] = [];
  let locations: { id: string; holdsStock: boolean }[] = [];
  if (erpAccess.ok) {
    products = await pages((c) => erp.products(c));
    const erpLocations = (await erp.locations()).filter((l) => l.internal);
    const stock = await pages((c) =>
      erp.availabilityPage(
        erpLocations.map((l) => l.id),
        c,
      ),
    );
    const holding = new Set(stock.filter((s) => s.onHand > 0).map((s) => s.location));
    locations = erpLocations.map((l) => ({ id: l.id, holdsStock: holding.has(l.id) }));
  }
  const facts: AuditFacts = {
    erp: { kind: cfg.erp.kind, access: erpAccess, products, locations },
    configErpLocations: cfg.erp.locations.map((l, i) => ({
      id: l.id,
      sellable: l.sellable,
      path: `erp.locations[${i}]`,
    })),
    channels: [],
    links: { match: cfg.skuLinks.match, overrides: cfg.skuLinks.overrides },
  };
  for (const ch of cfg.channels) {
    const adapter = channels.get(ch.id) as ChannelAdapter;
    const access = await adapter.checkAccess().then(
      () => ({ ok: true }) as const,
      (e: unknown) => ({ ok: false, message: message(e) }) as const,
    );
    let listings: ChannelLevel[] = [];
    let unmapped: { location: string; skus: number }[] = [];
    let sampleRead: AuditFacts['channels'][number]['sampleRead'] = { ok: 'skipped', reason: 'no access' };
    let shadowWrite: AuditFacts['channels'][number]['shadowWrite'] = { ok: 'skipped', reason: 'no access' };
    if (access.ok) {
      listings = await pages((c) => adapter.readAll(c));
      unmapped = (await adapter.unmappedLocations?.()) ?? [];
      const sample = listings.find((l) => !l.readOnly && l.sku.trim() !== '');
      if (!sample) {
        sampleRead = { ok: 'skipped', reason: 'the channel lists no writable SKU' };
        shadowWrite = { ok: 'skipped', reason: 'the channel lists no writable SKU' };
      } else {
        sampleRead = await adapter.levels([sample.sku]).then(
          (levels) =>
            levels.some((l) => l.sku === sample.sku)
              ? ({ ok: true, sku: sample.sku } as const)
              : ({ ok: false, message: `${ch.id}: sample read of ${sample.sku} returned nothing` } as const),
          (e: unknown) =>
            ({ ok: false, message: `${ch.id}: sample read of ${sample.sku} failed: ${message(e)}` }) as const,
        );
        const shadowAdapter = shadow.get(ch.id) as ChannelAdapter;
        shadowWrite = await shadowAdapter
          .push(
            [{ sku: sample.sku, location: sample.location, qty: sample.shows, expected: sample.shows }],
            `audit:${ch.id}:${Date.now()}`,
          )
          .then(
            (outcomes) =>
              outcomes.every((o) => o.status === 'shadow' || o.status === 'unchanged')
                ? ({
                    ok: true,
                    sku: sample.sku,
                    ...(outcomes[0]?.message ? { message: outcomes[0].message } : {}),
                  } as const)
                : ({
                    ok: false,
                    message: `${ch.id}: the shadow write of ${sample.sku} was applied (${outcomes.map((o) => o.status).join(', ')}): shadow mode is broken`,
                  } as const),
            (e: unknown) =>
              ({
                ok: false,
                message: `${ch.id}: shadow write of ${sample.sku} failed: ${message(e)}`,
              }) as const,
          );
      }
    }
    facts.channels.push({
      id: ch.id,
      kind: ch.kind,
      access,
      configLocations: ch.locations.map((l) => ({ id: l.id, erpLocations: l.erpLocations })),
      listings: listings.map((l) => ({ sku: l.sku, location: l.location, readOnly: l.readOnly })),
      unmappedLocations: unmapped,
      sampleRead,
      shadowWrite,
    });
  }
  return facts;
}

export async function auditCommand(configPath: string, o: Output): Promise<number> {
  const cfg = await requireConfig(configPath);
  const { createErpAdapter, createChannelAdapter, defaultDeps } =
    lazy<typeof Integrations>('../integrations');
  const deps = defaultDeps();
  const erp = createErpAdapter(cfg.erp, deps);
  const channels = new Map(cfg.channels.map((c) => [c.id, createChannelAdapter(c, deps, { erp })]));
  const shadow = new Map(
    cfg.channels.map((c) => [c.id, createChannelAdapter(c, deps, { mode: 'shadow', erp })]),
  );
  const findings = audit(await gatherAuditFacts(cfg, erp, channels, shadow));
  const problems = problemsOf(findings);
  const blocking = problems.filter((p) => p.status === 'blocking');
  if (o.json) printJson(o, { ok: blocking.length === 0, findings, problems });
  else {
    const table = new Table({
      head: ['', 'check', 'finding'],
      style: { head: [], border: [] },
      wordWrap: true,
      colWidths: [null, null, 100] as unknown as number[],
    });
    for (const f of findings)
      table.push([f.status === 'ok' ? 'ok' : f.status === 'warning' ? 'WARN' : 'BLOCK', f.check, f.message]);
    o.out(table.toString());
    o.out(
      blocking.length
        ? `${blocking.length} problem${blocking.length === 1 ? '' : 's'} block going live${problems.length > blocking.length ? `, ${problems.length - blocking.length} warning(s)` : ''}.`
        : `Clean bill: nothing blocks going live${problems.length ? ` (${problems.length} warning(s))` : ''}.`,
    );
  }
  return blocking.length ? EXIT.problems : EXIT.ok;
}
