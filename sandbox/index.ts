/**
 * Starts the whole sandbox in-process: the world, the admin API and one server per simulated system, each on its
 * own port on 127.0.0.1. Writes nothing unless asked: `writeRunFiles` writes `sandbox/.run/manifest.json` and a
 * ready-to-use `invsync.config.yaml` pointing at the simulators (what `npx invsync sandbox` does).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startAdmin } from './admin';
import { Credentials, type SandboxContext } from './context';
import { presetSeed } from './presets';
import { startAmazon, type AmazonServed } from './simulators/amazon';
import { startMercadoLibre, type MercadoLibreServed } from './simulators/mercadolibre';
import { startNetSuite, type NetSuiteServed } from './simulators/netsuite';
import { startOdoo, setOdooVersion, type OdooServed } from './simulators/odoo';
import { startShopify } from './simulators/shopify';
import { sandboxCertificate } from './tls';
import { erpForwarder } from './erp-webhooks';
import { WebhookHub } from './webhooks';
import { World } from './world';
import type { Served } from './http';
import type { SeedInput } from './seed';

export interface SandboxPorts {
  admin: number;
  odoo: number;
  netsuite: number;
  shopify: number;
  amazon: number;
  mercadolibre: number;
}

export interface SandboxOptions {
  seed?: SeedInput;
  preset?: string;
  host?: string;
  /** 0 (default) for every port: ephemeral ports. */
  ports?: Partial<SandboxPorts>;
  /** Where channel webhooks go (the invsync ingress), e.g. http://127.0.0.1:8080; undefined: recorded, not sent. */
  webhookBaseUrl?: string;
  /** Fixed credentials secret (tests); random by default. */
  secret?: string;
  randomSeed?: number;
  /** First channel order number (default 1000); `invsync dev` reusing a Temporal database starts past the last run. */
  orderIdStart?: number;
  /** The NetSuite simulator's TLS key pair (default: the persistent sandbox certificate, sandbox/tls.ts). */
  tls?: { key: string; cert: string };
}

/** The simulators' own handles: test hooks the admin API does not need (token expiry, the Odoo version, ...). */
export interface SandboxServers {
  odoo: OdooServed;
  netsuite: NetSuiteServed;
  shopify: Served;
  amazon: AmazonServed;
  mercadolibre: MercadoLibreServed;
}

export interface Sandbox {
  world: World;
  ctx: SandboxContext;
  servers: SandboxServers;
  urls: Record<keyof SandboxPorts, string>;
  /** PEM of the NetSuite simulator's self-signed certificate. */
  netsuiteCa?: string;
  manifest(): SandboxManifest;
  /** The invsync config (as an object) that points at this sandbox. */
  config(): Record<string, unknown>;
  writeRunFiles(dir: string): { manifestPath: string; configPath: string };
  close(): Promise<void>;
}

export interface SandboxManifest {
  admin: string;
  erp: {
    kind: 'odoo' | 'netsuite';
    odoo: { url: string; database: string; username: string; password: string; apiKey: string };
    netsuite: {
      url: string;
      apiHost: string;
      accountId: string;
      consumerKey: string;
      consumerSecret: string;
      tokenId: string;
      tokenSecret: string;
    };
  };
  channels: { id: string; kind: string; url: string; credentials: Record<string, string> }[];
  webhooks: { baseUrl: string | null };
  /** Shared secret the ERP forwarder signs `/webhooks/erp` deliveries with (config `ingress.erpSecret`). */
  erpWebhookSecret: string;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const host = opts.host ?? '127.0.0.1';
  const world = new World(undefined, Date.now, opts.randomSeed ?? 42);
  if (opts.orderIdStart !== undefined) world.orderIdStart = opts.orderIdStart;
  world.reset(opts.seed ?? presetSeed(opts.preset ?? 'demo'));
  const ctx: SandboxContext = {
    world,
    webhooks: new WebhookHub(world),
    credentials: new Credentials(opts.secret),
  };
  ctx.webhooks.settings.baseUrl = opts.webhookBaseUrl;
  const forwardErp = erpForwarder(ctx);
  world.on('event', forwardErp);
  const p = (k: keyof SandboxPorts) => ({ host, port: opts.ports?.[k] ?? 0 });

  const servers: Served[] = [];
  try {
    const [odoo, netsuite, shopify, amazon, mercadolibre] = await Promise.all([
      startOdoo(ctx, p('odoo')),
      startNetSuite(ctx, { ...p('netsuite'), tls: opts.tls ?? (await sandboxCertificate()) }),
      startShopify(ctx, p('shopify')),
      startAmazon(ctx, p('amazon')),
      startMercadoLibre(ctx, p('mercadolibre')),
    ]);
    servers.push(odoo, netsuite, shopify, amazon, mercadolibre);
    // The admin API serves the manifest, which names the admin URL: the callback runs only on a request.
    const admin = await startAdmin(ctx, () => manifest(), p('admin'), {
      setOdooVersion: (v) => setOdooVersion(odoo, v),
    });
    servers.push(admin);
    const urls = {
      admin: admin.url,
      odoo: odoo.url,
      netsuite: netsuite.url,
      shopify: shopify.url,
      amazon: amazon.url,
      mercadolibre: mercadolibre.url,
    };
    const netsuiteCa = (netsuite as Served & { ca?: string }).ca;

    const manifest = (): SandboxManifest => {
      const erp = ctx.credentials.erp;
      return {
        admin: urls.admin,
        erp: {
          kind: world.kind,
          odoo: {
            url: urls.odoo,
            database: erp.odoo.database,
            username: erp.odoo.username,
            password: erp.odoo.password,
            apiKey: erp.odoo.apiKey,
          },
          netsuite: {
            url: urls.netsuite,
            apiHost: urls.netsuite.replace(/^https?:\/\//, ''),
            ...erp.netsuite,
          },
        },
        channels: [...world.channels.values()].map((c) => {
          const url = urls[c.kind];
          const credentials: Record<string, string> =
            c.kind === 'shopify'
              ? { ...ctx.credentials.shopify(c.id), storeDomain: url.replace(/^https?:\/\//, '') }
              : c.kind === 'amazon'
                ? { ...ctx.credentials.amazon(c.id), endpoint: url, lwaEndpoint: `${url}/auth/o2/token` }
                : { ...ctx.credentials.mercadolibre(c.id), endpoint: url };
          return { id: c.id, kind: c.kind, url, credentials };
        }),
        webhooks: { baseUrl: ctx.webhooks.settings.baseUrl ?? null },
        erpWebhookSecret: ctx.credentials.erpWebhookSecret,
      };
    };

    const config = (): Record<string, unknown> => sandboxConfig(world, manifest());

    const sandbox: Sandbox = {
      world,
      ctx,
      servers: { odoo, netsuite, shopify, amazon, mercadolibre },
      urls,
      ...(netsuiteCa ? { netsuiteCa } : {}),
      manifest,
      config,
      writeRunFiles(dir: string) {
        mkdirSync(dir, { recursive: true });
        const manifestPath = join(dir, 'manifest.json');
        const configPath = join(dir, 'invsync.config.yaml');
        writeFileSync(manifestPath, `${JSON.stringify({ ...manifest(), config: configPath }, null, 2)}\n`, {
          mode: 0o600,
        });
        writeFileSync(
          configPath,
          `# Written by \`invsync sandbox\`: points at the local simulators. Sandbox credentials only.\n${stringify(config())}`,
          { mode: 0o600 },
        );
        if (netsuiteCa) writeFileSync(join(dir, 'netsuite-ca.pem'), netsuiteCa);
        return { manifestPath, configPath };
      },
      async close() {
        world.off('event', forwardErp);
        world.clearTimers();
        await Promise.allSettled(servers.map((s) => s.close()));
      },
    };
    return sandbox;
  } catch (err) {
    world.off('event', forwardErp);
    world.clearTimers();
    await Promise.allSettled(servers.map((s) => s.close()));
    throw err;
  }
}

/** The invsync config for a sandbox: same channel ids and location ids as the seed, so both describe one world. */
export function sandboxConfig(world: World, m: SandboxManifest): Record<string, unknown> {
  const erpLocations = [...world.locations.values()].map((l) => ({
    id: l.id,
    warehouse: l.warehouse,
    sellable: l.sellable,
  }));
  const erp =
    world.kind === 'odoo'
      ? {
          kind: 'odoo',
          url: m.erp.odoo.url,
          database: m.erp.odoo.database,
          username: m.erp.odoo.username,
          apiKey: m.erp.odoo.apiKey,
          version: 17,
          locations: erpLocations,
        }
      : {
          kind: 'netsuite',
          accountId: m.erp.netsuite.accountId,
          apiHost: m.erp.netsuite.apiHost,
          consumerKey: m.erp.netsuite.consumerKey,
          consumerSecret: m.erp.netsuite.consumerSecret,
          tokenId: m.erp.netsuite.tokenId,
          tokenSecret: m.erp.netsuite.tokenSecret,
          locations: erpLocations,
        };
  const channels = m.channels.map((c) => {
    const state = world.channel(c.id);
    const locations = state.locations.map((l) => ({ id: l.id, erpLocations: l.erpLocations }));
    const common = { id: c.id, kind: c.kind, mode: 'live', locations };
    if (c.kind === 'shopify')
      return {
        ...common,
        credentials: {
          storeDomain: c.credentials.storeDomain,
          accessToken: c.credentials.accessToken,
          webhookSecret: c.credentials.webhookSecret,
          apiVersion: c.credentials.apiVersion,
        },
      };
    if (c.kind === 'amazon')
      return {
        ...common,
        fba: { enabled: state.fba.length > 0 },
        credentials: {
          sellerId: c.credentials.sellerId,
          marketplaceId: c.credentials.marketplaceId,
          clientId: c.credentials.clientId,
          clientSecret: c.credentials.clientSecret,
          refreshToken: c.credentials.refreshToken,
          endpoint: c.credentials.endpoint,
          lwaEndpoint: c.credentials.lwaEndpoint,
          notificationSecret: c.credentials.notificationSecret,
        },
      };
    return {
      ...common,
      credentials: {
        clientId: c.credentials.clientId,
        clientSecret: c.credentials.clientSecret,
        refreshToken: c.credentials.refreshToken,
        userId: c.credentials.userId,
        endpoint: c.credentials.endpoint,
      },
    };
  });
  return {
    temporal: { address: '127.0.0.1:7233', namespace: 'default' },
    erp,
    channels,
    kits: { source: 'erp' },
    ingress: { host: '127.0.0.1', port: 8080, erpSecret: m.erpWebhookSecret },
  };
}
