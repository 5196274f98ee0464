import type { ReactNode } from 'react';
import { ActionForm } from './ActionForm.js';
import { list, type PanelProps } from './types.js';

/** P8: sites, stores and forms republished under the new domain, after the cloud copies moved away. */
interface Site { readonly id: number; readonly title: string; readonly type: string; readonly domain: string; readonly pages: number; readonly publishedPages: number }
interface Form { readonly id: number; readonly code: string; readonly name: string }
interface Publish { readonly domain: string; readonly sites: readonly { id: number; before: string; after: string }[]; readonly rewrittenBlocks: number; readonly publishedPages: number }

export function P8Sites({ task, refresh }: PanelProps): ReactNode {
  const d = task.details ?? {};
  const sites = list<Site>(d['sites']);
  const forms = list<Form>(d['forms']);
  const moved = typeof d['movedTo'] === 'string' ? d['movedTo'] : undefined;
  return (
    <>
      {sites.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Sites and stores</caption>
            <thead><tr><th scope="col">Site</th><th scope="col">Domain</th><th scope="col">Published pages</th></tr></thead>
            <tbody>
              {sites.map((s) => <tr key={s.id}><td>{s.title} <span className="help">({s.type})</span></td><td className="break">{s.domain}</td><td>{s.publishedPages} of {s.pages}</td></tr>)}
            </tbody>
          </table>
        </div>
      ) : null}
      {forms.length > 0 ? <p>Web forms: {forms.map((f) => f.name).join(', ')}</p> : null}
      <ActionForm<{ movedTo: string }>
        task="P8"
        action="moved"
        title="1. Record where the cloud copies moved"
        submit="Record the move"
        description={moved ? `Recorded: the cloud copies moved to ${moved}.` : 'Ask the vendor to move the cloud copies to another (sub)domain first, so two copies never share one domain.'}
        fields={[{ name: 'to', label: 'Subdomain the cloud copies moved to', required: true }]}
        onDone={refresh}
        show={(r) => <p className="ok">Recorded: the cloud copies are at {r.movedTo}.</p>}
      />
      <ActionForm<Publish>
        task="P8"
        action="publish"
        title="2. Republish under the new domain"
        submit="Republish"
        busy="Publishing…"
        fields={[{ name: 'domain', label: 'New domain', required: true, help: 'e.g. intranet.example.com' }]}
        onDone={refresh}
        show={(r) => (
          <>
            <ul className="compact">{r.sites.map((s) => <li key={s.id}>{s.before} → {s.after}</li>)}</ul>
            <p className="ok">{r.publishedPages} pages published, {r.rewrittenBlocks} blocks’ links rewritten.</p>
          </>
        )}
      />
    </>
  );
}
