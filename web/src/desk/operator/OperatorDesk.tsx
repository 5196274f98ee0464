import type { ReactNode } from 'react';
import { ErrorNote, Loading } from '../../shared/ui.js';
import type { Session } from '../session.js';
import { Builds } from './Builds.js';
import { Orders } from './Orders.js';
import { Queue } from './Queue.js';
import { RequestPage } from './RequestPage.js';
import { SignIn } from './SignIn.js';

/** The operator desk (M13): the queue, a request's detail with decisions and audit trail, the builds, orders. */
export function OperatorDesk({ path, session }: { path: string[]; session: Session }): ReactNode {
  if (session.error) return <ErrorNote error={session.error} />;
  if (session.who === undefined) return <Loading what="your session" />;
  if (!session.who || session.who.role !== 'operator') return <SignIn session={session} />;
  const [view, id] = path;
  return (
    <>
      <nav aria-label="Operator desk" className="subnav">
        <a href="#/operator" aria-current={!view ? 'page' : undefined}>Queue</a>
        <a href="#/operator/builds" aria-current={view === 'builds' ? 'page' : undefined}>Builds</a>
        <a href="#/operator/orders" aria-current={view === 'orders' ? 'page' : undefined}>Orders</a>
      </nav>
      {view === 'requests' && id ? <RequestPage id={Number(id)} /> : view === 'orders' ? <Orders /> : view === 'builds' ? <Builds /> : <Queue />}
    </>
  );
}
