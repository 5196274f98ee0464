import type { ReactNode } from 'react';
import { ErrorBoundary } from '../shared/boundary.js';
import { useHashRoute } from '../shared/route.js';
import { OperatorDesk } from './operator/OperatorDesk.js';
import { Portal } from './portal/Portal.js';
import { useSession } from './session.js';

/** The desk's two faces on one page: the customer portal (#/portal…) and the operator desk (#/operator…). */
export function DeskApp(): ReactNode {
  const [area, ...rest] = useHashRoute();
  const session = useSession();
  const who = session.who;
  return (
    <>
      <header className="top">
        <strong>repatriate</strong>
        <nav aria-label="Areas">
          <a href="#/portal" aria-current={area !== 'operator' ? 'page' : undefined}>Customer portal</a>
          <a href="#/operator" aria-current={area === 'operator' ? 'page' : undefined}>Operator desk</a>
        </nav>
        {who ? (
          <span className="who">
            Signed in as {who.role === 'customer' ? `${who.login} (${who.accountUrl})` : `operator ${who.email ?? ''}`}{' '}
            <button type="button" className="secondary small" onClick={() => void session.signOut()}>
              Sign out
            </button>
          </span>
        ) : null}
      </header>
      <main>
        <ErrorBoundary resetKey={[area, ...rest].join('/')}>
          {area === 'operator' ? <OperatorDesk path={rest} session={session} /> : <Portal path={rest} session={session} />}
        </ErrorBoundary>
      </main>
    </>
  );
}
