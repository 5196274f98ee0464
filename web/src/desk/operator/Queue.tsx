import { useState, type ReactNode } from 'react';
import { api } from '../../shared/api.js';
import { ErrorNote, Field, Loading, SelectField, useLoad } from '../../shared/ui.js';
import { stateLabel } from '../states.js';
import { requestStates, type MigrationRequest } from '../types.js';

/** The queue (M13), filtered by state and flag on the server and by date here (the final date, or the requested one until set). */
export function Queue(): ReactNode {
  const [state, setState] = useState('');
  const [flag, setFlag] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const query = new URLSearchParams({ ...(state ? { state } : {}), ...(flag ? { flag } : {}) }).toString();
  const queue = useLoad(() => api<{ requests: MigrationRequest[] }>(`/api/operator/requests${query ? `?${query}` : ''}`), [query], 5000);
  const dateOf = (r: MigrationRequest): string => r.finalDate ?? r.requestedDate;
  const shown = (queue.data?.requests ?? []).filter((r) => (!from || dateOf(r) >= from) && (!to || dateOf(r) <= to)).sort((a, b) => dateOf(a).localeCompare(dateOf(b)) || a.id - b.id);
  return (
    <>
      <h1>Queue</h1>
      <form className="panel filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="State" value={state} onChange={setState} options={[['', 'any state'], ...requestStates.map((s) => [s, s] as const)]} />
        <SelectField label="Flag" value={flag} onChange={setFlag} options={[['', 'any'], ['rented-numbers', 'rented numbers']]} />
        <Field label="Date from" type="date" value={from} onChange={setFrom} />
        <Field label="Date to" type="date" value={to} onChange={setTo} />
      </form>
      {queue.error ? <ErrorNote error={queue.error} /> : null}
      {!queue.data ? (
        <Loading what="the queue" />
      ) : shown.length === 0 ? (
        <p>No requests match.</p>
      ) : (
        <div className="table-wrap">
          <table className="queue stack">
            <caption className="sr-only">Migration requests</caption>
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">Account</th>
                <th scope="col">State</th>
                <th scope="col">Date</th>
                <th scope="col">Flags</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.id}>
                  <td data-label="Request">
                    <a href={`#/operator/requests/${r.id}`}>#{r.id}</a>
                  </td>
                  <td data-label="Account">{r.accountUrl}</td>
                  <td data-label="State">{stateLabel(r.state)}</td>
                  <td data-label="Date">{r.finalDate ? `final ${r.finalDate}` : `asked ${r.requestedDate}`}</td>
                  <td data-label="Flags">{[...r.flags, r.build === 'paid' ? 'paid build' : ''].filter(Boolean).join(', ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
