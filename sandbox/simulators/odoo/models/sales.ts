/**
 * sale.order / sale.order.line: how Odoo shows it has a channel's order. An order exists in Odoo only once the
 * world has ingested it (`client_order_ref` = the world's `<channel>:<orderId>` reference); it is `sale` while
 * reserved, `done` (16) or `sale` with delivery_status `full` (17+) when shipped, and `cancel` when cancelled.
 * The lines are the world's (kits already exploded into components).
 */
import type { ErpOrder } from '../../../world';
import type { Env, ModelDef, Row } from '../env';
import { shippedOrderState } from '../version';
import { saleOrderName } from './moves';
import { productBySku } from './products';

const ingested = (env: Env): ErpOrder[] => env.world.erpOrders.filter((o) => o.ingestedAt !== undefined);

const state = (env: Env, o: ErpOrder): string =>
  o.status === 'cancelled' ? 'cancel' : o.status === 'shipped' ? shippedOrderState(env.version) : 'sale';

const lineId = (o: ErpOrder, i: number) => o.id * 1000 + i + 1;

export const saleOrder: ModelDef = {
  name: 'sale.order',
  description: 'Sales Order',
  order: 'date_order desc, id desc',
  fields: (v) => ({
    name: { type: 'char', string: 'Order Reference', readonly: true },
    client_order_ref: { type: 'char', string: 'Customer Reference' },
    origin: { type: 'char', string: 'Source Document' },
    state: {
      type: 'selection',
      string: 'Status',
      readonly: true,
      selection: [
        ['draft', 'Quotation'],
        ['sent', 'Quotation Sent'],
        ['sale', 'Sales Order'],
        ...(v === 16 ? ([['done', 'Locked']] as [string, string][]) : []),
        ['cancel', 'Cancelled'],
      ],
    },
    ...(v >= 17 ? { locked: { type: 'boolean' as const, string: 'Locked' } } : {}),
    delivery_status: {
      type: 'selection',
      string: 'Delivery Status',
      selection: [
        ['pending', 'Not Delivered'],
        ['started', 'Started'],
        ['partial', 'Partially Delivered'],
        ['full', 'Fully Delivered'],
      ],
    },
    date_order: { type: 'datetime', string: 'Order Date', required: true },
    partner_id: { type: 'many2one', string: 'Customer', relation: 'res.partner', required: true },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company' },
    order_line: { type: 'one2many', string: 'Order Lines', relation: 'sale.order.line' },
  }),
  rows: (env) =>
    ingested(env).map((o): Row => ({
      id: o.id,
      values: {
        name: saleOrderName(o.id),
        client_order_ref: o.reference,
        origin: false,
        state: state(env, o),
        ...(env.version >= 17 ? { locked: o.status === 'shipped' } : {}),
        delivery_status: o.status === 'shipped' ? 'full' : o.status === 'reserved' ? 'pending' : false,
        date_order: o.ingestedAt as number,
        partner_id: 3,
        company_id: 1,
        order_line: o.lines.map((_, i) => lineId(o, i)),
        create_date: o.ingestedAt as number,
        write_date: o.writeDate,
      },
    })),
  displayName: (row) => row.values.name as string,
};

export const saleOrderLine: ModelDef = {
  name: 'sale.order.line',
  description: 'Sales Order Line',
  order: 'order_id, sequence, id',
  fields: () => ({
    order_id: { type: 'many2one', string: 'Order Reference', relation: 'sale.order', required: true },
    sequence: { type: 'integer', string: 'Sequence' },
    name: { type: 'text', string: 'Description', required: true },
    product_id: { type: 'many2one', string: 'Product', relation: 'product.product' },
    product_uom_qty: { type: 'float', string: 'Quantity', required: true },
    qty_delivered: { type: 'float', string: 'Delivered Quantity' },
    state: { type: 'selection', string: 'Order Status', readonly: true },
  }),
  rows: (env) =>
    ingested(env).flatMap((o) =>
      o.lines.map((l, i): Row => {
        const product = productBySku(env, l.sku);
        const delivered = o.status === 'shipped' ? l.allocations.reduce((s, a) => s + a.qty, 0) : 0;
        return {
          id: lineId(o, i),
          values: {
            order_id: o.id,
            sequence: 10,
            name: product ? `[${l.sku}] ${product.name}` : l.sku,
            product_id: product?.id ?? false,
            product_uom_qty: l.qty,
            qty_delivered: delivered,
            state: state(env, o),
            create_date: o.ingestedAt as number,
            write_date: o.writeDate,
          },
        };
      }),
    ),
  displayName: (row, env) =>
    `${env.displayNameOf('sale.order', row.values.order_id as number)} - ${row.values.name as string}`,
};
