import type { ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { when } from '../../shared/format.js';
import { ErrorNote, Loading, useLoad } from '../../shared/ui.js';
import type { AuditEntry } from '../types.js';

/** The audit trail of one subject (M13), newest first; reloaded when the subject changes (`version`) and every 5 s for actions that change nothing else (a re-sent link). */
export function AuditTrail({ subject, version }: { subject: string; version: string }): ReactNode {
  const trail = useLoad(() => api<{ entries: AuditEntry[] }>(`/api/audit?subject=${encodeURIComponent(subject)}`), [subject, version], 5000);
  return (
    <section className="panel" aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit trail</h2>
      {trail.error ? <ErrorNote error={trail.error} /> : null}
      {!trail.data ? (
        <Loading what="the audit trail" />
      ) : (
        <div className="table-wrap">
          <table className="audit stack">
            <caption className="sr-only">Audit entries of {subject}</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {trail.data.entries.map((e) => (
                <tr key={e.id}>
                  <td data-label="When">{when(e.at)}</td>
                  <td data-label="Who" className="wrap">{e.actor}</td>
                  <td data-label="What">{e.action}</td>
                  <td data-label="Details" className="wrap">{Object.keys(e.details).length ? JSON.stringify(e.details) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
