import type { ReactNode } from 'react';
import { ActionForm } from './ActionForm.js';
import { list, type PanelProps } from './types.js';

/** P4: every product update is installed after the restore. */
interface Pending { readonly module: string; readonly from: string; readonly to: string; readonly description: string }

export function P4Updates({ task, refresh }: PanelProps): ReactNode {
  const pending = list<Pending>(task.details?.['pending']);
  return (
    <>
      {pending.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Pending updates</caption>
            <thead><tr><th scope="col">Module</th><th scope="col">Version</th><th scope="col">What it does</th></tr></thead>
            <tbody>
              {pending.map((p) => (
                <tr key={`${p.module}-${p.to}`}><td>{p.module}</td><td>{p.from} → {p.to}</td><td>{p.description}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {task.state === 'blocked' ? null : (
        <ActionForm<{ applied: (Pending & { steps: number })[] }>
          task="P4"
          action="apply"
          title="Install the updates"
          submit="Install updates"
          busy="Installing updates…"
          disabled={pending.length === 0 && task.state === 'done' ? 'Every module is up to date.' : undefined}
          onDone={refresh}
          show={(r) => <p className="ok">Installed {r.applied.length} updates{r.applied.length > 0 ? `: ${r.applied.map((a) => `${a.module} ${a.from} → ${a.to}`).join(', ')}` : ''}.</p>}
        />
      )}
    </>
  );
}
