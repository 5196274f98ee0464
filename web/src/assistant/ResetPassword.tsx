import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../shared/api.js';
import { Field } from '../shared/ui.js';

/**
 * A user's own page: the reset link of the mail (P1) lands here (`/reset-password?token=…` is
 * redirected to `#/reset/<token>`); the user chooses a password and goes on to sign in.
 */
const minLength = 10;

export function ResetPassword({ token }: { token: string }): ReactNode {
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [mismatch, setMismatch] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    setMismatch(undefined);
    if (password !== again) {
      setMismatch('the two passwords differ');
      return;
    }
    setBusy(true);
    try {
      const answer = await api<{ login: string }>('/api/onprem/password-reset', { body: { token, password } });
      setDone(answer.login);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <>
        <h1>Your password is set</h1>
        <section className="panel narrow" role="status">
          <p className="ok">The password of <strong>{done}</strong> is set. The link cannot be used again.</p>
          <p><a className="button" href={`#/sign-in/${encodeURIComponent(done)}`}>Sign in now</a></p>
        </section>
      </>
    );
  }
  // A spent or expired link (410) concerns the link, not the password typed.
  const linkProblem = error instanceof ApiError && (error.status === 410 || error.status === 404 || error.status === 400 && /token/i.test(error.message));
  return (
    <>
      <h1>Choose your new password</h1>
      <section className="panel narrow">
        <p>Your account moved to your company’s own server; passwords did not move with it. Choose a new one.</p>
        <form onSubmit={(e) => void submit(e)} aria-label="Choose a new password" noValidate>
          <Field label="New password" type="password" value={password} onChange={setPassword} required autoComplete="new-password" help={`at least ${minLength} characters`} error={linkProblem ? undefined : error} />
          <Field label="New password again" type="password" value={again} onChange={setAgain} required autoComplete="new-password" error={mismatch ? new Error(mismatch) : undefined} />
          <div className="actions">
            <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Set password'}</button>
          </div>
          {linkProblem ? (
            <div className="error" role="alert">
              <strong>{(error as ApiError).message}</strong>
              <div className="hint">{(error as ApiError).hint ?? 'ask your administrator for a new link'}</div>
            </div>
          ) : null}
        </form>
      </section>
    </>
  );
}
