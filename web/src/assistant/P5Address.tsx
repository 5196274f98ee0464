import type { ReactNode } from 'react';
import { ActionForm } from './ActionForm.js';
import { list, type PanelProps } from './types.js';

/** P5: the public address in imconnector, imopenlines and imbot, shown before → after. */
interface Change { readonly module: string; readonly name: string; readonly before: string; readonly after: string }
interface Remaining { readonly table: string; readonly column: string; readonly rows: number; readonly examples: readonly string[] }
interface Report { readonly oldAddress: string; readonly publicAddress: string; readonly changes: readonly Change[]; readonly remaining: readonly Remaining[] }

function Changes({ changes, caption }: { changes: readonly { module: string; name: string; before: string; after: string }[]; caption: string }): ReactNode {
  return (
    <div className="table-wrap">
      <table className="before-after">
        <caption>{caption}</caption>
        <thead><tr><th scope="col">Setting</th><th scope="col">Before</th><th scope="col" aria-label="changes to"></th><th scope="col">After</th></tr></thead>
        <tbody>
          {changes.map((c) => (
            <tr key={`${c.module}.${c.name}`}>
              <td><code>{c.module}.{c.name}</code></td>
              <td className="before">{c.before}</td>
              <td aria-hidden="true">→</td>
              <td className="after">{c.after}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function P5Address({ task, refresh }: PanelProps): ReactNode {
  const d = task.details ?? {};
  const stale = list<{ module: string; name: string; value: string }>(d['stale']);
  const current = typeof d['publicAddress'] === 'string' ? d['publicAddress'] : undefined;
  return (
    <>
      {stale.length > 0 ? (
        <ul className="compact">
          {stale.map((s) => <li key={`${s.module}.${s.name}`}><code>{s.module}.{s.name}</code> = {s.value}</li>)}
        </ul>
      ) : null}
      {current ? <p>Public address: <strong>{current}</strong> (was {String(d['oldAddress'])})</p> : null}
      <ActionForm<Report>
        task="P5"
        action="set"
        title="Set the new public address"
        submit="Set the public address"
        busy="Updating the modules…"
        fields={[
          { name: 'to', label: 'New public address', kind: 'url', required: true, help: 'the address users and channels reach this server at, e.g. https://intranet.example.com' },
          { name: 'from', label: 'Old address (optional)', kind: 'url', help: 'empty: the cloud account’s address' },
        ]}
        blame={(e) => (e.status === 409 && /old|from/i.test(e.message) ? 'from' : undefined)}
        onDone={refresh}
        show={(r) => (
          <>
            <Changes caption={`${r.oldAddress} → ${r.publicAddress}`} changes={r.changes} />
            {r.remaining.length > 0 ? (
              <p className="help">
                Still naming the old address elsewhere (outside these modules): {r.remaining.map((p) => `${p.table}.${p.column} (${p.rows})`).join(', ')}.
              </p>
            ) : null}
          </>
        )}
      />
    </>
  );
}
