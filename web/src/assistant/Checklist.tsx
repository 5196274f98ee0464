import type { ReactNode } from 'react';
import { ErrorNote, Loading, useLoad } from '../shared/ui.js';
import { adminApi } from './session.js';
import { StateBadge, TaskCard } from './TaskCard.js';
import type { Checklist as ChecklistData } from './types.js';

/** The checklist of P1–P11 and R5, each task with its state and actions; it looks again after every action. */
export function Checklist(): ReactNode {
  const { data, error, loading, reload } = useLoad(() => adminApi<ChecklistData>('/api/onprem/status'), []);
  if (!data) {
    return (
      <>
        <h1>After the restore</h1>
        {error ? (
          <>
            <ErrorNote error={error} />
            <button type="button" onClick={reload}>Try again</button>
          </>
        ) : (
          <Loading what="the checklist" />
        )}
      </>
    );
  }
  const { installation, tasks } = data;
  return (
    <>
      <h1>After the restore</h1>
      <section className="summary" aria-label="Installation">
        <p>
          <strong>{data.done} of {tasks.length} tasks done</strong> for the account {installation.account}.
          {installation.restoreComplete ? '' : ' The restore is not complete.'}
        </p>
        <progress max={tasks.length} value={data.done} aria-label={`${data.done} of ${tasks.length} tasks done`} />
        <p className="help break">Database {installation.database} · data {installation.dataDir}</p>
        <nav aria-label="Tasks">
          <ol className="toc">
            {tasks.map((t) => (
              <li key={t.id}>
                <button type="button" className="link" onClick={() => document.getElementById(`task-${t.id}`)?.scrollIntoView({ behavior: 'smooth' })}>
                  {t.id} {t.title}
                </button>{' '}
                <StateBadge state={t.state} />
              </li>
            ))}
          </ol>
        </nav>
        <div className="actions">
          <button type="button" className="secondary" onClick={reload} disabled={loading}>{loading ? 'Checking…' : 'Check again'}</button>
        </div>
        {error ? <ErrorNote error={error} /> : null}
      </section>
      {tasks.map((task) => <TaskCard key={task.id} task={task} refresh={reload} />)}
    </>
  );
}
