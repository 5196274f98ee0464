import { useEffect, useState, type ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { when } from '../../shared/format.js';
import { ErrorNote, Loading, useLoad } from '../../shared/ui.js';
import { AssessmentView } from '../AssessmentView.js';
import { BuildProgress } from '../BuildProgress.js';
import { pollEvery, stateLabel } from '../states.js';
import type { RequestDetail } from '../types.js';
import { AuditTrail } from './AuditTrail.js';
import { Decisions } from './Decisions.js';

/** One request for the operator: facts, decisions, the build's progress, the assessment, the audit trail. */
export function RequestPage({ id }: { id: number }): ReactNode {
  const [every, setEvery] = useState<number | undefined>(1500);
  const detail = useLoad(() => api<RequestDetail>(`/api/operator/requests/${id}`), [id], every);
  const state = detail.data?.state;
  useEffect(() => setEvery(pollEvery(state)), [state]);
  if (!detail.data) return detail.error ? <ErrorNote error={detail.error} /> : <Loading what={`request #${id}`} />;
  const r = detail.data;
  return (
    <>
      <h1>
        Request #{r.id}: <span className="state">{stateLabel(r.state)}</span>
      </h1>
      {detail.error ? <ErrorNote error={detail.error} /> : null}
      <section className="panel" aria-labelledby="facts-heading">
        <h2 id="facts-heading">Request</h2>
        <dl className="facts">
          <dt>Account</dt>
          <dd>{r.accountUrl}</dd>
          <dt>License</dt>
          <dd>{r.licenseId}</dd>
          <dt>Requested date</dt>
          <dd>{r.requestedDate}</dd>
          <dt>Final date</dt>
          <dd>{r.finalDate ?? 'not set'}</dd>
          <dt>Build</dt>
          <dd>{r.build === 'free' ? 'free (first build)' : `paid, order #${r.orderId}`}</dd>
          <dt>Flags</dt>
          <dd>{r.flags.join(', ') || 'none'}</dd>
          <dt>Terms</dt>
          <dd>
            {r.confirmation.termsVersion}, confirmed by {r.confirmation.confirmedBy} on {when(r.confirmation.confirmedAt)}
          </dd>
          {r.reason ? (
            <>
              <dt>Reason</dt>
              <dd>{r.reason}</dd>
            </>
          ) : null}
        </dl>
      </section>
      <Decisions request={r} onChange={detail.reload} />
      {r.archive ? (
        <section className="panel" aria-labelledby="build-heading">
          <h2 id="build-heading">Build</h2>
          <BuildProgress build={r.archive} />
          {r.archive.readyAt ? <p>Ready {when(r.archive.readyAt)}; kept until {when(r.archive.expiresAt)}{r.archive.deletedAt ? `; deleted ${when(r.archive.deletedAt)}` : ''}.</p> : null}
        </section>
      ) : null}
      <section aria-labelledby="assessment-heading">
        <h2 id="assessment-heading">Assessment at submission</h2>
        <AssessmentView assessment={r.assessment} level={3} />
      </section>
      <AuditTrail subject={`request:${r.id}`} version={`${r.state} ${r.finalDate ?? ''} ${r.archive?.stage ?? ''} ${r.updatedAt}`} />
    </>
  );
}
