import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { tomorrow, when } from '../../shared/format.js';
import { ErrorNote, Field, TextArea, useAction } from '../../shared/ui.js';
import type { RequestDetail } from '../types.js';

/** The operator's actions on a request (M13), each offered only in the states that allow it; errors show beside the action. */
export function Decisions({ request: r, onChange }: { request: RequestDetail; onChange: () => void }): ReactNode {
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const [finalDate, setFinalDate] = useState(r.finalDate ?? r.requestedDate);
  const [sent, setSent] = useState<string | undefined>(undefined);
  const post = (what: string, body: unknown) => async () => {
    await api(`/api/operator/requests/${r.id}/${what}`, { body });
    onChange();
  };
  const approve = useAction(post('approve', note.trim() ? { note: note.trim() } : {}));
  const reject = useAction(post('reject', { reason: reason.trim() }));
  const schedule = useAction(post('schedule', { finalDate }));
  const resend = useAction(async () => {
    const result = await api<{ to: string; linkExpiresAt: string; sent: boolean }>(`/api/operator/requests/${r.id}/password-mail`, { body: {} });
    setSent(`A new one-time link went to ${result.to}${result.sent ? '' : ' (recorded; no SMTP configured)'}; it works until ${when(result.linkExpiresAt)}.`);
  });
  const on = (run: () => Promise<unknown>) => (e: FormEvent) => {
    e.preventDefault();
    void run();
  };
  const canApprove = r.state === 'checks';
  const canReject = ['submitted', 'checks', 'approved', 'scheduled'].includes(r.state);
  const canSchedule = r.state === 'approved' || r.state === 'scheduled';
  const canResend = r.state === 'ready' || r.state === 'downloaded';
  if (!canApprove && !canReject && !canSchedule && !canResend) return null;
  return (
    <section className="panel" aria-labelledby="decide-heading">
      <h2 id="decide-heading">Actions</h2>
      <div className="grid">
        {canApprove ? (
          <form onSubmit={on(approve.run)} aria-label="Approve">
            <TextArea label="Note to the customer (optional)" value={note} onChange={setNote} />
            <button type="submit" disabled={approve.busy}>Approve</button>
            <ErrorNote error={approve.error} />
          </form>
        ) : null}
        {canSchedule ? (
          <form onSubmit={on(schedule.run)} aria-label="Final date">
            <Field label="Final date" type="date" min={tomorrow()} value={finalDate} onChange={setFinalDate} required error={schedule.error}
              help={`The customer asked for ${r.requestedDate}; they are told by e-mail when the final date differs.`} />
            <button type="submit" disabled={schedule.busy}>Set the final date</button>
          </form>
        ) : null}
        {canReject ? (
          <form onSubmit={on(reject.run)} aria-label="Reject">
            <TextArea label="Reason for rejecting (the customer sees it)" value={reason} onChange={setReason} required error={reject.error} />
            <button type="submit" className="danger" disabled={reject.busy || !reason.trim()}>Reject</button>
          </form>
        ) : null}
        {canResend ? (
          <div>
            <p className="help">The customer reveals the password in the portal or by the one-time link; you never see it.</p>
            <button type="button" onClick={() => void resend.run()} disabled={resend.busy}>Re-send the password link</button>
            {sent ? <p className="ok" role="status">{sent}</p> : null}
            <ErrorNote error={resend.error} />
          </div>
        ) : null}
      </div>
    </section>
  );
}
