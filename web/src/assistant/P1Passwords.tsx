import type { ReactNode } from 'react';
import { ActionForm } from './ActionForm.js';
import { list, type PanelProps } from './types.js';

/** P1: passwords never leave the cloud; every user gets a reset link by mail, or the administrator sets one. */
interface SendReport {
  readonly sent: readonly { readonly login: string; readonly email: string }[];
  readonly skipped: readonly { readonly login: string; readonly reason: string }[];
  readonly expiresAt: string;
}

export function P1Passwords({ refresh }: PanelProps): ReactNode {
  return (
    <>
      <ActionForm<SendReport>
        task="P1"
        action="send"
        title="Send reset mails"
        submit="Send reset mails"
        busy="Sending mails…"
        description="Mails a single-use link to every active user without a password, through your own SMTP server (P9). The link points at the public address (P5) unless you give another."
        fields={[
          { name: 'linkBase', label: 'Address the links point at (optional)', kind: 'url', help: 'e.g. https://intranet.example.com — leave empty to use the public address' },
          { name: 'hours', label: 'Links valid for (hours, optional)', kind: 'number', help: '48 when empty' },
        ]}
        onDone={refresh}
        show={(r) => (
          <>
            <p className="ok">
              Sent {r.sent.length} reset mails; the links work until {new Date(r.expiresAt).toLocaleString()}.
            </p>
            {list<{ login: string; email: string }>(r.sent).length > 0 ? (
              <ul className="compact">
                {r.sent.map((s) => (
                  <li key={s.login}>{s.email}</li>
                ))}
              </ul>
            ) : null}
            {r.skipped.length > 0 ? <p className="warn">Skipped: {r.skipped.map((s) => `${s.login} (${s.reason})`).join(', ')}</p> : null}
          </>
        )}
      />
      <ActionForm<{ userId: number }>
        task="P1"
        action="set-password"
        title="Set a password by hand"
        submit="Set password"
        fields={[
          { name: 'login', label: 'Login', required: true, autoComplete: 'off' },
          { name: 'password', label: 'New password', kind: 'password', required: true, secret: true, autoComplete: 'new-password', help: 'at least 10 characters' },
        ]}
        blame={(e) => (/password/i.test(e.message) ? 'password' : /login|user/i.test(e.message) ? 'login' : undefined)}
        onDone={refresh}
        show={(r) => <p className="ok">Password set for user #{r.userId}: they can sign in now.</p>}
      />
    </>
  );
}
