/**
 * A thin fetch client for the Mercado Libre contract test: the connector talks to Mercado Libre with plain fetch,
 * so the test does too (base URL swapped for the simulator's, nothing else).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Credentials } from '../../../sandbox/context';

export interface MlResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when the answer is JSON. */
  json: unknown;
}

export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  user_id: number;
  refresh_token: string;
}

export interface Session {
  access: string;
  refresh: string;
}

export class MlClient {
  /** Per channel: the live tokens, updated by every refresh (persist the new refresh token atomically). */
  sessions = new Map<string, Session>();

  constructor(
    readonly baseUrl: string,
    private readonly credentials: Credentials,
  ) {}

  async refresh(
    channel: string,
    refreshToken?: string,
    extra: Record<string, string> = {},
  ): Promise<MlResponse> {
    const c = this.credentials.mercadolibre(channel);
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      refresh_token: refreshToken ?? this.sessions.get(channel)?.refresh ?? c.refreshToken,
      ...extra,
    });
    const res = await this.raw('POST', '/oauth/token', {
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    });
    if (res.status === 200) {
      const t = res.json as TokenBody;
      this.sessions.set(channel, { access: t.access_token, refresh: t.refresh_token });
    }
    return res;
  }

  token(channel: string): string {
    const s = this.sessions.get(channel);
    if (!s) throw new Error(`no session for ${channel}`);
    return s.access;
  }

  /** An API call as `channel` (its current access token), or with an explicit token (`null`: none). */
  call(
    channel: string,
    method: string,
    path: string,
    opts: { json?: unknown; body?: string; headers?: Record<string, string>; token?: string | null } = {},
  ): Promise<MlResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? this.token(channel) : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body = opts.body;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    return this.raw(method, path, { headers, body });
  }

  async raw(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string | undefined },
  ): Promise<MlResponse> {
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers: init.headers, body: init.body });
    const text = await res.text();
    const json: unknown =
      res.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : undefined;
    return { status: res.status, headers: res.headers, text, json };
  }
}

export interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The app's notification callback: records every POST and answers 200 at once, as Mercado Libre requires. */
export async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
