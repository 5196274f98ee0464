import type { ReactNode } from 'react';
import { when } from '../../shared/format.js';
import { reached } from '../states.js';
import type { RequestDetail } from '../types.js';

/** Where the request stands: submitted → approved/final date → frozen → building → ready (M7, M8, M12). */
type Step = { key: string; title: string; status: 'done' | 'current' | 'todo' | 'stopped' | 'off'; text: string };

function steps(r: RequestDetail): Step[] {
  const s = r.state;
  const rejected = s === 'rejected';
  const mark = (done: boolean, current: boolean): Step['status'] => (rejected && !done ? 'off' : done ? 'done' : current ? 'current' : 'todo');
  const a = r.archive;
  return [
    { key: 'submitted', title: 'Submitted', status: 'done', text: `on ${when(r.createdAt)}; the automatic checks passed` },
    {
      key: 'approved',
      title: 'Approved',
      status: rejected ? 'stopped' : mark(reached(s, 'approved'), s === 'checks' || s === 'submitted'),
      text: rejected ? `rejected: ${r.reason ?? ''}` : reached(s, 'approved') ? 'by the vendor' : 'waiting for the vendor',
    },
    {
      key: 'final',
      title: 'Final date',
      status: mark(r.finalDate !== null, s === 'approved'),
      text: r.finalDate
        ? `${r.finalDate}${r.finalDate !== r.requestedDate ? ` (you asked for ${r.requestedDate})` : ''}`
        : `you asked for ${r.requestedDate}; the vendor sets the final date`,
    },
    {
      key: 'frozen',
      title: 'Frozen',
      status: mark(reached(s, 'frozen'), s === 'scheduled'),
      text: reached(s, 'frozen')
        ? `the cloud account can no longer be worked in; the archive is built from the nightly backup of the night before ${a?.night ?? r.finalDate ?? ''}`
        : `on the final date the cloud account is frozen; later changes are not in the archive`,
    },
    {
      key: 'building',
      title: 'Building',
      status: mark(reached(s, 'ready'), s === 'frozen' || s === 'building' || s === 'failed'),
      text: reached(s, 'ready') ? `done on ${when(a?.readyAt)}` : s === 'failed' ? 'the last attempt failed; it is retried automatically' : `usually ${r.assessment.estimate.promisedDays.min}–${r.assessment.estimate.promisedDays.max} days`,
    },
    {
      key: 'ready',
      title: 'Ready',
      status: mark(reached(s, 'ready'), false),
      text: reached(s, 'ready') && a ? `kept until ${when(a.expiresAt)}, then deleted everywhere` : 'the archive is kept for 7 days',
    },
  ];
}

const statusWords: Record<Step['status'], string> = { done: 'done', current: 'now', todo: 'to come', stopped: 'stopped', off: 'not reached' };

export function Timeline({ request }: { request: RequestDetail }): ReactNode {
  return (
    <section className="panel" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Where your request stands</h2>
      <ol className="timeline">
        {steps(request).map((step) => (
          <li key={step.key} className={step.status} aria-current={step.status === 'current' ? 'step' : undefined}>
            <strong>{step.title}</strong> <span className="status">{statusWords[step.status]}</span>
            <div>{step.text}</div>
          </li>
        ))}
      </ol>
    </section>
  );
}
