/**
 * The Mercado Libre integration harness: one sandbox with the demo preset (whose `mercadolibre` channel holds 200
 * SKUs, 10 of them Full) plus small channels for the cases the demo lacks: variations, Full + seller's address
 * coexistence, a multi-origin seller, and channels of their own for the token and throttle tests (refresh tokens
 * are single-use and rate-limit buckets are per seller, so those tests must not share a channel with the rest).
 */
import type { Config } from '../../../domain/config/schema';
import { parseConfigObject } from '../../../domain/config/parse';
import { isIntegrationError, type IntegrationError } from '../../../integrations/errors';
import type { MercadoLibreConfig } from '../../../integrations/mercadolibre';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { demoSeed } from '../../../sandbox/presets';
import type { SeedInput } from '../../../sandbox/seed';
import type { Listing } from '../../../sandbox/world';

const WH1 = ['WH1/Stock'];

export function mercadoLibreSeed(): SeedInput {
  const seed = demoSeed();
  type MlListing = { sku: string; itemId: string; location: string; shows: number; full?: boolean };
  const ml = (id: string, listings: MlListing[]) => ({
    id,
    kind: 'mercadolibre' as const,
    locations: [{ id: 'selling_address', erpLocations: WH1 }],
    listings,
  });
  return {
    ...seed,
    channels: [
      ...(seed.channels ?? []),
      ml('meli-x', [
        { sku: 'TSHIRT-RED-S', itemId: 'MLM500', location: 'selling_address', shows: 10 },
        // One item, two SKUs: variations.
        { sku: 'TSHIRT-BLUE-M', itemId: 'MLM501', location: 'selling_address', shows: 4 },
        { sku: 'TSHIRT-BLUE-L', itemId: 'MLM501', location: 'selling_address', shows: 6 },
        // Full only.
        { sku: 'MUG-RED-S', itemId: 'MLM502', location: 'selling_address', shows: 8, full: true },
        // Full + the seller's address (Flex coexistence): one user product, two stock locations.
        { sku: 'CAP-RED-S', itemId: 'MLM503', location: 'selling_address', shows: 5 },
        { sku: 'CAP-RED-S', itemId: 'MLM503', location: 'selling_address', shows: 7, full: true },
      ]),
      {
        id: 'meli-wh',
        kind: 'mercadolibre',
        // A multi-origin seller: stock per warehouse store, named by network node id.
        locations: [
          { id: 'MXP1', erpLocations: WH1 },
          { id: 'MXP2', erpLocations: ['WH2/Stock'] },
        ],
        listings: [
          { sku: 'HOODIE-RED-S', itemId: 'MLM600', location: 'MXP1', shows: 3 },
          { sku: 'HOODIE-RED-S', itemId: 'MLM600', location: 'MXP2', shows: 4 },
        ],
      },
      ml('meli-pair', [{ sku: 'TSHIRT-RED-S', itemId: 'MLM700', location: 'selling_address', shows: 5 }]),
      ml('meli-thr', [
        { sku: 'CAP-RED-S', itemId: 'MLM800', location: 'selling_address', shows: 5 },
        { sku: 'CAP-RED-S', itemId: 'MLM800', location: 'selling_address', shows: 3, full: true },
      ]),
    ],
  };
}

export interface Harness {
  sb: Sandbox;
  config: Config;
  channel(id: string, over?: Partial<MercadoLibreConfig>): MercadoLibreConfig;
  listing(channel: string, sku: string, location?: string): Listing;
  /** Calls the simulator counted, per endpoint. */
  count(endpoint: string): number;
  /** Every Mercado Libre call counted so far. */
  total(): number;
  /** A raw call with a bearer token (to spend rate-limit budget as another client of the same seller would). */
  raw(path: string, token: string): Promise<Response>;
  /** Freezes the simulators' clock (token buckets stop refilling) until `thaw`. */
  freeze(): void;
  thaw(): void;
}

export async function startHarness(): Promise<Harness> {
  const sb = await startSandbox({ seed: mercadoLibreSeed(), secret: 'x' });
  const parsed = parseConfigObject(sb.config(), {});
  if (!parsed.ok) throw new Error(`sandbox config: ${JSON.stringify(parsed.problems)}`);
  const config = parsed.config;
  // The simulators read the clock through world.now on every call; a frozen clock makes throttling deterministic.
  const realNow = sb.world.now;
  let frozenAt: number | undefined;
  Object.defineProperty(sb.world, 'now', { value: () => frozenAt ?? realNow(), configurable: true });
  const stats = () => sb.world.state().calls.filter((c) => c.system === 'mercadolibre');
  return {
    sb,
    config,
    channel(id, over = {}) {
      const c = config.channels.find((x) => x.id === id);
      if (c?.kind !== 'mercadolibre') throw new Error(`no mercadolibre channel ${id}`);
      return { ...c, ...over };
    },
    listing(channel, sku, location = 'selling_address') {
      const l = sb.world.channel(channel).listings.find((x) => x.sku === sku && x.location === location);
      if (!l) throw new Error(`no listing ${sku}@${location} on ${channel}`);
      return l;
    },
    count: (endpoint) => stats().find((c) => c.endpoint === endpoint)?.count ?? 0,
    total: () => stats().reduce((s, c) => s + c.count, 0),
    raw: (path, token) =>
      fetch(`${sb.urls.mercadolibre}${path}`, { headers: { authorization: `Bearer ${token}` } }),
    freeze: () => {
      frozenAt = realNow();
    },
    thaw: () => {
      frozenAt = undefined;
    },
  };
}

/** The IntegrationError a promise rejects with (fails the test on success or on any other error). */
export async function failure(p: Promise<unknown>): Promise<IntegrationError> {
  try {
    await p;
  } catch (e) {
    if (isIntegrationError(e)) return e;
    throw e;
  }
  throw new Error('expected an IntegrationError, but the call succeeded');
}
