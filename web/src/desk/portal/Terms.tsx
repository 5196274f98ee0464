import { useEffect, type ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { CheckField, ErrorNote, Loading, useLoad } from '../../shared/ui.js';

/** The current migration terms in full, and the binding confirmation of exactly that version (M2). */
export function Terms(props: { version: string | undefined; onVersion: (v: string) => void; accepted: boolean; onAccepted: (a: boolean) => void; error?: unknown }): ReactNode {
  const terms = useLoad(() => api<{ version: string; text: string | null }>('/api/terms'), []);
  const { onVersion } = props;
  useEffect(() => {
    if (terms.data) onVersion(terms.data.version);
  }, [terms.data, onVersion]);
  if (terms.error) return <ErrorNote error={terms.error} />;
  if (!terms.data) return <Loading what="the migration terms" />;
  return (
    <>
      <h3 id="terms-heading">Migration terms (version {terms.data.version})</h3>
      <div className="terms" tabIndex={0} role="region" aria-labelledby="terms-heading">
        {(terms.data.text ?? `The terms of version ${terms.data.version} are not on file; ask the vendor for them before confirming.`).split('\n').map((line, i) => (
          <p key={i}>{line}</p>
        ))}
      </div>
      <CheckField
        label={`I accept the migration terms (version ${terms.data.version}) on behalf of the account; this confirmation is binding.`}
        checked={props.accepted}
        onChange={props.onAccepted}
        error={props.error}
      />
    </>
  );
}
