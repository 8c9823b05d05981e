/**
 * What the Amazon simulator keeps beside the world: issued LWA tokens, token buckets, feed documents and feeds, and
 * the quantities sellers submitted (Amazon shows the submitted `attributes.fulfillment_availability` next to the
 * processed `fulfillmentAvailability`, and the two drift apart as orders come in).
 *
 * Stock and listings live only in the world; a world reset clears everything here except the tokens, because
 * credentials are derived from channel ids and survive a reset.
 */
import { Buckets } from '../../limits';
import type { ChannelCredentials, SandboxContext } from '../../context';
import { channelsOfKind } from '../../context';

export type AmazonCredentials = ChannelCredentials['amazon'];

export interface AmazonSettings {
  /** Lifetime of an LWA access token, in seconds (Amazon: 3600). */
  tokenTtlSeconds: number;
  /** How long a feed stays IN_QUEUE before processing starts, in milliseconds. */
  feedQueueMs: number;
  /** How long a feed stays IN_PROGRESS before it is DONE and applied, in milliseconds. */
  feedProcessingMs: number;
  /** Lifetime of a pre-signed feed document URL, in seconds (Amazon: 300). */
  documentUrlTtlSeconds: number;
  /** Send notifications (ORDER_CHANGE, FBA_INVENTORY_AVAILABILITY_CHANGES, LISTINGS_ITEM_MFN_QUANTITY_CHANGE). */
  notifications: boolean;
}

export interface IssuedToken {
  channelId: string;
  expiresAt: number;
  /** A client_credentials (grantless) token: valid only for grantless operations, none of which are simulated. */
  grantless: boolean;
}

export interface FeedDocument {
  id: string;
  channelId: string;
  contentType: string;
  content?: string;
  createdAt: number;
}

export type FeedStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE' | 'FATAL' | 'CANCELLED';

export interface Feed {
  id: string;
  channelId: string;
  feedType: string;
  marketplaceIds: string[];
  inputFeedDocumentId: string;
  createdAt: number;
  /** Set when the feed is finished: DONE or FATAL with its processing report, or CANCELLED before it started. */
  outcome?: { status: 'DONE' | 'FATAL' | 'CANCELLED'; resultFeedDocumentId?: string; endedAt: number };
  /** A silent-drop fault: the feed reports success but its messages are not applied. */
  dropped: boolean;
}

export class AmazonState {
  readonly tokens = new Map<string, IssuedToken>();
  readonly buckets: Buckets;
  readonly documents = new Map<string, FeedDocument>();
  readonly feeds = new Map<string, Feed>();
  /** `channel\0sku` -> the quantity last submitted through patchListingsItem or a feed. */
  readonly submitted = new Map<string, number>();
  /** When the listings were created (the world's last reset). */
  listingsCreatedAt: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private feedSeq = 0;

  constructor(
    readonly ctx: SandboxContext,
    readonly settings: AmazonSettings,
  ) {
    this.buckets = new Buckets(() => ctx.world.now());
    this.listingsCreatedAt = ctx.world.now();
  }

  now(): number {
    return this.ctx.world.now();
  }

  credentials(channelId: string): AmazonCredentials {
    return this.ctx.credentials.amazon(channelId);
  }

  /** The Amazon channels of the current world (a reset may add or remove some). */
  channelIds(): string[] {
    return channelsOfKind(this.ctx.world, 'amazon').map((c) => c.id);
  }

  nextFeedId(): string {
    this.feedSeq += 1;
    return String(50001000000 + this.feedSeq);
  }

  /** A timer owned by this simulator: cleared on close and on a world reset, so nothing outlives either. */
  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** The world was replaced: feeds, documents and submitted values belong to the old one. */
  onReset(): void {
    this.clearTimers();
    this.buckets.clear();
    this.documents.clear();
    this.feeds.clear();
    this.submitted.clear();
    this.listingsCreatedAt = this.now();
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
