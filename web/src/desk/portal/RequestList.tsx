import type { ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { ErrorNote, Loading, useLoad } from '../../shared/ui.js';
import type { MigrationRequest } from '../types.js';
import { stateLabel } from '../states.js';

/** The account's requests, newest first, each linking to its status. */
export function RequestList(): ReactNode {
  const list = useLoad(() => api<{ requests: MigrationRequest[] }>('/api/requests'), []);
  if (list.error) return <ErrorNote error={list.error} />;
  if (!list.data) return <Loading what="your requests" />;
  const requests = [...list.data.requests].sort((a, b) => b.id - a.id);
  if (requests.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="requests-heading">
      <h2 id="requests-heading">Your requests</h2>
      <ul className="plain">
        {requests.map((r) => (
          <li key={r.id}>
            <a href={`#/portal/requests/${r.id}`}>Request #{r.id}</a> — {stateLabel(r.state)}, {r.finalDate ? `final date ${r.finalDate}` : `asked for ${r.requestedDate}`}
          </li>
        ))}
      </ul>
    </section>
  );
}
