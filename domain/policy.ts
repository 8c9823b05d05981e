/**
 * The allocation policy: the secret-free part of the config that the engine needs. It is small and
 * serialisable so workflows can carry it (credentials never enter workflow history).
 */
import type { BufferPolicy } from './buffers';
import type { Config } from './config/schema';
import type { LinkRules } from './links';
import type { ChannelKind, ErpLocation, KitDef } from './model';

export interface ChannelLocationPolicy {
  id: string;
  erpLocations: string[];
}

export interface SharePolicy {
  mode: 'shared' | 'partitioned';
  percent: number;
  /** Lower goes first: it receives partition remainders and reserve units before others. */
  priority: number;
}

export interface ChannelPolicy {
  id: string;
  kind: ChannelKind;
  mode: 'live' | 'shadow';
  locations: ChannelLocationPolicy[];
  share: SharePolicy;
  /** Units ring-fenced for this channel: other channels drawing on the same ERP locations never see them. */
  reserve: number;
  buffer: BufferPolicy;
  syncCadence: 'realtime' | 'hourly';
  /** Below this the channel is sent 0 (no listing of the last one or two units). */
  min: number;
  max: number | null;
}

export interface AllocationPolicy {
  erpLocations: ErpLocation[];
  channels: ChannelPolicy[];
  /** Kits declared in config (ERP BoMs are added by the caller that reads them). */
  kits: KitDef[];
  /** Which kit definitions count: the ERP's BoMs, the declared ones, or both (declared wins). Default both. */
  kitSource?: 'erp' | 'declared' | 'both';
}

export function policyFromConfig(cfg: Config): AllocationPolicy {
  return {
    erpLocations: cfg.erp.locations.map((l) => ({ id: l.id, warehouse: l.warehouse, sellable: l.sellable })),
    channels: cfg.channels.map((ch) => ({
      id: ch.id,
      kind: ch.kind,
      mode: ch.mode,
      locations: ch.locations.map((l) => ({ id: l.id, erpLocations: [...l.erpLocations] })),
      share: { ...ch.allocation.share },
      reserve: ch.allocation.reserve,
      buffer: {
        policy: ch.allocation.buffer.policy,
        units: ch.allocation.buffer.units,
        percent: ch.allocation.buffer.percent,
        tiers: ch.allocation.buffer.tiers,
      },
      syncCadence: ch.syncCadence,
      min: ch.allocation.min,
      max: ch.allocation.max,
    })),
    kits: cfg.kits.declared.map((k) => ({ sku: k.sku, components: k.components.map((c) => ({ ...c })) })),
    kitSource: cfg.kits.source,
  };
}

/** The config-derived, secret-free options of a plan (everything but the clock and the snapshot). */
export interface PlanSettings {
  velocityWindowMs: number;
  links: LinkRules;
  reservations: { program: string; sku: string; location: string; qty: number; until?: number }[];
  skus?: string[];
}

export function planSettingsFromConfig(cfg: Config): PlanSettings {
  return {
    velocityWindowMs: cfg.thresholds.velocityWindow,
    links: { match: cfg.skuLinks.match, overrides: cfg.skuLinks.overrides },
    reservations: cfg.reservations.map((r) => ({
      program: r.program,
      sku: r.sku,
      location: r.location,
      qty: r.qty,
      ...(r.until ? { until: Date.parse(r.until) } : {}),
    })),
    ...(cfg.pilot.skuAllowlist ? { skus: cfg.pilot.skuAllowlist } : {}),
  };
}
