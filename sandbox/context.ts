/**
 * What every simulator receives: the world (the truth), the webhook hub, and the sandbox's credentials.
 * Channel credentials are derived from the channel id and a per-sandbox secret, so a reset that keeps a
 * channel's id keeps its credentials, and a simulator can tell which channel a token belongs to.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { WebhookHub } from './webhooks';
import type { ChannelKind, ChannelState, World } from './world';

export interface ErpCredentials {
  odoo: { database: string; username: string; password: string; apiKey: string; uid: number };
  netsuite: {
    accountId: string;
    consumerKey: string;
    consumerSecret: string;
    tokenId: string;
    tokenSecret: string;
  };
}

export interface ChannelCredentials {
  shopify: { accessToken: string; webhookSecret: string; apiVersion: string };
  amazon: {
    clientId: string;
    clientSecret: string;
    refreshToken: string;
    sellerId: string;
    marketplaceId: string;
    notificationSecret: string;
  };
  mercadolibre: { clientId: string; clientSecret: string; refreshToken: string; userId: string };
}

export class Credentials {
  constructor(readonly secret: string = randomBytes(12).toString('hex')) {}

  private derive(label: string, len = 24): string {
    return createHmac('sha256', this.secret).update(label).digest('hex').slice(0, len);
  }

  get erp(): ErpCredentials {
    return {
      odoo: {
        database: 'invsync',
        username: 'admin',
        password: `pw-${this.derive('odoo-pw', 12)}`,
        apiKey: `odoo-${this.derive('odoo-key')}`,
        uid: 2,
      },
      netsuite: {
        accountId: '1234567_SB1',
        consumerKey: this.derive('ns-ck', 64),
        consumerSecret: this.derive('ns-cs', 64),
        tokenId: this.derive('ns-tk', 64),
        tokenSecret: this.derive('ns-ts', 64),
      },
    };
  }

  /** Shared secret of the ERP webhook forwarder (config `ingress.erpSecret`). */
  get erpWebhookSecret(): string {
    return this.derive('erp-webhook', 32);
  }

  shopify(channelId: string): ChannelCredentials['shopify'] {
    return {
      accessToken: `shpat_${this.derive(`shopify-token:${channelId}`, 32)}`,
      webhookSecret: this.derive(`shopify-webhook:${channelId}`, 32),
      apiVersion: '2026-04',
    };
  }

  amazon(channelId: string): ChannelCredentials['amazon'] {
    return {
      clientId: `amzn1.application-oa2-client.${this.derive(`amz-client:${channelId}`, 16)}`,
      clientSecret: this.derive(`amz-secret:${channelId}`, 32),
      refreshToken: `Atzr|${this.derive(`amz-refresh:${channelId}`, 32)}`,
      sellerId: `A${this.derive(`amz-seller:${channelId}`, 12).toUpperCase()}`,
      marketplaceId: 'ATVPDKIKX0DER',
      notificationSecret: this.derive(`amz-notify:${channelId}`, 32),
    };
  }

  mercadolibre(channelId: string): ChannelCredentials['mercadolibre'] {
    return {
      clientId: String(parseInt(this.derive(`meli-client:${channelId}`, 10), 16)),
      clientSecret: this.derive(`meli-secret:${channelId}`, 32),
      refreshToken: `TG-${this.derive(`meli-refresh:${channelId}`, 24)}`,
      userId: String(parseInt(this.derive(`meli-user:${channelId}`, 7), 16)),
    };
  }
}

export interface SandboxContext {
  world: World;
  webhooks: WebhookHub;
  credentials: Credentials;
}

/** The channels of one kind; a simulator serves all of them and tells them apart by their credentials. */
export function channelsOfKind(world: World, kind: ChannelKind): ChannelState[] {
  return [...world.channels.values()].filter((c) => c.kind === kind);
}

export interface SimulatorOptions {
  host?: string;
  /** 0 or undefined: an ephemeral port. */
  port?: number;
}
