import type { ReactNode } from 'react';
import { ActionForm } from './ActionForm.js';
import { list, type PanelProps } from './types.js';

/** R5: whether the served certificate is trusted, and the two ways to replace the self-signed one. */
export function R5Certificate({ task, refresh }: PanelProps): ReactNode {
  const d = task.details ?? {};
  const problems = list<string>(d['problems']);
  return (
    <>
      {typeof d['subject'] === 'string' ? (
        <dl className="facts">
          <dt>Trust</dt>
          <dd className={d['trusted'] ? 'ok' : 'warn'}>{d['trusted'] ? 'trusted' : 'not trusted'}</dd>
          <dt>Source</dt>
          <dd>{String(d['source'])}</dd>
          <dt>Host</dt>
          <dd>{String(d['host'])}</dd>
          <dt>Issuer</dt>
          <dd className="break">{String(d['issuer'])}</dd>
          <dt>Valid until</dt>
          <dd>{new Date(String(d['validTo'])).toLocaleDateString()}</dd>
        </dl>
      ) : null}
      {problems.length > 0 ? <ul className="compact warn">{problems.map((p) => <li key={p}>{p}</li>)}</ul> : null}
      <ActionForm<{ check: { host: string; validTo: string } }>
        task="R5"
        action="install"
        title="Upload your certificate"
        submit="Check and install"
        busy="Checking the certificate…"
        description={<>Checked before it replaces the current one: key matches, dates, host name, chain to a trusted root. It is served after a restart of <code>repatriate serve --onprem</code>.</>}
        fields={[
          { name: 'cert', label: 'Certificate (PEM)', kind: 'pem', file: true, required: true },
          { name: 'key', label: 'Private key (PEM)', kind: 'pem', file: true, required: true, secret: true, help: 'stays on this server (mode 0600), never shown again' },
          { name: 'chain', label: 'Intermediate certificates (PEM, optional)', kind: 'pem', file: true },
        ]}
        blame={(e) => (/key/i.test(e.message) && !/certificate file/i.test(e.message) ? 'key' : /chain|intermediate/i.test(e.message) ? 'chain' : 'cert')}
        onDone={refresh}
        show={() => <p className="ok">Installed. Restart <code>repatriate serve --onprem</code> to serve it.</p>}
      />
      <ActionForm<unknown>
        task="R5"
        action="letsencrypt"
        title="Or get one from Let’s Encrypt"
        submit="Order the certificate"
        busy="Ordering (this can take a minute)…"
        description={<>Needs the public address (P5) to reach this server on port 80 (<code>serve --onprem --http-port 80</code>).</>}
        fields={[
          { name: 'email', label: 'Contact e-mail for Let’s Encrypt', kind: 'email', required: true },
          { name: 'directoryUrl', label: 'ACME directory (optional)', kind: 'url', help: 'empty: Let’s Encrypt production' },
        ]}
        blame={(e) => (/directory/i.test(e.message) ? 'directoryUrl' : /mail/i.test(e.message) ? 'email' : undefined)}
        onDone={refresh}
        show={() => <p className="ok">Certificate issued and installed. Restart <code>repatriate serve --onprem</code> to serve it.</p>}
      />
    </>
  );
}
