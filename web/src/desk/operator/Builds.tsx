import type { ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { when } from '../../shared/format.js';
import { ErrorNote, Loading, useLoad } from '../../shared/ui.js';
import { BuildProgress } from '../BuildProgress.js';
import { stateLabel } from '../states.js';
import type { MigrationRequest, RequestDetail } from '../types.js';

/** Every build at a glance (M8, M13): running ones with live progress, failed ones with their failure, ready ones with their retention. */
const watched = new Set(['frozen', 'building', 'failed', 'ready', 'downloaded']);

async function loadBuilds(): Promise<RequestDetail[]> {
  const { requests } = await api<{ requests: MigrationRequest[] }>('/api/operator/requests');
  const shown = requests.filter((r) => watched.has(r.state)).sort((a, b) => b.id - a.id);
  return Promise.all(shown.map((r) => api<RequestDetail>(`/api/operator/requests/${r.id}`)));
}

export function Builds(): ReactNode {
  const builds = useLoad(loadBuilds, [], 2000);
  return (
    <>
      <h1>Builds</h1>
      {builds.error ? <ErrorNote error={builds.error} /> : null}
      {!builds.data ? (
        <Loading what="the builds" />
      ) : builds.data.length === 0 ? (
        <p>No build is running or ready.</p>
      ) : (
        builds.data.map((r) => (
          <section className="panel" key={r.id} aria-labelledby={`build-${r.id}`}>
            <h2 id={`build-${r.id}`}>
              <a href={`#/operator/requests/${r.id}`}>Request #{r.id}</a> — {r.accountUrl}: {stateLabel(r.state)}
            </h2>
            {r.archive ? <BuildProgress build={r.archive} /> : null}
            {r.archive?.readyAt ? <p>Ready {when(r.archive.readyAt)}; kept until {when(r.archive.expiresAt)}.</p> : null}
          </section>
        ))
      )}
    </>
  );
}
