/**
 * `invsync snapshot [--sku ...] [--json]`: reads the ERP and every channel through the adapters and prints, per SKU,
 * channel and location, what the ERP says, what the channel shows, what it should show (the domain engine) and the
 * drift. `--json` writes the snapshot itself, in the format `invsync plan --snapshot` reads.
 */
import { plan } from '../../domain/plan';
import { planSettingsFromConfig, policyFromConfig } from '../../domain/policy';
import { snapshotSchema, type SnapshotInput } from '../../domain/snapshot';
import { printJson, requireConfig, type Output } from '../io';
import { lazy } from '../lazy';
import { pages } from './audit';
import { printPlan } from './plan';
import type { Config } from '../../domain/config/schema';
import type { ChannelAdapter, ChannelLevel, ErpAdapter } from '../../integrations/types';
import type * as Integrations from '../../integrations';

export async function gatherSnapshot(
  cfg: Config,
  erp: ErpAdapter,
  channels: ReadonlyMap<string, ChannelAdapter>,
  skus?: readonly string[],
  now = Date.now(),
): Promise<SnapshotInput> {
  const wanted = skus?.length ? new Set(skus) : undefined;
  const products = await pages((c) => erp.products(c));
  const locations = cfg.erp.locations.map((l) => l.id);
  const stock = wanted
    ? (await Promise.all([...wanted].map((sku) => erp.availability(sku, locations)))).flat()
    : await pages((c) => erp.availabilityPage(locations, c));
  const snapshot: SnapshotInput = {
    takenAt: now,
    erp: {
      kind: cfg.erp.kind,
      products: products.map((p) => ({ sku: p.sku, ...(p.barcode ? { barcode: p.barcode } : {}) })),
      stock: stock.map((s) => ({
        sku: s.sku,
        location: s.location,
        onHand: s.onHand,
        reserved: s.reserved,
        damaged: s.damaged,
      })),
      kits: await erp.kits(),
    },
    channels: {},
  };
  for (const ch of cfg.channels) {
    const adapter = channels.get(ch.id) as ChannelAdapter;
    const levels: ChannelLevel[] = wanted
      ? await adapter.levels([...wanted])
      : await pages((c) => adapter.readAll(c));
    (snapshot.channels as Record<string, unknown>)[ch.id] = {
      listings: levels
        .filter((l) => l.readOnly !== 'fba')
        .map((l) =>
          l.readOnly === 'full'
            ? { sku: l.sku, location: l.location, shows: l.shows, full: true }
            : ch.kind === 'amazon'
              ? { sku: l.sku, location: l.location, shows: l.shows, fulfillment: 'FBM' }
              : { sku: l.sku, location: l.location, shows: l.shows },
        ),
      fba: levels
        .filter((l) => l.readOnly === 'fba')
        .map((l) => ({
          sku: l.sku,
          fulfillable: l.fba?.fulfillable ?? l.shows,
          inboundShipped: l.fba?.inbound ?? 0,
          reserved: l.fba?.reserved ?? 0,
          unfulfillable: l.fba?.unfulfillable ?? 0,
          researching: l.fba?.researching ?? 0,
        })),
    };
  }
  return snapshot;
}

export async function snapshotCommand(
  o: { configPath: string; skus?: string[]; explain?: boolean },
  out: Output,
): Promise<number> {
  const cfg = await requireConfig(o.configPath);
  const { createAdapters } = lazy<typeof Integrations>('../integrations');
  const { erp, channels } = createAdapters(cfg);
  const snapshot = await gatherSnapshot(cfg, erp, channels, o.skus);
  if (out.json) {
    printJson(out, snapshot);
    return 0;
  }
  const parsed = snapshotSchema.parse(snapshot);
  const result = plan(policyFromConfig(cfg), parsed, {
    ...planSettingsFromConfig(cfg),
    ...(o.skus?.length ? { skus: o.skus } : {}),
    now: parsed.takenAt ?? Date.now(),
  });
  return printPlan(result, out, Boolean(o.explain));
}
