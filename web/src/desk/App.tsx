import type { ReactNode } from 'react';
import { useHashRoute } from '../shared/route.js';

/** The desk's two faces on one page: the customer portal (#/portal…) and the operator desk (#/operator…). */
export function DeskApp(): ReactNode {
  const [area] = useHashRoute();
  return (
    <>
      <header className="top">
        <strong>repatriate</strong>
        <nav aria-label="Areas">
          <a href="#/portal">Customer portal</a>
          <a href="#/operator">Operator desk</a>
        </nav>
      </header>
      <main>{area === 'operator' ? <h1>Operator desk</h1> : <h1>Move your account to your own server</h1>}</main>
    </>
  );
}
