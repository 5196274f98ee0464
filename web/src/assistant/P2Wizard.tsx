import type { ReactNode } from 'react';
import { ActionForm } from './ActionForm.js';
import type { PanelProps } from './types.js';

/** P2: the intranet configuration wizard gives back administrator rights and access groups. */
export function P2Wizard({ refresh }: PanelProps): ReactNode {
  return (
    <>
      <ActionForm<{ repaired: string[]; administrators: { login: string }[] }>
        task="P2"
        action="repair"
        title="Run the wizard repair"
        submit="Run the wizard repair"
        busy="Repairing…"
        description="Restores the ADMIN and EMPLOYEES groups and makes the account owner (or the login you give) an administrator. Safe to run again."
        fields={[{ name: 'admin', label: 'Administrator login (optional)', help: 'empty: the account owner' }]}
        onDone={refresh}
        show={(r) => (
          <p className="ok">
            {r.repaired.length === 0 ? 'Nothing needed repair.' : `Repaired: ${r.repaired.join('; ')}.`} Administrators: {r.administrators.map((a) => a.login).join(', ')}.
          </p>
        )}
      />
    </>
  );
}
