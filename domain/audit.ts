/**
 * The launch checklist (design C11), judged from what the ERP and the channels returned: clean SKUs on every side,
 * links, duplicates, blanks, location mapping both ways, access, and one sample read and shadow write per channel.
 * Pure: the CLI gathers the facts, this decides what blocks going live and says it in operational language.
 */
import { buildCatalog, ERP_NAME, type LinkRules } from './links';
import type { ErpKind } from './model';

export type CheckStatus = 'ok' | 'warning' | 'blocking';

export interface AuditFinding {
  check: string;
  status: CheckStatus;
  message: string;
  system?: string;
  channel?: string;
  sku?: string;
  location?: string;
}

export interface AuditFacts {
  erp: {
    kind: ErpKind;
    access: { ok: true } | { ok: false; message: string };
    products: { sku: string; barcode?: string | undefined }[];
    /** Internal locations the ERP has (config names), and whether they hold stock. */
    locations: { id: string; holdsStock: boolean }[];
  };
  /** ERP locations of the config: id, sellable, path for messages. */
  configErpLocations: { id: string; sellable: boolean; path: string }[];
  channels: {
    id: string;
    kind: string;
    access: { ok: true } | { ok: false; message: string };
    /** Channel location ids of the config, with their ERP locations. */
    configLocations: { id: string; erpLocations: string[] }[];
    /** Every (sku, location) the channel lists, read through its bulk read (read-only stock flagged). */
    listings: { sku: string; location: string; readOnly?: string | undefined }[];
    /** Locations where the channel holds listings that the config does not map, with how many SKUs. */
    unmappedLocations: { location: string; skus: number }[];
    sampleRead:
      { ok: true; sku: string } | { ok: false; message: string } | { ok: 'skipped'; reason: string };
    shadowWrite:
      | { ok: true; sku: string; message?: string }
      | { ok: false; message: string }
      | { ok: 'skipped'; reason: string };
  }[];
  links: LinkRules;
}

const CHANNEL_NAME: Record<string, string> = {
  shopify: 'Shopify',
  amazon: 'Amazon',
  mercadolibre: 'Mercado Libre',
};

export function audit(f: AuditFacts): AuditFinding[] {
  const out: AuditFinding[] = [];
  const erpName = ERP_NAME[f.erp.kind];
  const push = (x: AuditFinding) => out.push(x);

  // Access
  push(
    f.erp.access.ok
      ? {
          check: 'access',
          status: 'ok',
          system: f.erp.kind,
          message: `${erpName}: credentials and permissions work`,
        }
      : { check: 'access', status: 'blocking', system: f.erp.kind, message: f.erp.access.message },
  );
  for (const ch of f.channels)
    push(
      ch.access.ok
        ? {
            check: 'access',
            status: 'ok',
            channel: ch.id,
            message: `${ch.id}: credentials and permissions work`,
          }
        : { check: 'access', status: 'blocking', channel: ch.id, message: ch.access.message },
    );

  // ERP catalogue: blank and duplicate SKUs
  const catalog = buildCatalog(f.erp.kind, f.erp.products, f.links);
  for (const p of catalog.problems)
    push({
      check: p.kind,
      status: 'blocking',
      system: f.erp.kind,
      sku: p.sku || undefined,
      message: p.message,
    });

  // Config ERP locations that the ERP does not have; ERP locations holding stock that the config ignores
  const erpLocs = new Map(f.erp.locations.map((l) => [l.id, l]));
  for (const l of f.configErpLocations)
    if (!erpLocs.has(l.id))
      push({
        check: 'erp-location',
        status: 'blocking',
        location: l.id,
        message: `${erpName} has no location ${l.id} (${l.path}): fix the name or remove it`,
      });
  const declared = new Set(f.configErpLocations.map((l) => l.id));
  for (const l of f.erp.locations)
    if (l.holdsStock && !declared.has(l.id))
      push({
        check: 'unused-location',
        status: 'warning',
        location: l.id,
        message: `${erpName} location ${l.id} holds stock but is not declared in erp.locations: its stock is not offered anywhere`,
      });
  const mapped = new Set(f.channels.flatMap((c) => c.configLocations.flatMap((l) => l.erpLocations)));
  for (const l of f.configErpLocations)
    if (l.sellable && !mapped.has(l.id))
      push({
        check: 'unused-location',
        status: 'warning',
        location: l.id,
        message: `${erpName} location ${l.id} is not mapped to any channel location: its stock is not offered anywhere`,
      });

  for (const ch of f.channels) {
    const name = CHANNEL_NAME[ch.kind] ?? ch.kind;
    // Channel SKUs: blank, duplicated at one location, unlinked to the ERP
    const seen = new Map<string, number>();
    for (const l of ch.listings) {
      if (l.sku.trim() === '') {
        push({
          check: 'blank-sku',
          status: 'blocking',
          channel: ch.id,
          location: l.location,
          message: `A ${name} listing at ${l.location} on ${ch.id} has a blank SKU: give it the ERP's SKU`,
        });
        continue;
      }
      const key = `${l.sku}\u0000${l.location}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    for (const [key, n] of seen) {
      const [sku, location] = key.split('\u0000') as [string, string];
      if (n > 1)
        push({
          check: 'duplicate-sku',
          status: 'blocking',
          channel: ch.id,
          sku,
          location,
          message: `SKU ${sku} is listed ${n} times at ${location} on ${ch.id}: ${name} would show one quantity for several listings; make the SKU unique`,
        });
    }
    const unlinked = new Set<string>();
    for (const l of ch.listings)
      if (
        l.sku.trim() !== '' &&
        catalog.resolve(ch.id, l.sku) === undefined &&
        !catalog.duplicates.has(l.sku)
      )
        unlinked.add(l.sku);
    for (const sku of [...unlinked].sort())
      push({
        check: 'unlinked-sku',
        status: 'blocking',
        channel: ch.id,
        sku,
        message: `SKU ${sku} is listed on ${name} (${ch.id}) but has no linked ${erpName} product: link it (skuLinks.overrides) or fix the SKU`,
      });

    // Locations: listings at locations the config does not map
    for (const u of ch.unmappedLocations)
      push({
        check: 'unmapped-location',
        status: 'blocking',
        channel: ch.id,
        location: u.location,
        message: `${name} location ${u.location} (${ch.id}, ${u.skus} SKU${u.skus === 1 ? '' : 's'}) is not mapped to any ${erpName} location: map it in channels[].locations or stop stocking it`,
      });

    // One sample read and one shadow write
    const sr = ch.sampleRead;
    push(
      sr.ok === true
        ? {
            check: 'sample-read',
            status: 'ok',
            channel: ch.id,
            sku: sr.sku,
            message: `${ch.id}: read ${sr.sku}`,
          }
        : sr.ok === 'skipped'
          ? {
              check: 'sample-read',
              status: 'warning',
              channel: ch.id,
              message: `${ch.id}: sample read skipped: ${sr.reason}`,
            }
          : { check: 'sample-read', status: 'blocking', channel: ch.id, message: sr.message },
    );
    const sw = ch.shadowWrite;
    push(
      sw.ok === true
        ? {
            check: 'shadow-write',
            status: 'ok',
            channel: ch.id,
            sku: sw.sku,
            message: `${ch.id}: shadow write of ${sw.sku} composed, nothing sent${sw.message ? ` (${sw.message})` : ''}`,
          }
        : sw.ok === 'skipped'
          ? {
              check: 'shadow-write',
              status: 'warning',
              channel: ch.id,
              message: `${ch.id}: shadow write skipped: ${sw.reason}`,
            }
          : { check: 'shadow-write', status: 'blocking', channel: ch.id, message: sw.message },
    );
  }
  return out;
}

export function problemsOf(findings: readonly AuditFinding[]): AuditFinding[] {
  return findings.filter((x) => x.status !== 'ok');
}
