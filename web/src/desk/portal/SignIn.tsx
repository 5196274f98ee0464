import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../../shared/api.js';
import { ErrorNote, Field, useAction } from '../../shared/ui.js';
import type { Session } from '../session.js';

/** Sign-in with the cloud account's administrator login (M2): the proof that the requester administers the account. */
export function SignIn({ session }: { session: Session }): ReactNode {
  const [accountUrl, setAccountUrl] = useState('');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(async () => {
    await api('/api/sessions', { body: { accountUrl: accountUrl.trim().replace(/\/+$/, ''), login: login.trim(), password } });
    session.refresh();
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void action.run();
  };
  // A malformed address is the address field's fault; a refused login belongs to the form.
  const onAddress = action.error instanceof ApiError && /accountUrl/.test(action.error.message);
  return (
    <>
      <h1>Sign in to move your cloud account</h1>
      {session.who?.role === 'operator' ? <p className="warn">You are signed in as an operator; sign in as the account&apos;s administrator to use the portal.</p> : null}
      <form className="panel narrow" onSubmit={submit} aria-label="Administrator sign-in">
        <p className="help">Use the login of an administrator of the cloud account that is to move.</p>
        <Field label="Cloud account address" value={accountUrl} onChange={setAccountUrl} required placeholder="https://mycompany.example-cloud.de" autoComplete="url" error={onAddress ? action.error : undefined} />
        <Field label="Administrator login" value={login} onChange={setLogin} required autoComplete="username" />
        <Field label="Password" type="password" value={password} onChange={setPassword} required autoComplete="current-password" />
        <div className="actions">
          <button type="submit" disabled={action.busy}>
            {action.busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
        {!onAddress ? <ErrorNote error={action.error} /> : null}
      </form>
    </>
  );
}
