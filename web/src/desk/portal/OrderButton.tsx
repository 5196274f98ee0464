import { useState, type ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { price } from '../../shared/format.js';
import { ErrorNote, useAction } from '../../shared/ui.js';
import type { Order } from '../types.js';

/** After the free build, a further one needs a paid order (M1): the customer opens it here; the vendor records the payment. */
export function OrderButton(): ReactNode {
  const [order, setOrder] = useState<Order | undefined>(undefined);
  const open = useAction(async () => setOrder(await api<Order>('/api/orders', { body: {} })));
  if (order) {
    return (
      <p className="ok" role="status">
        Order #{order.id} for a further build is open ({price(order.priceCents, order.currency)}). Send the request again once the vendor has recorded your payment.
      </p>
    );
  }
  return (
    <div className="actions">
      <button type="button" className="secondary" onClick={() => void open.run()} disabled={open.busy}>
        Order a further build
      </button>
      <ErrorNote error={open.error} />
    </div>
  );
}
