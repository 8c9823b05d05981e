/**
 * The real `@sp-api-sdk` clients pointed at the Amazon simulator, and validators built from Amazon's official
 * models (`/work/shared/contracts/amazon-sp-api/`).
 *
 * The SDK has no endpoint option (apis.md finding 0.5): `createAxiosInstance` maps the region to a fixed
 * `https://sellingpartnerapi-*.amazon.com`, and `@sp-api-sdk/auth` posts to a module-private axios instance whose
 * base URL is hard-coded to `https://api.amazon.com/auth/` (neither an axios instance nor a URL can be passed). So:
 * - auth: a `SellingPartnerApiAuth` subclass whose `getAccessToken()` does a real LWA refresh against the simulator
 *   (the class is what `ClientConfiguration.auth` requires; its private `#refreshAccessToken` cannot be redirected);
 * - endpoint: the generated `BaseAPI.basePath`, which every request is built from (`basePath + path`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SellingPartnerApiAuth } from '@sp-api-sdk/auth';
import type { ClientConfiguration } from '@sp-api-sdk/common';
import { FbaInventoryApiClient } from '@sp-api-sdk/fba-inventory-api-v1';
import { FeedsApiClient } from '@sp-api-sdk/feeds-api-2021-06-30';
import { ListingsItemsApiClient } from '@sp-api-sdk/listings-items-api-2021-08-01';
import { OrdersApiClient } from '@sp-api-sdk/orders-api-v0';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export const CONTRACTS = '/work/shared/contracts/amazon-sp-api';

/** LWA credentials of one channel, as `Credentials.amazon(channelId)` derives them. */
export interface LwaCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** Thrown when the simulator's LWA endpoint refuses a grant; carries its status and OAuth body. */
export class LwaError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`LWA token request failed: ${status}`);
  }
}

/**
 * `SellingPartnerApiAuth` with its token request sent to the simulator. It caches the token until `expires_in`, as
 * the parent does, and adds `invalidate()`: after a 403 the caller drops the token and the next call refreshes.
 */
export class SimulatorLwaAuth extends SellingPartnerApiAuth {
  refreshes = 0;
  private token?: string;
  private expiresAt = 0;

  constructor(
    private readonly lwaUrl: string,
    private readonly creds: LwaCredentials,
  ) {
    super({ clientId: creds.clientId, clientSecret: creds.clientSecret, refreshToken: creds.refreshToken });
  }

  override async getAccessToken(): Promise<string> {
    if (this.token !== undefined && Date.now() < this.expiresAt) return this.token;
    const res = await fetch(this.lwaUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'refresh_token',
        refresh_token: this.creds.refreshToken,
        client_id: this.creds.clientId,
        client_secret: this.creds.clientSecret,
      }),
    });
    const body: unknown = await res.json();
    if (!res.ok) throw new LwaError(res.status, body);
    const { access_token, expires_in } = body as { access_token: string; expires_in: number };
    this.refreshes += 1;
    this.token = access_token;
    this.expiresAt = Date.now() + expires_in * 1000;
    return access_token;
  }

  invalidate(): void {
    this.token = undefined;
  }
}

/**
 * Points a generated client at the simulator. `basePath` is `protected` in the generated `BaseAPI`, and no public
 * option sets it (finding 0.5), so this one cast is the only place the tests reach past the SDK's public surface.
 */
function atSimulator<T extends object>(client: T, url: string): T {
  (client as unknown as { basePath: string }).basePath = url;
  return client;
}

export interface AmazonClients {
  inventory: FbaInventoryApiClient;
  listings: ListingsItemsApiClient;
  feeds: FeedsApiClient;
  orders: OrdersApiClient;
}

export function amazonClients(
  url: string,
  auth: SellingPartnerApiAuth,
  rateLimiting: ClientConfiguration['rateLimiting'] = { retry: false },
): AmazonClients {
  const config: ClientConfiguration = { auth, region: 'na', rateLimiting };
  return {
    inventory: atSimulator(new FbaInventoryApiClient(config), url),
    listings: atSimulator(new ListingsItemsApiClient(config), url),
    feeds: atSimulator(new FeedsApiClient(config), url),
    orders: atSimulator(new OrdersApiClient(config), url),
  };
}

// ---- validation against the official models ------------------------------------------------------------------

type Json = Record<string, unknown>;

const readJson = (file: string): Json => JSON.parse(readFileSync(join(CONTRACTS, file), 'utf8')) as Json;

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Swagger 2.0 numeric formats are size hints, not JSON Schema formats; declared as always-valid so that ajv
  // neither warns nor ignores them silently.
  for (const f of ['int32', 'int64', 'float', 'double']) ajv.addFormat(f, true);
  return ajv;
}

/**
 * Response validators for one swagger 2.0 model. The whole `definitions` object is registered under the file's
 * URI, so `#/definitions/X` references inside it resolve there; the operation's response schema is used as
 * written. No transformation of the model is needed for these operations.
 */
export class ModelValidator {
  private readonly ajv = newAjv();
  private readonly model: Json;
  private readonly id: string;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(file: string) {
    this.model = readJson(file);
    this.id = `https://models.invsync.test/${file}`;
    this.ajv.addSchema({ $id: this.id, definitions: this.model.definitions }, this.id);
  }

  /** The response schema the model declares for `operationId` and HTTP status. */
  private validator(operationId: string, status: number): ValidateFunction {
    const key = `${operationId} ${status}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const paths = this.model.paths as Record<string, Record<string, Json>>;
    for (const ops of Object.values(paths))
      for (const op of Object.values(ops)) {
        if (typeof op !== 'object' || op === null || op.operationId !== operationId) continue;
        const response = (op.responses as Record<string, Json>)[String(status)];
        const schema = response?.schema as Json | undefined;
        if (!schema) throw new Error(`${operationId} declares no ${status} schema`);
        const ref = typeof schema.$ref === 'string' ? schema.$ref : undefined;
        const fn = this.ajv.compile(ref ? { $ref: `${this.id}${ref}` } : schema);
        this.cache.set(key, fn);
        return fn;
      }
    throw new Error(`no operation ${operationId}`);
  }

  /** The validation errors of `body` as the `status` response of `operationId` (empty when it conforms). */
  errors(operationId: string, status: number, body: unknown): string[] {
    const fn = this.validator(operationId, status);
    return fn(body) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  }
}

/**
 * The one change the notification schemas need: FBAInventoryAvailabilityChangeNotification.json gives two nodes the
 * same nested `$id` (a copy-paste in the official file), which ajv refuses ("resolves to more than one schema").
 * The nested `$id`s are only labels, so they are dropped; the root `$id` and every constraint stay.
 */
function withoutNestedIds(node: unknown, root = true): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutNestedIds(n, false));
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) if (root || k !== '$id') out[k] = withoutNestedIds(v, false);
  return out;
}

/** Validates a notification body against one of the official notification JSON schemas. */
export function notificationErrors(file: string, body: unknown): string[] {
  const ajv = newAjv();
  const fn = ajv.compile(withoutNestedIds(readJson(file)) as Json);
  return fn(body) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
