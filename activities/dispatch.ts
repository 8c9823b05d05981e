/**
 * Hands inbound events (verified webhooks, the poll's findings) to Temporal. Every hand-off is idempotent by
 * workflow id or event id, so a duplicate or a replayed delivery changes nothing:
 * - an order starts `order:<channel>:<id>` (an existing or finished saga is left alone);
 * - a cancellation signals that saga with `cancel` (starting it if the cancellation came first);
 * - a return starts `return:<channel>:<returnId>`;
 * - a channel count or an ERP change is a `notify` on `sku:<sku>` (signal-with-start), keyed by the delivery id.
 * Errors from Temporal propagate: the ingress answers 503 so the sender retries.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  orderWorkflowId,
  returnWorkflowId,
  skuWorkflowId,
  type ChannelOrder,
  type InboundEvent,
  type SkuEvent,
} from '../domain/events';
import type { Config } from '../domain/config/schema';
import type { OrderSagaInput, ReturnSagaInput, SkuTimings, SkuWorkflowInput } from '../workflows/definitions';

export interface DispatchDeps {
  client: Client;
  config: Config;
  taskQueue: string;
  idPrefix: string;
}

export interface DispatchResult {
  started: string[];
  signalled: string[];
  ignored?: string;
}

export const skuTimings = (config: Config): SkuTimings => ({
  coalesceMs: config.engine.coalesce,
  continueAsNewAfter: config.engine.continueAsNewAfter,
});

/**
 * The ERP SKU a channel SKU means by the config's explicit links (`skuLinks.overrides`); otherwise the same SKU.
 * Barcode links need the ERP catalogue: the order saga and the SKU workflow resolve those.
 */
export function linkedSku(config: Config, channel: string, channelSku: string): string {
  for (const o of config.skuLinks.overrides) {
    if (o.channels[channel] === channelSku || (o.sku === channelSku && !o.channels[channel]))
      return o.erpSku ?? o.sku;
  }
  return channelSku;
}

export function createDispatcher(deps: DispatchDeps) {
  const { client, config, taskQueue, idPrefix } = deps;
  const timings = skuTimings(config);

  async function notifySku(sku: string, event: SkuEvent): Promise<string> {
    const workflowId = idPrefix + skuWorkflowId(sku);
    const input: SkuWorkflowInput = { sku, timings };
    await client.workflow.signalWithStart('skuWorkflow', {
      workflowId,
      taskQueue,
      args: [input],
      signal: 'notify',
      signalArgs: [event],
      searchAttributes: { InvSku: [sku] },
    });
    return workflowId;
  }

  function orderInput(order: ChannelOrder): OrderSagaInput {
    return {
      order,
      timings: {
        firstCheckMs: config.engine.orders.firstCheck,
        checkEveryMs: config.engine.orders.checkEvery,
        alertAfterMs: config.thresholds.pendingOrderTimeout,
      },
      sku: timings,
    };
  }

  async function startOnce(
    type: string,
    workflowId: string,
    args: unknown[],
    sku: string | undefined,
  ): Promise<boolean> {
    try {
      await client.workflow.start(type, {
        workflowId,
        taskQueue,
        args,
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        ...(sku ? { searchAttributes: { InvSku: [sku] } } : {}),
      });
      return true;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw err;
    }
  }

  async function dispatch(event: InboundEvent, deliveryId: string): Promise<DispatchResult> {
    switch (event.type) {
      case 'order': {
        const o = event.order;
        const workflowId = idPrefix + orderWorkflowId(o.channel, o.orderId);
        const firstSku = o.lines[0] ? linkedSku(config, o.channel, o.lines[0].sku) : undefined;
        if (o.status !== 'cancelled') {
          const started = await startOnce('orderSaga', workflowId, [orderInput(o)], firstSku);
          return started
            ? { started: [workflowId], signalled: [] }
            : { started: [], signalled: [], ignored: `order saga ${workflowId} already exists` };
        }
        try {
          await client.workflow.signalWithStart('orderSaga', {
            workflowId,
            taskQueue,
            args: [orderInput(o)],
            signal: 'cancel',
            signalArgs: [{ restocked: o.fulfillment === 'merchant' }],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            ...(firstSku ? { searchAttributes: { InvSku: [firstSku] } } : {}),
          });
          return { started: [], signalled: [workflowId] };
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          // The saga already finished (the ERP had the order): the ERP releases it; the SKUs re-read the ERP.
          const signalled = await Promise.all(
            o.lines.map((l) =>
              notifySku(linkedSku(config, o.channel, l.sku), {
                kind: 'erp',
                id: `${deliveryId}:${l.sku}`,
                reason: `order ${o.channel}:${o.orderId} cancelled after the ERP had it`,
              }),
            ),
          );
          return { started: [], signalled };
        }
      }
      case 'return': {
        const workflowId = idPrefix + returnWorkflowId(event.channel, event.returnId);
        const input: ReturnSagaInput = {
          channel: event.channel,
          orderId: event.orderId,
          returnId: event.returnId,
          fulfillment: event.fulfillment,
          lines: event.lines,
          timings: { checkEveryMs: config.engine.returns.checkEvery },
          sku: timings,
        };
        const sku = event.lines[0] ? linkedSku(config, event.channel, event.lines[0].sku) : undefined;
        const started = await startOnce('returnSaga', workflowId, [input], sku);
        return started
          ? { started: [workflowId], signalled: [] }
          : { started: [], signalled: [], ignored: `return saga ${workflowId} already exists` };
      }
      case 'level': {
        const sku = linkedSku(config, event.channel, event.sku);
        const id = await notifySku(sku, {
          kind: 'level',
          id: deliveryId,
          channel: event.channel,
          location: event.location,
          shows: event.shows,
        });
        return { started: [], signalled: [id] };
      }
      case 'fba':
        return {
          started: [],
          signalled: [],
          ignored: 'FBA stock is Amazon’s: read and reported, never pushed',
        };
      case 'erp': {
        const signalled = await Promise.all(
          [...new Set(event.skus)].map((sku) =>
            notifySku(sku, { kind: 'erp', id: `${deliveryId}:${sku}`, reason: event.reason }),
          ),
        );
        return { started: [], signalled };
      }
    }
  }

  return { dispatch, notifySku };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
