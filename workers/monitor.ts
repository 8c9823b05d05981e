/**
 * The worker's periodic checks (design C10): the needs-attention count from Temporal visibility, channels without a
 * successful push for `thresholds.channelStale` while pushes fail, more than `thresholds.pushFailures.count` failed
 * pushes in its window, and channel queues deeper than `thresholds.queueDepth`. Each condition alerts once until it
 * clears.
 */
import type { EngineDeps } from '../activities/deps';
import { channelTaskQueue } from '../domain/search-attributes';

interface Sample {
  at: number;
  failed: number;
}

export function startMonitor(
  deps: EngineDeps,
  o: { everyMs?: number } = {},
): { stop(): void; tick(): Promise<void> } {
  const every = o.everyMs ?? 30_000;
  const t = deps.config.thresholds;
  const samples = new Map<string, Sample[]>();
  const active = new Set<string>();
  const prefix = deps.idPrefix ? ` AND WorkflowId STARTS_WITH "${deps.idPrefix}"` : '';

  const once = async (key: string, on: boolean, send: () => Promise<void>): Promise<void> => {
    if (on && !active.has(key)) {
      active.add(key);
      await send();
    } else if (!on) active.delete(key);
  };

  const failedPushes = async (channel: string): Promise<number> => {
    const m = await deps.metrics.pushes.get();
    return m.values
      .filter((v) => v.labels.channel === channel && v.labels.result === 'failed')
      .reduce((s, v) => s + v.value, 0);
  };

  async function tick(): Promise<void> {
    const now = Date.now();
    try {
      const n = await deps.client.workflow.count(`InvStatus="needs-attention"${prefix}`);
      deps.metrics.needsAttention.set(n.count);
    } catch {
      // visibility unavailable: keep the last value
    }
    const last = await deps.metrics.lastPush.get();
    for (const ch of deps.config.channels) {
      const failed = await failedPushes(ch.id);
      const list = [...(samples.get(ch.id) ?? []), { at: now, failed }].filter(
        (s) => s.at >= now - t.pushFailures.window,
      );
      samples.set(ch.id, list);
      const inWindow = failed - (list[0]?.failed ?? failed);
      await once(`failures:${ch.id}`, inWindow > t.pushFailures.count, () =>
        deps.alerts.send({
          kind: 'push-failures',
          channel: ch.id,
          text: `${inWindow} pushes to ${ch.id} failed in the last ${Math.round(t.pushFailures.window / 60_000)} min: see \`npx invsync attention\``,
        }),
      );
      const lastAt = (last.values.find((v) => v.labels.channel === ch.id)?.value ?? 0) * 1000;
      await once(`stale:${ch.id}`, inWindow > 0 && lastAt > 0 && now - lastAt > t.channelStale, () =>
        deps.alerts.send({
          kind: 'channel-stale',
          channel: ch.id,
          text: `${ch.id} has had no successful update for ${Math.round((now - lastAt) / 60_000)} min while pushes fail`,
        }),
      );
      try {
        const d = await deps.client.workflowService.describeTaskQueue({
          namespace: deps.client.options.namespace,
          taskQueue: { name: channelTaskQueue(ch.id, deps.taskQueue) },
          taskQueueType: 2, // ACTIVITY
          reportStats: true,
        });
        const backlog = Number(d.stats?.approximateBacklogCount ?? 0);
        await once(`queue:${ch.id}`, backlog > t.queueDepth, () =>
          deps.alerts.send({
            kind: 'queue-depth',
            channel: ch.id,
            text: `${backlog} pushes are queued for ${ch.id} (threshold ${t.queueDepth}): the channel's rate limit cannot keep up`,
          }),
        );
      } catch {
        // older servers without task-queue stats
      }
    }
  }

  const timer = setInterval(() => void tick().catch(() => undefined), every);
  timer.unref();
  return { stop: () => clearInterval(timer), tick };
}
