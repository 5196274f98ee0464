import type { ReactNode } from 'react';
import { ErrorNote, Loading } from '../../shared/ui.js';
import type { Session } from '../session.js';
import { NewRequest } from './NewRequest.js';
import { RequestList } from './RequestList.js';
import { RequestView } from './RequestView.js';
import { SignIn } from './SignIn.js';

/** The customer portal: sign in as the account's administrator, assess, request, follow the request. */
export function Portal({ path, session }: { path: string[]; session: Session }): ReactNode {
  if (session.error) return <ErrorNote error={session.error} />;
  if (session.who === undefined) return <Loading what="your session" />;
  if (!session.who || session.who.role !== 'customer') return <SignIn session={session} />;
  const [view, id] = path;
  if (view === 'requests' && id) return <RequestView id={Number(id)} />;
  return (
    <>
      <h1>Move your account to your own server</h1>
      <RequestList />
      <NewRequest accountUrl={session.who.accountUrl ?? ''} />
    </>
  );
}
