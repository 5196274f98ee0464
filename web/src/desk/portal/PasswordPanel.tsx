import { useState, type ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { ErrorNote, useAction } from '../../shared/ui.js';

/**
 * The archive password (M11), revealed on demand after the build and kept only on this page:
 * it is never in the request's data, and every reveal is audited.
 */
export function PasswordPanel({ id }: { id: number }): ReactNode {
  const [password, setPassword] = useState<string | undefined>(undefined);
  const reveal = useAction(async () => {
    setPassword((await api<{ password: string }>(`/api/requests/${id}/password`)).password);
  });
  return (
    <section className="panel" aria-labelledby="password-heading">
      <h2 id="password-heading">Archive password</h2>
      <p className="help">The password also reached your e-mail as a one-time link, separately from the download. You need it, the archive and the license key to restore.</p>
      {password ? (
        <>
          <p>
            <label htmlFor="archive-password">Password</label>
          </p>
          <input id="archive-password" className="secret" readOnly value={password} onFocus={(e) => e.target.select()} />
          <p className="warn">Store it in a safe place now; it leaves this page when you do.</p>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setPassword(undefined)}>
              Hide the password
            </button>
          </div>
        </>
      ) : (
        <div className="actions">
          <button type="button" onClick={() => void reveal.run()} disabled={reveal.busy}>
            {reveal.busy ? 'Revealing…' : 'Reveal the password'}
          </button>
        </div>
      )}
      <ErrorNote error={reveal.error} />
    </section>
  );
}
