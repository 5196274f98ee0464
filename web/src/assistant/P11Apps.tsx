import type { ReactNode } from 'react';
import { list, type PanelProps } from './types.js';

/** P11: marketplace apps never move; the list of what the cloud account had, to reinstall from the marketplace. */
interface App { readonly code: string | null; readonly name: string | null; readonly reinstalled: boolean }

export function P11Apps({ task }: PanelProps): ReactNode {
  const apps = list<App>(task.details?.['apps']);
  if (apps.length === 0) return null;
  return (
    <div className="table-wrap">
      <table>
        <caption>Apps to reinstall from the marketplace</caption>
        <thead><tr><th scope="col">App</th><th scope="col">Code</th><th scope="col">Here</th></tr></thead>
        <tbody>
          {apps.map((a, i) => (
            <tr key={a.code ?? i}>
              <td>{a.name ?? 'unnamed app'}</td>
              <td><code>{a.code ?? '—'}</code></td>
              <td className={a.reinstalled ? 'ok' : 'warn'}>{a.reinstalled ? 'reinstalled' : 'not yet'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
