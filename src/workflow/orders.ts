import { RepatriateError } from '../core/errors.js';
import { appendAudit, type Actor } from './audit.js';
import type { Sql } from './store/store.js';

/**
 * Orders for further builds (M1): the first build of an account is free; each further one
 * needs an order that an operator has recorded as paid (no payment gateway: the vendor's
 * bookkeeping is the source of truth). Prices are whole cents.
 */
export const defaultPriceCents = 54_900;
export const currency = 'EUR';

export interface Order {
  readonly id: number;
  readonly accountUrl: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly state: 'open' | 'paid';
  readonly createdAt: string;
  readonly paidAt: string | null;
  readonly paymentReference: string | null;
  /** The request this paid order was spent on. */
  readonly requestId: number | null;
}

export function formatPrice(cents: number): string {
  return `€${Math.floor(cents / 100).toLocaleString('en')}.${String(cents % 100).padStart(2, '0')}`;
}

interface OrderRow {
  id: number;
  account_url: string;
  price_cents: number;
  currency: string;
  state: 'open' | 'paid';
  created_at: string;
  paid_at: string | null;
  payment_reference: string | null;
  request_id: number | null;
}

const select = `SELECT o.id, o.account_url, o.price_cents, o.currency, o.state, o.created_at, o.paid_at, o.payment_reference,
  (SELECT r.id FROM requests r WHERE r.order_id = o.id) AS request_id FROM orders o`;

function toOrder(r: OrderRow): Order {
  return {
    id: r.id, accountUrl: r.account_url, priceCents: r.price_cents, currency: r.currency, state: r.state,
    createdAt: new Date(r.created_at).toISOString(), paidAt: r.paid_at ? new Date(r.paid_at).toISOString() : null,
    paymentReference: r.payment_reference, requestId: r.request_id,
  };
}

export async function createOrder(sql: Sql, accountUrl: string, priceCents: number, at: Date, actor: Actor): Promise<Order> {
  const [row] = await sql.query<{ id: number }>(
    "INSERT INTO orders (account_url, price_cents, currency, state, created_at, created_by) VALUES ($1, $2, $3, 'open', $4, $5) RETURNING id",
    [accountUrl, priceCents, currency, at.toISOString(), actor],
  );
  await appendAudit(sql, at, { actor, action: 'order.create', subject: `order:${row!.id}`, details: { accountUrl, priceCents, currency } });
  return (await getOrder(sql, row!.id))!;
}

export async function getOrder(sql: Sql, id: number): Promise<Order | undefined> {
  const [row] = await sql.query<OrderRow>(`${select} WHERE o.id = $1`, [id]);
  return row ? toOrder(row) : undefined;
}

export async function listOrders(sql: Sql, accountUrl?: string): Promise<Order[]> {
  return (await sql.query<OrderRow>(`${select} WHERE ($1::text IS NULL OR o.account_url = $1) ORDER BY o.id`, [accountUrl ?? null])).map(toOrder);
}

export async function recordPayment(sql: Sql, id: number, reference: string, operator: { operatorId: number; email: string }, at: Date): Promise<Order> {
  const order = await getOrder(sql, id);
  if (!order) throw new RepatriateError('REPAT_DESK_NOT_FOUND', `no order ${id}`, { hint: 'list orders with GET /api/operator/orders' });
  if (order.state === 'paid') throw new RepatriateError('REPAT_DESK_CONFLICT', `order ${id} was already recorded as paid on ${order.paidAt}`, { hint: 'each payment is recorded once' });
  await sql.query("UPDATE orders SET state = 'paid', paid_at = $2, payment_reference = $3, recorded_by = $4 WHERE id = $1", [id, at.toISOString(), reference, operator.operatorId]);
  await appendAudit(sql, at, { actor: `operator:${operator.email}`, action: 'order.paid', subject: `order:${id}`, details: { state: { from: 'open', to: 'paid' }, reference, priceCents: order.priceCents } });
  return (await getOrder(sql, id))!;
}

/** A paid order of the account not yet spent on a request, oldest first. */
export async function paidOrderFor(sql: Sql, accountUrl: string): Promise<number | null> {
  const [row] = await sql.query<{ id: number }>(
    "SELECT o.id FROM orders o WHERE o.account_url = $1 AND o.state = 'paid' AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.order_id = o.id) ORDER BY o.id LIMIT 1",
    [accountUrl],
  );
  return row ? row.id : null;
}
