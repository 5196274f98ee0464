import type { ReactNode } from 'react';
import { ActionForm } from './ActionForm.js';
import { list, type PanelProps } from './types.js';

/** P10: the telephony transfer request, which unlocks only after the restore, a trusted certificate (R5) and the public address (P5). */
interface Outcome { readonly delivery: 'desk' | 'file'; readonly id?: string; readonly file?: string; readonly reason?: string; readonly numbers: readonly string[] }

export function P10Telephony({ task, refresh }: PanelProps): ReactNode {
  const numbers = list<string>(task.details?.['numbers']);
  const locked = task.state === 'blocked';
  return (
    <>
      {numbers.length > 0 ? <p>Rented numbers bound to the license: {numbers.join(', ')}</p> : null}
      {locked ? (
        <p className="locked" id="p10-locked">
          <strong>Locked.</strong> The request unlocks after the restore is complete, a trusted certificate is installed (R5) and the public address is set (P5).
        </p>
      ) : (
        <ActionForm<Outcome>
          task="P10"
          action="request"
          title="File the telephony transfer request"
          submit="File the request"
          busy="Sending the signed request…"
          fields={[
            { name: 'deskUrl', label: 'Vendor desk address', kind: 'url', required: true },
            { name: 'licenseKey', label: 'License key (optional)', help: 'empty: the key in bitrix/license_key.php' },
          ]}
          blame={(e) => (/license/i.test(e.message) ? 'licenseKey' : e.status === 502 ? 'deskUrl' : undefined)}
          onDone={refresh}
          show={(r) =>
            r.delivery === 'desk' ? (
              <p className="ok">The vendor desk has the request ({r.id}).</p>
            ) : (
              <p className="warn">The desk could not be reached ({r.reason}); the signed request is saved in {r.file}: send it to the vendor.</p>
            )
          }
        />
      )}
    </>
  );
}
