/**
 * Activities the return and transfer sagas need beyond the ERP and channel ones: what the config says about a
 * return's channel (which SKU the ERP knows a channel SKU by, which ERP locations serve the channel, where an FBA
 * return is booked). The workflows cannot read the config; the worker's EngineDeps holds it.
 */
import { typedFailures } from './errors';
import { linkedSku } from './dispatch';
import type { EngineDeps } from './deps';
import { IntegrationError } from '../integrations/errors';
import type { ChannelKind } from '../domain/model';
import type { ChannelOrderLine, SkuEvent } from '../domain/events';
import type { ChannelConfig, Config } from '../domain/config/schema';

/** One returned line: the SKU as the channel shows it and as the ERP knows it (explicit links, as the dispatcher). */
export interface ReturnLine {
  channelSku: string;
  sku: string;
  qty: number;
}

export interface ReturnContext {
  channelKind: ChannelKind;
  /** The ERP locations serving the channel (every mapped channel location), where a merchant return comes back. */
  locations: string[];
  lines: ReturnLine[];
}

export interface ReturnProposalTarget {
  /** The ERP location an approved FBA return is booked at (`channels[i].fba.erpLocation`). */
  location?: string | undefined;
  /** Why there is none, naming the config path to fix. */
  problem?: string | undefined;
}

/** The engine activities (activities/sync.ts, the lead's) the sagas call: SKU notifications and alerts. */
export type SagaAlertKind = 'transfer-compensated' | 'needs-attention';
export interface SagaEngineActivities {
  notifySkus(req: { events: { sku: string; event: SkuEvent }[] }): Promise<void>;
  sendAlert(req: {
    kind: SagaAlertKind;
    text: string;
    sku?: string;
    channel?: string;
    workflowId?: string;
  }): Promise<void>;
}

function channelOf(config: Config, channel: string): { ch: ChannelConfig; index: number } {
  const index = config.channels.findIndex((c) => c.id === channel);
  const ch = config.channels[index];
  if (!ch)
    throw new IntegrationError({
      system: 'invsync',
      channel,
      code: 'INVALID_REQUEST',
      message: `channel ${channel} is not in the config (channels: ${config.channels.map((c) => c.id).join(', ')}): a return on it cannot be followed`,
    });
  return { ch, index };
}

export function returnContext(
  config: Config,
  req: { channel: string; lines: ChannelOrderLine[] },
): ReturnContext {
  const { ch } = channelOf(config, req.channel);
  return {
    channelKind: ch.kind,
    locations: [...new Set(ch.locations.flatMap((l) => l.erpLocations))],
    lines: req.lines.map((l) => ({
      channelSku: l.sku,
      sku: linkedSku(config, req.channel, l.sku),
      qty: l.qty,
    })),
  };
}

export function returnProposal(config: Config, req: { channel: string }): ReturnProposalTarget {
  const { ch, index } = channelOf(config, req.channel);
  if (ch.kind !== 'amazon')
    return {
      problem: `channel ${ch.id} is ${ch.kind}, not Amazon: its marketplace stock is never booked into the ERP`,
    };
  if (!ch.fba.erpLocation)
    return {
      problem: `channels[${index}].fba.erpLocation is not set: name the ERP location that mirrors ${ch.id}'s FBA stock in the config (or retry with --data '{"location":"<ERP location>"}')`,
    };
  return { location: ch.fba.erpLocation };
}

export function createSagaActivities(deps: Pick<EngineDeps, 'config'>) {
  return {
    returnContext: typedFailures(async (req: { channel: string; lines: ChannelOrderLine[] }) =>
      returnContext(deps.config, req),
    ),
    returnProposal: typedFailures(async (req: { channel: string }) => returnProposal(deps.config, req)),
  };
}

export type SagaActivities = ReturnType<typeof createSagaActivities>;
