/**
 * Whether Odoo shows a channel order: `sale.order` whose Customer Reference (`client_order_ref`) is the
 * reference `<channelId>:<orderId>`. A confirmed order (`sale`) reserves its stock; it is shipped when fully
 * delivered, which 16 shows as state `done` and 17+ as `sale` with delivery_status `full` (17 dropped `done`).
 */
import type { OrderPresence } from '../types';
import type { OdooRpc } from './rpc';
import { saleOrderRow, searchRead } from './schemas';

type SaleOrder = (typeof saleOrderRow)['_output'];

export function presenceOf(o: SaleOrder): OrderPresence {
  if (o.state === 'cancel') return 'cancelled';
  if (o.state === 'done') return 'shipped';
  if (o.state === 'sale') return o.delivery_status === 'full' ? 'shipped' : 'reserved';
  // A quotation (draft, sent) reserves nothing yet.
  return 'absent';
}

/**
 * Several orders may carry the reference (re-entered after a cancel): the most advanced counts, and a live
 * quotation outranks a cancelled order, so the sale stays subtracted until Odoo really holds it.
 */
const RANK: Record<OrderPresence, number> = { cancelled: 0, absent: 1, reserved: 2, shipped: 3 };

export async function orderPresence(rpc: OdooRpc, reference: string): Promise<OrderPresence> {
  const orders = await searchRead(
    rpc,
    'sale.order',
    [['client_order_ref', '=', reference]],
    ['state', 'delivery_status'],
    saleOrderRow,
    { order: 'id' },
  );
  let best: OrderPresence | undefined;
  for (const o of orders) {
    const p = presenceOf(o);
    if (best === undefined || RANK[p] > RANK[best]) best = p;
  }
  return best ?? 'absent';
}
