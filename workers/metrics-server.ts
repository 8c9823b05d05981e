/**
 * The worker's `/metrics`: invsync's own metrics (ops/metrics.ts) followed by the Temporal SDK runtime's (task slots,
 * schedule-to-start latencies, sticky cache...), which the runtime serves on an internal port and this merges, so one
 * Prometheus scrape target has both. Bound to `INVSYNC_METRICS_BIND` (default 127.0.0.1:9464).
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export function splitHostPort(bind: string): { host: string; port: number } {
  const i = bind.lastIndexOf(':');
  const host = bind.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(bind.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`metrics bind "${bind}" is not host:port`);
  return { host, port };
}

export async function startMetricsServer(o: {
  bind: string;
  registry: Registry;
  /** host:port where the SDK runtime serves its Prometheus metrics. */
  runtimeMetrics?: string | undefined;
}): Promise<{ url: string; close(): Promise<void> }> {
  const { host, port } = splitHostPort(o.bind);
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res
        .writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' })
        .end(req.url === '/healthz' ? 'ok\n' : 'not found\n');
      return;
    }
    void (async () => {
      let text = await o.registry.metrics();
      if (o.runtimeMetrics) {
        try {
          const r = await fetch(`http://${o.runtimeMetrics}/metrics`, { signal: AbortSignal.timeout(2000) });
          if (r.ok) text += `\n${await r.text()}`;
        } catch {
          text += '\n# Temporal SDK runtime metrics unavailable\n';
        }
      }
      res.writeHead(200, { 'content-type': o.registry.contentType }).end(text);
    })().catch((err: Error) => res.writeHead(500).end(err.message));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
