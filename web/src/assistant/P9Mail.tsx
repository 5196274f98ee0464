import type { ReactNode } from 'react';
import { ActionForm } from './ActionForm.js';
import type { PanelProps } from './types.js';

/** P9: outgoing mail through the customer's own SMTP server, saved only after it connected, then tested. */
export function P9Mail({ refresh }: PanelProps): ReactNode {
  return (
    <>
      <ActionForm<{ server: string }>
        task="P9"
        action="configure"
        title="Your SMTP server"
        submit="Connect and save"
        busy="Connecting…"
        fields={[
          { name: 'smtp', label: 'SMTP address', kind: 'url', required: true, secret: true, help: 'smtp://user:password@mail.example.com:587 or smtps://…:465 — the password is stored, never shown again' },
          { name: 'from', label: 'Sender address', kind: 'email', required: true },
          { name: 'requireTls', label: 'Require STARTTLS', kind: 'check' },
          { name: 'ca', label: 'CA certificate of the mail server (optional, PEM)', kind: 'pem', file: true },
        ]}
        blame={(e) => (e.code === 'REPAT_MAIL_FAILED' || /smtp/i.test(e.message) ? 'smtp' : /from|sender/i.test(e.message) ? 'from' : undefined)}
        onDone={refresh}
        show={(r) => <p className="ok">Connected to {r.server} and saved.</p>}
      />
      <ActionForm<{ server: string }>
        task="P9"
        action="test"
        title="Send a test mail"
        submit="Send test mail"
        busy="Sending…"
        fields={[{ name: 'to', label: 'Send the test mail to', kind: 'email', required: true }]}
        onDone={refresh}
        show={(r) => <p className="ok">The test mail went through {r.server}.</p>}
      />
    </>
  );
}
