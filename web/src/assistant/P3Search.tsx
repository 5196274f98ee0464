import { useEffect, useState, type ReactNode } from 'react';
import { Field } from '../shared/ui.js';
import { ActionForm } from './ActionForm.js';
import { adminApi } from './session.js';
import type { PanelProps } from './types.js';

/** P3: the search index is rebuilt here; the rebuild reports its progress source by source while it runs. */
interface Progress { readonly running: boolean; readonly source?: string; readonly documents?: number; readonly total?: number; readonly indexed?: number }
interface Hit { readonly title: string; readonly url: string; readonly module: string }

function ProgressView({ progress }: { progress: Progress | undefined }): ReactNode {
  if (!progress?.running || progress.source === undefined) return <p className="loading" role="status">Starting the rebuild…</p>;
  const total = progress.total ?? 0;
  return (
    <div className="progress" role="status" aria-live="polite">
      <label>
        Indexing {progress.source}: {progress.documents} of {total} ({progress.indexed ?? 0} documents so far)
        <progress max={Math.max(total, 1)} value={progress.documents ?? 0} />
      </label>
    </div>
  );
}

export function P3Search({ task, refresh }: PanelProps): ReactNode {
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<Progress | undefined>(undefined);
  useEffect(() => {
    if (!running) return;
    let live = true;
    const poll = (): void => {
      adminApi<Progress>('/api/onprem/tasks/P3/progress').then((p) => live && setProgress(p), () => undefined);
    };
    poll();
    const timer = setInterval(poll, 400);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [running]);
  return (
    <>
      <ActionForm<{ documents: number; stems: number }>
        task="P3"
        action="rebuild"
        title="Rebuild the search index"
        submit="Rebuild the search index"
        busy="Rebuilding…"
        description="Reads companies, contacts, deals, tasks, files and pages in batches and indexes their words. Searches work again when it is done."
        onStart={() => {
          setProgress(undefined);
          setRunning(true);
        }}
        onEnd={() => setRunning(false)}
        onDone={refresh}
        show={(r) => <p className="ok">The index holds {r.documents} documents and {r.stems} distinct words.</p>}
      />
      {running ? <ProgressView progress={progress} /> : null}
      {task.state === 'done' ? <SearchBox /> : null}
    </>
  );
}

/** Proves the rebuilt index answers: a search over the restored content. */
function SearchBox(): ReactNode {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<Hit[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <form
      className="action"
      aria-label="Search the restored content"
      onSubmit={(e) => {
        e.preventDefault();
        setError(undefined);
        adminApi<{ hits: Hit[] }>(`/api/onprem/search?q=${encodeURIComponent(q)}`).then((r) => setHits(r.hits), setError);
      }}
    >
      <h3>Try a search</h3>
      <Field label="Search words" value={q} onChange={setQ} error={error} />
      <div className="actions"><button type="submit" className="secondary">Search</button></div>
      {hits ? (
        <div role="status">
          {hits.length === 0 ? <p>No matches.</p> : (
            <ul className="compact">{hits.slice(0, 10).map((h) => <li key={h.url}>{h.title || h.url} <span className="help">({h.module})</span></li>)}</ul>
          )}
        </div>
      ) : null}
    </form>
  );
}
