/**
 * The operator's view behind the admin token: what Temporal visibility says (workflows by InvStatus, the
 * needs-attention list, per channel), the newest reconciliation report on disk, and what this ingress received.
 * Cheap reads only: a few visibility counts and one list, each under a short deadline.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Config } from '../domain/config/schema';
import { INV_STATUSES, type InvStatus } from '../domain/search-attributes';
import type { InvsyncMetrics } from '../ops/metrics';
import { InvChannels, InvSku } from '../workflows/search-attributes';

export interface AdminDeps {
  config: Config;
  client: Client;
  metrics: InvsyncMetrics;
  idPrefix: string;
  /** Deadline of each visibility call (ms). */
  timeoutMs: number;
}

export interface AttentionItem {
  workflowId: string;
  /** The id without this deployment's prefix (what `invsync retry <id>` takes in production). */
  id: string;
  type: string;
  sku?: string | undefined;
  channels: string[];
  since: string | undefined;
}

export interface StatusReport {
  at: string;
  temporal: 'up' | 'down';
  namespace: string;
  /** Running workflows per InvStatus (null: visibility could not be read). */
  workflows: Record<InvStatus, number> | null;
  channels: {
    id: string;
    kind: string;
    mode: string;
    needsAttention: number | null;
    halted: number | null;
  }[];
  attention: AttentionItem[];
  reconciliation: { latestReport: string | null; at: string | null };
  /** Webhooks received by this ingress since it started, by source and result. */
  webhooks: { source: string; result: string; count: number }[];
  notes: string[];
}

/** A visibility string literal (ids and channel ids are plain, but never trust them inside a query). */
const literal = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function visibilityQuery(idPrefix: string, ...clauses: string[]): string {
  const all = [...(idPrefix ? [`WorkflowId STARTS_WITH ${literal(idPrefix)}`] : []), ...clauses];
  return all.join(' AND ');
}

const within = <T>(d: AdminDeps, fn: () => Promise<T>): Promise<T> =>
  d.client.connection.withDeadline(Date.now() + d.timeoutMs, fn);

export async function temporalUp(client: Client, timeoutMs: number): Promise<boolean> {
  try {
    await client.connection.withDeadline(Date.now() + timeoutMs, () =>
      client.workflowService.getSystemInfo({}),
    );
    return true;
  } catch {
    return false;
  }
}

export async function attentionList(d: AdminDeps, limit = 100): Promise<AttentionItem[]> {
  const query = visibilityQuery(d.idPrefix, `InvStatus = "needs-attention"`, `ExecutionStatus = "Running"`);
  return within(d, async () => {
    const out: AttentionItem[] = [];
    for await (const wf of d.client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
      out.push({
        workflowId: wf.workflowId,
        id:
          d.idPrefix && wf.workflowId.startsWith(d.idPrefix)
            ? wf.workflowId.slice(d.idPrefix.length)
            : wf.workflowId,
        type: wf.type,
        sku: wf.typedSearchAttributes.get(InvSku),
        channels: wf.typedSearchAttributes.get(InvChannels) ?? [],
        since: wf.startTime.toISOString(),
      });
      if (out.length >= limit) break;
    }
    return out;
  });
}

async function count(d: AdminDeps, ...clauses: string[]): Promise<number> {
  const r = await within(d, () =>
    d.client.workflow.count(visibilityQuery(d.idPrefix, `ExecutionStatus = "Running"`, ...clauses)),
  );
  return r.count;
}

/** The newest file in the reports directory (reconciliation writes JSON, CSV and HTML there). */
export async function latestReport(dir: string): Promise<{ path: string; at: Date } | undefined> {
  const root = resolve(dir);
  let best: { path: string; at: Date } | undefined;
  const consider = async (folder: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(folder, e.name);
      if (e.isDirectory() && depth > 0) await consider(p, depth - 1);
      else if (e.isFile() && /\.(json|csv|html)$/.test(e.name)) {
        const s = await stat(p);
        if (!best || s.mtime > best.at) best = { path: p, at: s.mtime };
      }
    }
  };
  await consider(root, 1);
  return best;
}

export async function statusReport(d: AdminDeps): Promise<StatusReport> {
  const notes: string[] = [];
  const up = await temporalUp(d.client, d.timeoutMs);
  let workflows: StatusReport['workflows'] = null;
  let attention: AttentionItem[] = [];
  const channels: StatusReport['channels'] = d.config.channels.map((c) => ({
    id: c.id,
    kind: c.kind,
    mode: c.mode,
    needsAttention: null,
    halted: null,
  }));
  if (up) {
    try {
      const counts = await Promise.all(INV_STATUSES.map((s) => count(d, `InvStatus = ${literal(s)}`)));
      workflows = Object.fromEntries(INV_STATUSES.map((s, i) => [s, counts[i] ?? 0])) as Record<
        InvStatus,
        number
      >;
      for (const ch of channels) {
        const inChannel = `InvChannels = ${literal(ch.id)}`;
        [ch.needsAttention, ch.halted] = await Promise.all([
          count(d, inChannel, `InvStatus = "needs-attention"`),
          count(d, inChannel, `InvStatus = "halted"`),
        ]);
      }
      attention = await attentionList(d, 50);
    } catch (err) {
      notes.push(`Temporal visibility could not be read: ${(err as Error).message.split('\n')[0]}`);
    }
  } else notes.push('Temporal is unreachable: workflow counts and the needs-attention list are unknown.');
  const report = await latestReport(d.config.reports.dir);
  if (!report) notes.push(`No reconciliation report in ${resolve(d.config.reports.dir)} yet.`);
  const webhooks = (await d.metrics.webhooks.get()).values
    .filter((v) => v.value > 0)
    .map((v) => ({ source: String(v.labels.source), result: String(v.labels.result), count: v.value }));
  notes.push(
    'Pushes, push errors and drift per channel are recorded by the worker: see its /metrics (invsync_pushes_total, invsync_last_successful_push_timestamp_seconds, invsync_drift_units).',
  );
  return {
    at: new Date().toISOString(),
    temporal: up ? 'up' : 'down',
    namespace: d.config.temporal.namespace,
    workflows,
    channels,
    attention,
    reconciliation: { latestReport: report?.path ?? null, at: report?.at.toISOString() ?? null },
    webhooks,
    notes,
  };
}

/**
 * The status page: a static shell with no data in it. It asks for the admin token (kept in the tab's session
 * storage) and renders /api/status, so every figure stays behind the bearer token.
 */
export function statusPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>invsync status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}th{background:#f3f3f3}.down{color:#b00}.up{color:#070}
#err{color:#b00}small{color:#666}
</style></head><body>
<h1>invsync</h1>
<form id="login" hidden><label>Admin token <input id="token" type="password" autocomplete="off"></label>
<button>Show status</button></form>
<p id="err"></p><div id="out"></div>
<script>
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
const table = (head, rows) => '<table><tr>' + head.map((h) => '<th>' + esc(h) + '</th>').join('') + '</tr>' +
  (rows.length ? rows.map((r) => '<tr>' + r.map((c) => '<td>' + esc(c) + '</td>').join('') + '</tr>').join('')
   : '<tr><td colspan="' + head.length + '"><small>none</small></td></tr>') + '</table>';
async function load() {
  const token = sessionStorage.getItem('invsync-token');
  if (!token) { document.getElementById('login').hidden = false; return; }
  const res = await fetch('api/status', { headers: { authorization: 'Bearer ' + token } });
  if (res.status === 401) { sessionStorage.removeItem('invsync-token'); document.getElementById('err').textContent = 'Wrong token.'; document.getElementById('login').hidden = false; return; }
  const s = await res.json();
  let h = '<p>Temporal: <b class="' + s.temporal + '">' + esc(s.temporal) + '</b> (namespace ' + esc(s.namespace) + ') <small>' + esc(s.at) + '</small></p>';
  h += '<h2>Channels</h2>' + table(['channel', 'kind', 'mode', 'needs attention', 'halted'],
    s.channels.map((c) => [c.id, c.kind, c.mode, c.needsAttention ?? '?', c.halted ?? '?']));
  h += '<h2>Needs attention</h2>' + table(['workflow', 'type', 'SKU', 'channels', 'since'],
    s.attention.map((a) => [a.id, a.type, a.sku, (a.channels || []).join(', '), a.since]));
  h += '<h2>Workflows by status</h2>' + (s.workflows ? table(['status', 'running'], Object.entries(s.workflows)) : '<p><small>unknown</small></p>');
  h += '<h2>Reconciliation</h2><p>' + (s.reconciliation.latestReport ? esc(s.reconciliation.latestReport) + ' <small>' + esc(s.reconciliation.at) + '</small>' : '<small>no report yet</small>') + '</p>';
  h += '<h2>Webhooks received</h2>' + table(['source', 'result', 'count'], s.webhooks.map((w) => [w.source, w.result, w.count]));
  h += s.notes.map((n) => '<p><small>' + esc(n) + '</small></p>').join('');
  document.getElementById('out').innerHTML = h;
}
document.getElementById('login').addEventListener('submit', (e) => {
  e.preventDefault(); sessionStorage.setItem('invsync-token', document.getElementById('token').value); document.getElementById('err').textContent = ''; load();
});
load();
</script></body></html>
`;
}
