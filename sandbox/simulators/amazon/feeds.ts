/**
 * Feeds 2021-06-30 for `JSON_LISTINGS_FEED` (apis.md 4.2): createFeedDocument -> upload to the pre-signed URL ->
 * createFeed -> getFeed (IN_QUEUE -> IN_PROGRESS -> DONE on a timer) -> getFeedDocument for the processing report
 * (`header`, `issues`, `summary`). The messages change the world when the feed is processed, not when it is
 * submitted. A feed Amazon cannot read at all (no upload, not JSON, wrong seller, over 25,000 messages) ends FATAL.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance } from '../../http';
import { badInput, notFound, quotaExceeded } from './errors';
import { isoDate } from './format';
import { presign } from './documents';
import { applyQuantity, skuListings } from './listings';
import { patchOperation, planPatches, type Issue, type PatchOperation } from './patches';
import { jsonBody, OPERATIONS, spRoute, type SpCall, type SpReply } from './pipeline';
import type { AmazonState, Feed } from './state';

const BASE = '/feeds/2021-06-30';
const FEED_TYPE = 'JSON_LISTINGS_FEED';
const MAX_MESSAGES = 25_000;
/** JSON_LISTINGS_FEED's own limit since 2025-05: 5 submissions per 5 minutes (apis.md 4.2). */
const LISTINGS_FEED_RATE = { rate: 5 / 300, burst: 5 };

const createDocumentRequest = z.object({ contentType: z.string().min(1) });
const createFeedRequest = z.object({
  feedType: z.string().min(1),
  marketplaceIds: z.array(z.string()).min(1).max(25),
  inputFeedDocumentId: z.string().min(1),
  feedOptions: z.record(z.string(), z.string()).optional(),
});

const feedDocument = z.object({
  header: z.object({ sellerId: z.string(), version: z.literal('2.0'), issueLocale: z.string().optional() }),
  messages: z.array(z.unknown()),
});
const feedMessage = z.object({
  messageId: z.number().int().nonnegative(),
  sku: z.string().min(1),
  operationType: z.enum(['UPDATE', 'PARTIAL_UPDATE', 'DELETE', 'PATCH']),
  productType: z.string().optional(),
  requirements: z.string().optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
  patches: z.array(patchOperation).optional(),
});

export function registerFeeds(app: FastifyInstance, state: AmazonState): void {
  spRoute(app, state, 'POST', `${BASE}/documents`, OPERATIONS.createFeedDocument, (call) =>
    createFeedDocument(state, call),
  );
  spRoute(app, state, 'GET', `${BASE}/documents/:feedDocumentId`, OPERATIONS.getFeedDocument, (call) =>
    getFeedDocument(state, call),
  );
  spRoute(app, state, 'POST', `${BASE}/feeds`, OPERATIONS.createFeed, (call) => createFeed(state, call));
  spRoute(app, state, 'GET', `${BASE}/feeds/:feedId`, OPERATIONS.getFeed, (call) => getFeed(state, call));
  spRoute(app, state, 'DELETE', `${BASE}/feeds/:feedId`, OPERATIONS.cancelFeed, (call) =>
    cancelFeed(state, call),
  );
}

function parse<T>(schema: z.ZodType<T>, call: SpCall): T {
  const r = schema.safeParse(jsonBody(call.req));
  if (!r.success) {
    const first = r.error.issues[0];
    throw badInput('Invalid input', first ? `${first.path.join('.') || 'body'}: ${first.message}` : '');
  }
  return r.data;
}

function createFeedDocument(state: AmazonState, call: SpCall): SpReply {
  const { contentType } = parse(createDocumentRequest, call);
  const id = `amzn1.tortuga.4.na.${randomUUID()}.T${Math.floor(call.now / 1000)}`;
  state.documents.set(id, { id, channelId: call.channelId, contentType, createdAt: call.now });
  return { status: 201, body: { feedDocumentId: id, url: presign(state, call.req, 'PUT', id) } };
}

function getFeedDocument(state: AmazonState, call: SpCall): SpReply {
  const { feedDocumentId } = call.req.params as { feedDocumentId: string };
  const doc = state.documents.get(feedDocumentId);
  if (!doc || doc.channelId !== call.channelId) throw notFound(`Feed document ${feedDocumentId} not found.`);
  return { body: { feedDocumentId, url: presign(state, call.req, 'GET', feedDocumentId) } };
}

function createFeed(state: AmazonState, call: SpCall): SpReply {
  const spec = parse(createFeedRequest, call);
  if (spec.feedType !== FEED_TYPE)
    throw badInput(`Feed type ${spec.feedType} is not supported; the invsync sandbox accepts ${FEED_TYPE}.`);
  if (!spec.marketplaceIds.includes(call.seller.marketplaceId))
    throw badInput(`Invalid marketplaceIds: ${spec.marketplaceIds.join(',')}.`);
  const doc = state.documents.get(spec.inputFeedDocumentId);
  if (!doc || doc.channelId !== call.channelId)
    throw badInput('Invalid input', `inputFeedDocumentId ${spec.inputFeedDocumentId} does not exist.`);
  if (!call.takeExtra(FEED_TYPE, LISTINGS_FEED_RATE.rate, LISTINGS_FEED_RATE.burst)) throw quotaExceeded();
  const feed: Feed = {
    id: state.nextFeedId(),
    channelId: call.channelId,
    feedType: spec.feedType,
    marketplaceIds: spec.marketplaceIds,
    inputFeedDocumentId: spec.inputFeedDocumentId,
    createdAt: call.now,
    dropped: call.gate.drop,
  };
  state.feeds.set(feed.id, feed);
  state.later(state.settings.feedQueueMs + state.settings.feedProcessingMs, () => settle(state, feed));
  return { status: 202, body: { feedId: feed.id } };
}

function ownFeed(state: AmazonState, call: SpCall): Feed {
  const { feedId } = call.req.params as { feedId: string };
  const feed = state.feeds.get(feedId);
  if (!feed || feed.channelId !== call.channelId) throw notFound(`Feed ${feedId} not found.`);
  return feed;
}

function getFeed(state: AmazonState, call: SpCall): SpReply {
  const feed = ownFeed(state, call);
  const { feedQueueMs, feedProcessingMs } = state.settings;
  const elapsed = call.now - feed.createdAt;
  // The status follows the clock; a feed whose time is up is processed now if its timer has not fired yet.
  if (!feed.outcome && elapsed >= feedQueueMs + feedProcessingMs) settle(state, feed);
  const startedAt = feed.createdAt + feedQueueMs;
  const status = feed.outcome?.status ?? (elapsed < feedQueueMs ? 'IN_QUEUE' : 'IN_PROGRESS');
  return {
    body: {
      feedId: feed.id,
      feedType: feed.feedType,
      marketplaceIds: feed.marketplaceIds,
      createdTime: isoDate(feed.createdAt),
      processingStatus: status,
      ...(status !== 'IN_QUEUE' && status !== 'CANCELLED' ? { processingStartTime: isoDate(startedAt) } : {}),
      ...(feed.outcome ? { processingEndTime: isoDate(feed.outcome.endedAt) } : {}),
      ...(feed.outcome?.resultFeedDocumentId
        ? { resultFeedDocumentId: feed.outcome.resultFeedDocumentId }
        : {}),
    },
  };
}

function cancelFeed(state: AmazonState, call: SpCall): SpReply {
  const feed = ownFeed(state, call);
  if (feed.outcome || call.now - feed.createdAt >= state.settings.feedQueueMs)
    throw badInput('Invalid input', `Feed ${feed.id} is no longer IN_QUEUE and cannot be cancelled.`);
  feed.outcome = { status: 'CANCELLED', endedAt: call.now };
  return { body: undefined };
}

/** An issue of the processing report; `code` is optional there, and the sandbox's own refusals carry none. */
interface ReportIssue {
  messageId?: number;
  code?: string;
  severity: Issue['severity'];
  message: string;
  attributeName?: string;
}

/** Processes a feed once: applies its valid messages and stores the processing report as its result document. */
function settle(state: AmazonState, feed: Feed): void {
  if (feed.outcome) return;
  const seller = state.credentials(feed.channelId);
  const content = state.documents.get(feed.inputFeedDocumentId)?.content;
  const { fatal, issues, accepted, processed } = processFeed(state, feed, seller.sellerId, content);
  const report = {
    header: { sellerId: seller.sellerId, version: '2.0', feedId: feed.id },
    issues,
    summary: {
      errors: issues.filter((i) => i.severity === 'ERROR').length,
      warnings: issues.filter((i) => i.severity === 'WARNING').length,
      messagesProcessed: processed,
      messagesAccepted: accepted,
      messagesInvalid: processed - accepted,
    },
  };
  const resultId = `amzn1.tortuga.4.na.${randomUUID()}.T${Math.floor(state.now() / 1000)}`;
  state.documents.set(resultId, {
    id: resultId,
    channelId: feed.channelId,
    contentType: 'application/json',
    content: JSON.stringify(report),
    createdAt: state.now(),
  });
  feed.outcome = { status: fatal ? 'FATAL' : 'DONE', resultFeedDocumentId: resultId, endedAt: state.now() };
}

interface Processed {
  fatal: boolean;
  issues: ReportIssue[];
  accepted: number;
  processed: number;
}

const fatalResult = (message: string): Processed => ({
  fatal: true,
  issues: [{ severity: 'ERROR', message }],
  accepted: 0,
  processed: 0,
});

function processFeed(
  state: AmazonState,
  feed: Feed,
  sellerId: string,
  content: string | undefined,
): Processed {
  if (content === undefined) return fatalResult('The feed document was never uploaded.');
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return fatalResult('The feed document is not valid JSON.');
  }
  const doc = feedDocument.safeParse(json);
  if (!doc.success)
    return fatalResult(
      `The feed does not follow the JSON listings feed schema: ${doc.error.issues[0]?.message ?? ''}`,
    );
  if (doc.data.header.sellerId !== sellerId)
    return fatalResult(
      `The sellerId ${doc.data.header.sellerId} in the header is not the submitting seller.`,
    );
  if (doc.data.messages.length > MAX_MESSAGES)
    return fatalResult(
      `The feed has ${doc.data.messages.length} messages; a JSON_LISTINGS_FEED accepts at most ${MAX_MESSAGES}.`,
    );

  const issues: ReportIssue[] = [];
  const seen = new Set<number>();
  let accepted = 0;
  for (const raw of doc.data.messages) {
    const found = messageIssues(state, feed, raw, seen);
    issues.push(...found.issues);
    if (found.issues.length > 0) continue;
    accepted += 1;
    if (!feed.dropped && found.quantity !== undefined && found.sku !== undefined)
      applyQuantity(state, feed.channelId, found.sku, found.quantity);
  }
  return { fatal: false, issues, accepted, processed: doc.data.messages.length };
}

function messageIssues(
  state: AmazonState,
  feed: Feed,
  raw: unknown,
  seen: Set<number>,
): { issues: ReportIssue[]; sku?: string; quantity?: number | undefined } {
  const rawId =
    typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).messageId : undefined;
  const messageId = typeof rawId === 'number' ? rawId : undefined;
  const fail = (message: string): { issues: ReportIssue[] } => ({
    issues: [{ ...(messageId !== undefined ? { messageId } : {}), severity: 'ERROR', message }],
  });
  const m = feedMessage.safeParse(raw);
  if (!m.success) {
    const first = m.error.issues[0];
    return fail(
      `The message is invalid: ${first ? `${first.path.join('.')}: ${first.message}` : 'unknown reason'}.`,
    );
  }
  const msg = m.data;
  if (seen.has(msg.messageId)) return fail(`messageId ${msg.messageId} is used by more than one message.`);
  seen.add(msg.messageId);
  const patches = messagePatches(msg);
  if (typeof patches === 'string') return fail(patches);
  const listings = skuListings(state, feed.channelId, msg.sku);
  if (!listings.fbm && !listings.fba) return fail(`SKU '${msg.sku}' does not exist for this seller.`);
  const plan = planPatches(msg.sku, listings, patches);
  return {
    issues: plan.issues.map((i) => ({
      messageId: msg.messageId,
      code: i.code,
      severity: i.severity,
      message: i.message,
      ...(i.attributeNames[0] !== undefined ? { attributeName: i.attributeNames[0] } : {}),
    })),
    sku: msg.sku,
    quantity: plan.quantity,
  };
}

/** The patches a message amounts to, or why it cannot be processed here. */
function messagePatches(msg: z.output<typeof feedMessage>): PatchOperation[] | string {
  if (msg.operationType === 'PATCH') {
    if (!msg.productType) return "'productType' is required for PATCH.";
    if (!msg.patches || msg.patches.length === 0) return "'patches' is required for PATCH.";
    return msg.patches;
  }
  if (msg.operationType === 'PARTIAL_UPDATE') {
    if (!msg.productType) return "'productType' is required for PARTIAL_UPDATE.";
    const attributes = Object.entries(msg.attributes ?? {});
    if (attributes.length === 0) return "'attributes' is required for PARTIAL_UPDATE.";
    // A partial update replaces whole attributes: the same as one `replace` patch per attribute.
    return attributes.map(([name, value]) => ({
      op: 'replace' as const,
      path: `/attributes/${name}`,
      value: Array.isArray(value)
        ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null)
        : [],
    }));
  }
  return `operationType ${msg.operationType} is not modelled by the invsync sandbox; use PATCH or PARTIAL_UPDATE.`;
}
