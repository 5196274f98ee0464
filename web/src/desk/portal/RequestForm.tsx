import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../../shared/api.js';
import { tomorrow } from '../../shared/format.js';
import { go } from '../../shared/route.js';
import { ErrorNote, Field, useAction } from '../../shared/ui.js';
import type { Assessment, MigrationRequest } from '../types.js';
import { OrderButton } from './OrderButton.js';
import { Terms } from './Terms.js';

/** Which field an error of POST /api/requests belongs to, so it is shown beside that field. */
type Place = 'license' | 'date' | 'terms' | 'form';
function placeOf(error: unknown): Place {
  if (!(error instanceof ApiError)) return 'form';
  if (error.code.startsWith('REPAT_LICENSE') || /licen[cs]e ?key|licenseKey/i.test(error.message)) return 'license';
  if (/date/i.test(error.message)) return 'date';
  if (/terms/i.test(error.message)) return 'terms';
  return 'form';
}

/** The request (M2): license key, requested date, the terms in full and the binding confirmation. */
export function RequestForm(props: { licenseKey: string; onLicenseKey: (key: string) => void; assessment: Assessment }): ReactNode {
  const [date, setDate] = useState('');
  const [termsVersion, setTermsVersion] = useState<string | undefined>(undefined);
  const [accepted, setAccepted] = useState(false);
  const submit = useAction(async () => {
    const created = await api<MigrationRequest>('/api/requests', { body: { licenseKey: props.licenseKey, requestedDate: date, termsVersion, acceptTerms: true } });
    go('portal', 'requests', created.id);
  });
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    void submit.run();
  };
  const place = submit.error ? placeOf(submit.error) : undefined;
  return (
    <section className="panel" aria-labelledby="request-heading">
      <h2 id="request-heading">2. Request the migration</h2>
      <form onSubmit={onSubmit} aria-label="Migration request">
        <Field label="On-premise license key" value={props.licenseKey} onChange={props.onLicenseKey} required error={place === 'license' ? submit.error : undefined} />
        <Field
          label="Requested backup date"
          type="date"
          min={tomorrow()}
          value={date}
          onChange={setDate}
          required
          help="The archive is built from the nightly backup of the night before this date; from this date on the cloud account is frozen. The vendor confirms the final date."
          error={place === 'date' ? submit.error : undefined}
        />
        {props.assessment.editionGap.modules.length > 0 ? (
          <p className="warn">
            You confirm knowing that the data of {props.assessment.editionGap.modules.map((m) => m.title).join(', ')} will not move (see the edition gap above).
          </p>
        ) : null}
        <Terms version={termsVersion} onVersion={setTermsVersion} accepted={accepted} onAccepted={setAccepted} error={place === 'terms' ? submit.error : undefined} />
        <div className="actions">
          <button type="submit" disabled={submit.busy || !accepted || !termsVersion || !date}>
            {submit.busy ? 'Sending…' : 'Send the binding request'}
          </button>
        </div>
        {place === 'form' ? <ErrorNote error={submit.error} /> : null}
        {submit.error instanceof ApiError && submit.error.code === 'REPAT_DESK_PAYMENT_REQUIRED' ? <OrderButton /> : null}
      </form>
    </section>
  );
}
