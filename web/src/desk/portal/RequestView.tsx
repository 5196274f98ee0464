import { useEffect, useState, type ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { when } from '../../shared/format.js';
import { ErrorNote, Loading, useLoad } from '../../shared/ui.js';
import { AssessmentView } from '../AssessmentView.js';
import { BuildProgress } from '../BuildProgress.js';
import { pollEvery, stateLabel } from '../states.js';
import type { RequestDetail } from '../types.js';
import { DownloadPanel } from './DownloadPanel.js';
import { PasswordPanel } from './PasswordPanel.js';
import { Timeline } from './Timeline.js';

/** One request as the customer follows it: the timeline, the build's live progress, then password and download. */
export function RequestView({ id }: { id: number }): ReactNode {
  const [every, setEvery] = useState<number | undefined>(1500);
  const detail = useLoad(() => api<RequestDetail>(`/api/requests/${id}`), [id], every);
  const state = detail.data?.state;
  useEffect(() => setEvery(pollEvery(state)), [state]);
  if (!detail.data) return detail.error ? <ErrorNote error={detail.error} /> : <Loading what={`request #${id}`} />;
  const r = detail.data;
  const downloadable = r.state === 'ready' || r.state === 'downloaded';
  return (
    <>
      <p>
        <a href="#/portal">← All requests</a>
      </p>
      <h1>
        Request #{r.id}: <span className="state">{stateLabel(r.state)}</span>
      </h1>
      {detail.error ? <ErrorNote error={detail.error} /> : null}
      <p className="help">
        {r.accountUrl}, license {r.licenseId}, {r.build} build; terms {r.confirmation.termsVersion} confirmed by {r.confirmation.confirmedBy} on {when(r.confirmation.confirmedAt)}.
      </p>
      {r.state === 'rejected' ? (
        <section className="panel is-bad" aria-labelledby="rejected-heading">
          <h2 id="rejected-heading">The vendor rejected this request</h2>
          <p className="reason">Reason: {r.reason}</p>
        </section>
      ) : null}
      <Timeline request={r} />
      {r.archive && (r.state === 'frozen' || r.state === 'building' || r.state === 'failed') ? (
        <section className="panel" aria-labelledby="build-heading">
          <h2 id="build-heading">Build</h2>
          <BuildProgress build={r.archive} />
        </section>
      ) : null}
      {downloadable && r.archive ? (
        <>
          <PasswordPanel id={r.id} />
          <DownloadPanel request={r} archive={r.archive} onReceipt={detail.reload} />
        </>
      ) : null}
      {(r.state === 'expired' || r.state === 'purged') && r.archive ? (
        <section className="panel is-bad" aria-labelledby="deleted-heading">
          <h2 id="deleted-heading">The archive is deleted</h2>
          <p className="deleted">
            {r.archive.deletedAt ? `Deleted on ${when(r.archive.deletedAt)}` : `Expired on ${when(r.archive.expiresAt)}; it is being deleted`}, after the 7 days it was kept. A further
            build can be ordered.
          </p>
        </section>
      ) : null}
      {r.messages.length > 0 ? (
        <section className="panel" aria-labelledby="messages-heading">
          <h2 id="messages-heading">Messages</h2>
          <ul className="plain">
            {r.messages.map((m) => (
              <li key={m.id}>
                <strong>{m.role === 'operator' ? 'Vendor' : m.author}</strong>, {when(m.createdAt)}: {m.body}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <details className="panel">
        <summary>The assessment this request was checked with</summary>
        <AssessmentView assessment={r.assessment} level={3} />
      </details>
    </>
  );
}
