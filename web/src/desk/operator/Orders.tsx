import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { price, when } from '../../shared/format.js';
import { ErrorNote, Field, Loading, useAction, useLoad } from '../../shared/ui.js';
import type { Order } from '../types.js';

/** Orders for further builds (M1): open one for an account, mark one paid with its payment reference. */
export function Orders(): ReactNode {
  const orders = useLoad(() => api<{ orders: Order[] }>('/api/operator/orders'), []);
  const [account, setAccount] = useState('');
  const open = useAction(async () => {
    await api('/api/operator/orders', { body: { accountUrl: account.trim().replace(/\/+$/, '') } });
    setAccount('');
    orders.reload();
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void open.run();
  };
  return (
    <>
      <h1>Orders</h1>
      <form className="panel" onSubmit={submit} aria-label="New order">
        <h2>Open an order for a further build</h2>
        <Field label="Cloud account address" value={account} onChange={setAccount} required placeholder="https://mycompany.example-cloud.de" error={open.error} />
        <button type="submit" disabled={open.busy}>Open the order</button>
      </form>
      {orders.error ? <ErrorNote error={orders.error} /> : null}
      {!orders.data ? (
        <Loading what="the orders" />
      ) : orders.data.orders.length === 0 ? (
        <p>No orders yet.</p>
      ) : (
        <ul className="plain orders">
          {orders.data.orders.map((o) => (
            <OrderRow key={o.id} order={o} onPaid={orders.reload} />
          ))}
        </ul>
      )}
    </>
  );
}

function OrderRow({ order: o, onPaid }: { order: Order; onPaid: () => void }): ReactNode {
  const [reference, setReference] = useState('');
  const pay = useAction(async () => {
    await api(`/api/operator/orders/${o.id}/payment`, { body: { reference: reference.trim() } });
    onPaid();
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void pay.run();
  };
  return (
    <li className="panel">
      <strong>Order #{o.id}</strong> — {o.accountUrl}, {price(o.priceCents, o.currency)}, opened {when(o.createdAt)}:{' '}
      {o.state === 'paid' ? (
        <span className="ok">
          paid {when(o.paidAt)} (reference {o.paymentReference}){o.requestId ? `, used by request #${o.requestId}` : ', not used yet'}
        </span>
      ) : (
        <span className="warn">open</span>
      )}
      {o.state === 'open' ? (
        <form onSubmit={submit} aria-label={`Payment of order ${o.id}`}>
          <Field label={`Payment reference of order #${o.id}`} value={reference} onChange={setReference} required error={pay.error} />
          <button type="submit" disabled={pay.busy || !reference.trim()}>Mark as paid</button>
        </form>
      ) : null}
    </li>
  );
}
