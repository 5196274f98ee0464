import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { Field, useAction } from '../../shared/ui.js';
import { AssessmentView } from '../AssessmentView.js';
import type { Assessment } from '../types.js';
import { RequestForm } from './RequestForm.js';

/** Step one, the self-service assessment (B2) with the license key; step two, the request form once nothing blocks. */
export function NewRequest({ accountUrl }: { accountUrl: string }): ReactNode {
  const [licenseKey, setLicenseKey] = useState('');
  const [assessment, setAssessment] = useState<Assessment | undefined>(undefined);
  const assess = useAction(async () => {
    setAssessment(undefined);
    setAssessment(await api<Assessment>('/api/assessments', { body: { accountUrl, licenseKey: licenseKey.trim() } }));
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void assess.run();
  };
  return (
    <>
      <section className="panel" aria-labelledby="assess-heading">
        <h2 id="assess-heading">1. Check your account</h2>
        <p className="help">
          Enter the license key of your paid on-premise edition. The check shows, before anything is paid or confirmed, whether the account can move, what
          the edition will not carry over, and how big and how long the migration will be.
        </p>
        <form onSubmit={submit} aria-label="Assessment">
          <Field label="On-premise license key" value={licenseKey} onChange={setLicenseKey} required placeholder="RPL1.…" error={assess.error} />
          <div className="actions">
            <button type="submit" disabled={assess.busy || !licenseKey.trim()}>
              {assess.busy ? 'Checking…' : 'Check the account'}
            </button>
          </div>
        </form>
      </section>
      {assessment ? (
        <>
          <AssessmentView assessment={assessment} />
          {assessment.eligible ? (
            <RequestForm licenseKey={licenseKey.trim()} onLicenseKey={setLicenseKey} assessment={assessment} />
          ) : (
            <p className="panel">Fix what is listed above, then check again: the request form opens once nothing blocks the migration.</p>
          )}
        </>
      ) : null}
    </>
  );
}
