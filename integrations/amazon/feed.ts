/**
 * JSON_LISTINGS_FEED mechanics: build the document, upload it to the pre-signed URL, create the feed, poll getFeed
 * until Amazon is done (bounded), and read the processing report. Idempotency (which feed belongs to which key) is
 * push.ts's concern; this module only talks to Amazon.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { AdapterDeps } from '../deps';
import { fromHttpStatus, fromNetworkError, IntegrationError } from '../errors';
import { FEED_CONTENT_TYPE, FEED_TYPE, quantityPatch, type SpApi } from './api';
import type { AmazonChannelConfig, AmazonSettings } from './config';
import { parseBody, SYSTEM } from './errors';
import { processingReport, type Feed, type ProcessingReport } from './schemas';

const gunzipAsync = promisify(gunzip);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface FeedMessage {
  messageId: number;
  sku: string;
  qty: number;
}

export interface FeedContext {
  api: SpApi;
  cfg: AmazonChannelConfig;
  deps: AdapterDeps;
  settings: AmazonSettings;
}

/** The feed document: one PATCH message per SKU, merging the DEFAULT quantity. */
export function feedDocument(sellerId: string, messages: readonly FeedMessage[]): string {
  return JSON.stringify({
    header: { sellerId, version: '2.0', issueLocale: 'en_US' },
    messages: messages.map((m) => ({
      messageId: m.messageId,
      sku: m.sku,
      operationType: 'PATCH',
      productType: 'PRODUCT',
      patches: [quantityPatch(m.qty)],
    })),
  });
}

/** Uploads the messages and creates the feed; returns its id. */
export async function submitFeed(c: FeedContext, messages: readonly FeedMessage[]): Promise<string> {
  const doc = await c.api.createFeedDocument();
  await transfer(c, 'uploadFeedDocument', doc.url, {
    method: 'PUT',
    headers: { 'content-type': FEED_CONTENT_TYPE },
    body: feedDocument(c.cfg.credentials.sellerId, messages),
  });
  return c.api.createFeed(doc.feedDocumentId);
}

/** A request to a pre-signed document URL (S3 in production: it answers errors in XML, not the SP-API shape). */
async function transfer(c: FeedContext, operation: string, url: string, init: RequestInit): Promise<Buffer> {
  const ctx = { system: SYSTEM, channel: c.cfg.id, operation };
  let res: Response;
  try {
    res = await (c.deps.fetch ?? fetch)(url, {
      ...init,
      signal: AbortSignal.timeout(c.settings.requestTimeoutMs),
    });
  } catch (err) {
    throw fromNetworkError(err, ctx);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) {
    const code = /<Code>([^<]+)<\/Code>/.exec(body.toString('utf8'))?.[1];
    throw fromHttpStatus(res.status, {
      ...ctx,
      detail: code ?? '',
      retryAfter: res.headers.get('retry-after'),
    });
  }
  return body;
}

const FINISHED = new Set<Feed['processingStatus']>(['DONE', 'FATAL', 'CANCELLED']);

/**
 * Polls getFeed until the feed is finished, for at most `feedWaitMs`; then a retryable TIMEOUT that names the feed,
 * so the retry (same idempotency key) polls this feed again instead of submitting another.
 */
export async function awaitFeed(c: FeedContext, feedId: string, key: string): Promise<Feed> {
  const now = c.deps.now ?? Date.now;
  const deadline = now() + c.settings.feedWaitMs;
  for (;;) {
    const feed = await c.api.getFeed(feedId);
    if (FINISHED.has(feed.processingStatus)) return feed;
    if (now() + c.settings.feedPollMs > deadline)
      throw new IntegrationError({
        system: SYSTEM,
        channel: c.cfg.id,
        operation: 'getFeed',
        code: 'TIMEOUT',
        retryAfterMs: c.settings.feedPollMs,
        message: `Amazon has not finished ${FEED_TYPE} ${feedId} on channel ${c.cfg.id} after ${Number((c.settings.feedWaitMs / 1000).toFixed(1))} s (${feed.processingStatus}): the retry with idempotency key ${key} polls feed ${feedId} again instead of submitting another`,
      });
    await sleep(c.settings.feedPollMs);
  }
}

/** The processing report of a finished feed. */
export async function readReport(c: FeedContext, feed: Feed): Promise<ProcessingReport> {
  const call = { operation: 'getFeedDocument' };
  if (!feed.resultFeedDocumentId)
    throw new IntegrationError({
      system: SYSTEM,
      channel: c.cfg.id,
      ...call,
      code: 'BAD_RESPONSE',
      message: `Amazon finished ${FEED_TYPE} ${feed.feedId} on channel ${c.cfg.id} (${feed.processingStatus}) without a processing report`,
    });
  const doc = await c.api.getFeedDocument(feed.resultFeedDocumentId);
  let body = await transfer(c, 'downloadFeedReport', doc.url, { method: 'GET' });
  if (doc.compressionAlgorithm === 'GZIP') body = await gunzipAsync(body);
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = undefined;
  }
  return parseBody(processingReport, json, c.cfg.id, { operation: 'downloadFeedReport' });
}
