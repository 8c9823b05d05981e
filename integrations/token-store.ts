/**
 * Where OAuth tokens live between calls and restarts. Mercado Libre refresh tokens are single-use: two workers
 * refreshing with the same one log the app out, so a refresh happens under a lock and the new token is persisted
 * atomically before it is used. The file store keeps one JSON file per key (mode 0600), written by rename, and locks
 * with an exclusive lock file (stale after `staleLockMs`). For a cluster of workers on several hosts, put the folder
 * on shared storage or supply another TokenStore (e.g. a database row with SELECT ... FOR UPDATE).
 */
import { mkdirSync } from 'node:fs';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StoredToken {
  accessToken?: string | undefined;
  /** Epoch ms when the access token expires. */
  expiresAt?: number | undefined;
  refreshToken?: string | undefined;
  [extra: string]: unknown;
}

export interface TokenStore {
  get(key: string): Promise<StoredToken | undefined>;
  set(key: string, token: StoredToken): Promise<void>;
  /** Runs `fn` while no other holder of `key`'s lock runs. */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export class MemoryTokenStore implements TokenStore {
  private tokens = new Map<string, StoredToken>();
  private locks = new Map<string, Promise<unknown>>();

  async get(key: string): Promise<StoredToken | undefined> {
    const t = this.tokens.get(key);
    return t ? { ...t } : undefined;
  }

  async set(key: string, token: StoredToken): Promise<void> {
    this.tokens.set(key, { ...token });
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    this.locks.set(
      key,
      run.catch(() => undefined),
    );
    return run;
  }
}

const safe = (key: string) => key.replace(/[^A-Za-z0-9_.-]/g, '_');

export class FileTokenStore implements TokenStore {
  constructor(
    private readonly dir: string,
    private readonly opts: { staleLockMs?: number; pollMs?: number; timeoutMs?: number } = {},
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  async get(key: string): Promise<StoredToken | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, `${safe(key)}.json`), 'utf8')) as StoredToken;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async set(key: string, token: StoredToken): Promise<void> {
    const path = join(this.dir, `${safe(key)}.json`);
    const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, JSON.stringify(token), { mode: 0o600 });
    await rename(tmp, path);
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lock = join(this.dir, `${safe(key)}.lock`);
    const deadline = Date.now() + (this.opts.timeoutMs ?? 30_000);
    for (;;) {
      try {
        const h = await open(lock, 'wx', 0o600);
        await h.writeFile(String(process.pid));
        await h.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const age = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > (this.opts.staleLockMs ?? 60_000)) await rm(lock, { force: true });
        else if (Date.now() > deadline) throw new Error(`token lock ${lock} is held by another process`);
        else await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 50));
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  }
}
