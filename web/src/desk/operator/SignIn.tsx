import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { ErrorNote, Field, useAction } from '../../shared/ui.js';
import type { Session } from '../session.js';

/** The operator's own sign-in (not a cloud login). */
export function SignIn({ session }: { session: Session }): ReactNode {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(async () => {
    await api('/api/operator/sessions', { body: { email: email.trim(), password } });
    session.refresh();
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void action.run();
  };
  return (
    <>
      <h1>Operator desk</h1>
      {session.who?.role === 'customer' ? <p className="warn">You are signed in as a customer; sign in with an operator account to use the desk.</p> : null}
      <form className="panel narrow" onSubmit={submit} aria-label="Operator sign-in">
        <Field label="E-mail" type="email" value={email} onChange={setEmail} required autoComplete="username" />
        <Field label="Password" type="password" value={password} onChange={setPassword} required autoComplete="current-password" />
        <div className="actions">
          <button type="submit" disabled={action.busy}>
            {action.busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
        <ErrorNote error={action.error} />
      </form>
    </>
  );
}
