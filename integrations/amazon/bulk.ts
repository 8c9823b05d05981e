/**
 * Many SKUs: one JSON_LISTINGS_FEED. The feed and its messageIds belong to the idempotency key: the record
 * `amazon-feed:<channel>:<key>` is written under the key's lock right after createFeed, so a retry with the same key
 * polls that feed and reads its report instead of submitting another. Accepted messages are applied; invalid ones are
 * a permanent error listing the SKUs; a feed Amazon rejects whole (FATAL) is forgotten so that a retry submits anew.
 */
import { z } from 'zod';
import { IntegrationError } from '../errors';
import type { ChannelPush, PushOutcome } from '../types';
import { FEED_TYPE } from './api';
import { FBM_LOCATION } from './config';
import { SYSTEM } from './errors';
import { awaitFeed, readReport, submitFeed } from './feed';
import { compare, errorText, rejection } from './outcomes';
import type { PushContext } from './push';

const feedRecord = z.object({
  /** The feed submitted under this key; cleared when Amazon rejected it whole (FATAL), so a retry submits anew. */
  feedId: z.string().optional(),
  messages: z
    .array(z.object({ messageId: z.number().int(), sku: z.string(), qty: z.number().int() }))
    .default([]),
  /** Pushes settled by the pre-read (stale or unchanged): part of the batch's answer, not of the feed. */
  settled: z
    .array(
      z.object({
        sku: z.string(),
        location: z.string(),
        status: z.enum(['stale', 'unchanged']),
        shows: z.number().int(),
        message: z.string().optional(),
      }),
    )
    .default([]),
  /** SKUs whose pre-read cleared them to be sent (kept when a 429 interrupts the reads, so a retry resumes). */
  cleared: z.array(z.string()).default([]),
  /** Feeds Amazon rejected whole under this key. */
  abandoned: z.array(z.string()).default([]),
});
type FeedRecord = z.output<typeof feedRecord>;

/** JSON_LISTINGS_FEED accepts at most 25,000 messages (apis.md 4.2). */
const MAX_FEED_MESSAGES = 25_000;

export async function pushByFeed(
  c: PushContext,
  pushes: readonly ChannelPush[],
  key: string,
): Promise<PushOutcome[]> {
  if (pushes.length > MAX_FEED_MESSAGES)
    throw new IntegrationError({
      system: SYSTEM,
      channel: c.cfg.id,
      operation: 'push',
      code: 'INVALID_REQUEST',
      message: `Channel ${c.cfg.id}: ${pushes.length} SKUs in one push; a ${FEED_TYPE} takes at most ${MAX_FEED_MESSAGES}: split the batch`,
    });
  const recordKey = `amazon-feed:${c.cfg.id}:${key}`;
  // Under the key's lock, so two attempts with one key cannot both submit.
  const record = await c.deps.tokens.withLock(recordKey, async () => {
    const raw = await c.deps.tokens.get(recordKey);
    const parsed = raw ? feedRecord.safeParse(raw) : undefined;
    const prior = parsed?.success ? parsed.data : feedRecord.parse({});
    if (prior.feedId) return prior;
    const next: FeedRecord = { ...prior, messages: [] };
    const done = new Set([...next.settled.map((s) => s.sku), ...next.cleared]);
    try {
      for (const p of pushes) {
        if (done.has(p.sku)) continue;
        const s = await compare(c.api, p);
        if (s?.status === 'stale' || s?.status === 'unchanged')
          next.settled.push({
            sku: s.sku,
            location: s.location,
            status: s.status,
            shows: s.shows ?? 0,
            message: s.message,
          });
        else next.cleared.push(p.sku);
      }
    } catch (err) {
      // Throttled part-way through the reads: keep what was read, so the retry carries on from there.
      await c.deps.tokens.set(recordKey, next);
      throw err;
    }
    const cleared = new Set(next.cleared);
    next.messages = pushes
      .filter((p) => cleared.has(p.sku))
      .map((p, i) => ({ messageId: i + 1, sku: p.sku, qty: p.qty }));
    if (next.messages.length === 0) return next;
    next.feedId = await submitFeed(c, next.messages);
    await c.deps.tokens.set(recordKey, next);
    return next;
  });
  const feedId = record.feedId;
  const outcomes = new Map<string, PushOutcome>(record.settled.map((o) => [o.sku, { ...o }]));
  if (feedId) for (const o of await feedOutcomes(c, recordKey, record, feedId, key)) outcomes.set(o.sku, o);
  // In the caller's order (a retry replays the record, which holds the same SKUs).
  return pushes.flatMap((p) => outcomes.get(p.sku) ?? []);
}

/** Waits for the feed, reads its report, and turns it into outcomes or a permanent error. */
async function feedOutcomes(
  c: PushContext,
  recordKey: string,
  record: FeedRecord,
  feedId: string,
  key: string,
): Promise<PushOutcome[]> {
  const feed = await awaitFeed(c, feedId, key);
  if (feed.processingStatus !== 'DONE') {
    // FATAL or CANCELLED: Amazon processed none of it. Forget this feed so a retry with the same key submits anew.
    const report = feed.resultFeedDocumentId ? await readReport(c, feed) : undefined;
    await c.deps.tokens.set(recordKey, {
      ...record,
      feedId: undefined,
      abandoned: [...record.abandoned, feedId],
    });
    const reason = report ? errorText(report.issues.filter((i) => i.severity === 'ERROR')) : '';
    throw new IntegrationError({
      system: SYSTEM,
      channel: c.cfg.id,
      operation: 'createFeed',
      code: 'UPSTREAM_REJECTED',
      message: `Amazon rejected ${FEED_TYPE} ${feedId} on channel ${c.cfg.id} as a whole (${feed.processingStatus}): ${reason || 'no reason given'}; nothing was applied, and a retry submits a new feed`,
    });
  }
  const report = await readReport(c, feed);
  // Issues without a messageId concern the whole feed; on a DONE feed they are notes on every message.
  const general = report.issues.filter((i) => i.messageId === undefined);
  const byMessage = new Map<number, typeof report.issues>();
  for (const i of report.issues)
    if (i.messageId !== undefined) byMessage.set(i.messageId, [...(byMessage.get(i.messageId) ?? []), i]);
  const outcomes: PushOutcome[] = [];
  const rejected: { sku: string; text: string }[] = [];
  for (const m of record.messages) {
    const issues = byMessage.get(m.messageId) ?? [];
    const errors = issues.filter((i) => i.severity === 'ERROR');
    if (errors.length > 0) {
      rejected.push({ sku: m.sku, text: errorText(errors) });
      continue;
    }
    const notes = [...general, ...issues];
    outcomes.push({
      sku: m.sku,
      location: FBM_LOCATION,
      status: 'applied',
      shows: m.qty,
      message: `${FEED_TYPE} ${feedId} message ${m.messageId} accepted${notes.length ? `; ${errorText(notes)}` : ''}`,
    });
  }
  if (rejected.length > 0)
    throw rejection(
      c.cfg.id,
      'createFeed',
      `the quantity messages of ${FEED_TYPE} ${feedId}`,
      rejected,
      record.messages.length,
    );
  return outcomes;
}
