import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../shared/api.js';
import { Field } from '../shared/ui.js';

/**
 * A user's sign-in to the installation (P1: proves people can log in again). The API checks the
 * password and opens no session, so the page only says who signed in.
 */
export function UserSignIn({ login: initial }: { login?: string }): ReactNode {
  const [login, setLogin] = useState(initial ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [user, setUser] = useState<{ userId: number; login: string } | undefined>(undefined);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setUser(await api<{ userId: number; login: string }>('/api/onprem/sign-in', { body: { login: login.trim(), password } }));
      setPassword('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (user) {
    return (
      <>
        <h1>Welcome back</h1>
        <section className="panel narrow" role="status">
          <p className="ok">You are signed in as <strong>{user.login}</strong> on your company’s own server.</p>
          <button type="button" className="secondary" onClick={() => setUser(undefined)}>Sign out</button>
        </section>
      </>
    );
  }
  return (
    <>
      <h1>Sign in</h1>
      <section className="panel narrow">
        <form onSubmit={(e) => void submit(e)} aria-label="Sign in" noValidate>
          <Field label="Login" value={login} onChange={setLogin} required autoComplete="username" />
          <Field label="Password" type="password" value={password} onChange={setPassword} required autoComplete="current-password" error={error} />
          <div className="actions">
            <button type="submit" disabled={busy || login.trim() === '' || password === ''}>{busy ? 'Signing in…' : 'Sign in'}</button>
          </div>
        </form>
        <p className="help">No password yet? Use the link in the mail your administrator sent.</p>
      </section>
    </>
  );
}
