/**
 * Helpers for the NetSuite contract tests.
 *
 * Why a child process: netsuite-rest-api-client passes no TLS options to got (no CA, no agent) and got's http2 ALPN
 * probe ignores https.globalAgent, so the library can only trust the simulator's self-signed certificate through the
 * process environment. Inside Jest, `process.env` is a sandboxed copy that Node's TLS never reads, so setting
 * NODE_TLS_REJECT_UNAUTHORIZED in the test file has no effect. The library therefore runs, unmodified, in a child
 * Node process started with NODE_EXTRA_CA_CERTS = the simulator's certificate: real verification, nothing disabled,
 * and nothing leaks into other test files. Calls and results travel as JSON lines.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { NetSuiteClientConfig, NetSuiteResponse } from 'netsuite-rest-api-client';
import OAuth from 'oauth-1.0a';
import type { ErpCredentials } from '../../../sandbox/context';

type NetSuiteCredentials = ErpCredentials['netsuite'];

export function clientConfig(c: NetSuiteCredentials, port: number, pageSize = 1000): NetSuiteClientConfig {
  return {
    netsuiteApiHost: `127.0.0.1:${port}`,
    consumerKey: c.consumerKey,
    consumerSecret: c.consumerSecret,
    netsuiteAccountId: c.accountId,
    netsuiteTokenKey: c.tokenId,
    netsuiteTokenSecret: c.tokenSecret,
    netsuiteQueryLimit: pageSize,
  };
}

export type MakeRequestArgs = {
  query?: unknown;
  path?: string;
  method: string;
  nextUrl?: string;
  requestType: 'suiteql' | 'workbook' | 'dataset' | 'record';
};

/** The child's program: calls `makeRequest` / drains `suiteqlSearch` and answers each call on one line. */
const CHILD = `
const lib = require(process.argv[1]);
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const { id, op, config, args } = JSON.parse(line);
  try {
    if (op === 'makeRequest') {
      const r = await lib.makeRequest(config, args);
      send({ id, ok: true, result: { statusCode: r.statusCode, body: r.body, headers: r.headers } });
      return;
    }
    const rows = [];
    let total;
    lib.suiteqlSearch(config, args)
      .on('data', (row) => rows.push(row))
      .on('totalResults', (n) => { total = n; })
      .on('end', () => send({ id, ok: true, result: { rows, total } }))
      .on('error', (e) => send({ id, ok: false, error: e.message }));
  } catch (e) {
    send({ id, ok: false, error: e && e.message ? e.message : String(e) });
  }
});
rl.on('close', () => process.exit(0));
`;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class NetSuiteClientProcess {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    private readonly dir: string,
  ) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; error?: string };
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.ok) p?.resolve(m.result);
      else p?.reject(new Error(m.error));
    });
    child.on('exit', () => {
      for (const p of this.pending.values()) p.reject(new Error('netsuite client process exited'));
      this.pending.clear();
    });
  }

  /** Starts the client process trusting exactly `ca` (PEM) on top of the usual roots. */
  static start(ca: string): NetSuiteClientProcess {
    const dir = mkdtempSync(join(tmpdir(), 'invsync-netsuite-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, ca);
    const child = spawn(process.execPath, ['-e', CHILD, require.resolve('netsuite-rest-api-client')], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new NetSuiteClientProcess(child, dir);
  }

  private call<T>(op: 'makeRequest' | 'search', config: NetSuiteClientConfig, args: unknown): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject });
      this.child.stdin.write(`${JSON.stringify({ id, op, config, args })}\n`);
    });
  }

  /** `makeRequest(config, args)` of netsuite-rest-api-client: got's response, reduced to status, body and headers. */
  makeRequest(config: NetSuiteClientConfig, args: MakeRequestArgs): Promise<NetSuiteResponse> {
    return this.call('makeRequest', config, args);
  }

  /** `suiteqlSearch(config, {query})` run to the end: the rows it streamed and the `totalResults` it announced. */
  search(
    config: NetSuiteClientConfig,
    query: string,
  ): Promise<{ rows: Record<string, unknown>[]; total?: number }> {
    return this.call('search', config, { query });
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    await exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The OAuth 1.0a TBA header netsuite-rest-api-client would send, with a chosen nonce and timestamp. */
export function tbaHeader(
  c: NetSuiteCredentials,
  method: string,
  url: string,
  over: { nonce?: string; timestamp?: number } = {},
): string {
  const oauth = new OAuth({
    consumer: { key: c.consumerKey, secret: c.consumerSecret },
    signature_method: 'HMAC-SHA256',
    hash_function: (base, key) => createHmac('sha256', key).update(base).digest('base64'),
    realm: c.accountId,
  });
  const data: OAuth.Data = {
    oauth_consumer_key: c.consumerKey,
    oauth_nonce: over.nonce ?? oauth.getNonce(),
    oauth_signature_method: 'HMAC-SHA256',
    oauth_timestamp: over.timestamp ?? oauth.getTimeStamp(),
    oauth_token: c.tokenId,
    oauth_version: '1.0',
  };
  const signature = oauth.getSignature({ url, method }, c.tokenSecret, { ...data });
  return oauth.toHeader({ ...data, oauth_signature: signature }).Authorization;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** One HTTPS request from the test process that trusts only the simulator's certificate (`ca`). */
export function rawRequest(
  url: string,
  opts: { method: string; ca: string; headers: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: opts.method, headers: opts.headers, ca: opts.ca, rejectUnauthorized: true },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text === '' ? '' : (JSON.parse(text) as unknown),
          });
        });
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
