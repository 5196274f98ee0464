import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../shared/api.js';
import { Field } from '../shared/ui.js';

/**
 * The administrator signs in with the token `repatriate serve --onprem` made; the token is
 * checked against the server before it is kept (in sessionStorage, for this tab only).
 */
export function AdminSignIn({ onSignedIn, refused }: { onSignedIn: (token: string) => void; refused?: unknown }): ReactNode {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(refused ? new ApiError(401, 'REPAT_UNAUTHORIZED', 'the server no longer accepts the token of this tab', 'sign in again with the administrator token') : undefined);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api('/api/onprem/status', { token: token.trim() });
      onSignedIn(token.trim());
    } catch (e) {
      // The API's 401 speaks to scripts (a header); a person typed a token.
      setError(e instanceof ApiError && e.status === 401 ? new ApiError(401, e.code, 'this is not the administrator token', 'copy it again from the admin-token file named below') : e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h1>Sign in to the assistant</h1>
      <section className="panel narrow">
        <form onSubmit={(e) => void submit(e)} aria-label="Administrator sign-in" noValidate>
          <Field
            label="Administrator token"
            type="password"
            value={token}
            onChange={setToken}
            required
            autoComplete="off"
            error={error}
            help={
              <>
                <code>repatriate serve --onprem</code> prints where it keeps the token: the file{' '}
                <code className="break">&lt;data-dir&gt;/.repatriate/assistant/admin-token</code> on the server (readable by its administrator only), or{' '}
                <code>REPATRIATE_ADMIN_TOKEN</code> if you set it.
              </>
            }
          />
          <div className="actions">
            <button type="submit" disabled={busy || token.trim() === ''}>{busy ? 'Checking…' : 'Sign in'}</button>
          </div>
        </form>
        <p className="help">The token is kept in this browser tab only and forgotten when you close it.</p>
      </section>
      <p>
        Not the administrator? <a href="#/sign-in">Sign in as a user</a>.
      </p>
    </>
  );
}
