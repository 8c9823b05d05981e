/** The worker's /metrics serves invsync's metrics followed by the Temporal SDK runtime's own. */
import { createServer } from 'node:http';
import { startMetricsServer, splitHostPort } from '../../workers/metrics-server';
import { createMetrics } from '../../ops/metrics';

describe('worker metrics endpoint', () => {
  it('merges invsync metrics with the runtime metrics', async () => {
    const runtime = createServer((_req, res) =>
      res.end('# TYPE temporal_worker_task_slots_used gauge\ntemporal_worker_task_slots_used 3\n'),
    );
    await new Promise<void>((r) => runtime.listen(0, '127.0.0.1', () => r()));
    const addr = runtime.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const m = createMetrics();
    m.pushes.inc({ channel: 'shopify', result: 'applied' });
    const server = await startMetricsServer({
      bind: '127.0.0.1:0',
      registry: m.registry,
      runtimeMetrics: `127.0.0.1:${port}`,
    });
    try {
      const text = await (await fetch(server.url)).text();
      expect(text).toMatch(/invsync_pushes_total\{channel="shopify",result="applied"\} 1/);
      expect(text).toMatch(/temporal_worker_task_slots_used 3/);
      expect(text).toMatch(/invsync_event_to_push_seconds/);
      expect((await fetch(server.url.replace('/metrics', '/nope'))).status).toBe(404);
    } finally {
      await server.close();
      runtime.close();
    }
  });

  it('says when the runtime metrics are unavailable, and refuses a bad bind', async () => {
    const m = createMetrics();
    const server = await startMetricsServer({
      bind: '127.0.0.1:0',
      registry: m.registry,
      runtimeMetrics: '127.0.0.1:1',
    });
    try {
      expect(await (await fetch(server.url)).text()).toMatch(/Temporal SDK runtime metrics unavailable/);
    } finally {
      await server.close();
    }
    expect(() => splitHostPort('nonsense')).toThrow(/not host:port/);
  });
});
