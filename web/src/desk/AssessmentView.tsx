import type { ReactNode } from 'react';
import { bytes, count, duration, plural } from '../shared/format.js';
import type { Assessment } from './types.js';

/**
 * The assessment (B2) as both sides read it: the verdict with every blocker and its fix, seats
 * with their breakdown (M4), auto-renewal (M5), the edition gap per module with row counts (M6),
 * rented numbers (M8), size and time. `level` is the heading level of its sections.
 */
const kindLabels: Record<string, string> = {
  employee: 'Employees',
  extranet: 'Extranet users',
  invited: 'Invited employees',
  deactivated: 'Deactivated employees',
  bot: 'Bots',
  system: 'System users',
  connector: 'Open-channel visitors',
};

export function AssessmentView({ assessment: a, level = 2 }: { assessment: Assessment; level?: 2 | 3 }): ReactNode {
  const H = level === 2 ? 'h2' : 'h3';
  const counted = Object.entries(a.seats.counted);
  const notCounted = Object.entries(a.seats.notCounted);
  return (
    <div className="assessment">
      <section className={`panel verdict ${a.eligible ? 'is-ok' : 'is-bad'}`} aria-labelledby="verdict-heading">
        <H id="verdict-heading">{a.eligible ? 'Ready to request the migration' : 'Not ready yet: what blocks the migration'}</H>
        <p>
          {a.account.title} ({a.account.address}), cloud edition {a.account.cloudEdition}; license{' '}
          {a.license.license ? `${a.license.license.id}, ${a.license.license.edition} edition, ${plural(a.license.license.seats, 'seat')}` : 'not usable'}:{' '}
          <span className={a.license.valid ? 'ok' : 'bad'}>{a.license.message}</span>
        </p>
        {a.problems.length > 0 ? (
          <ul className="problems">
            {a.problems.map((p) => (
              <li key={p.code + p.message}>
                <strong>{p.message}</strong> <span className="rule">({p.rule})</span>
                <div className="hint">How to fix: {p.hint}</div>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <div className="grid">
        <section className="panel" aria-labelledby="seats-heading">
          <H id="seats-heading">Seats (M4)</H>
          <p className={a.seats.ok ? 'ok' : 'bad'}>
            {count(a.seats.active)} active users {a.seats.limit === null ? '(no license to compare)' : `for ${count(a.seats.limit)} seats — ${a.seats.ok ? 'enough' : 'too few seats'}`}
          </p>
          <table>
            <caption className="sr-only">Users by kind</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Users</th>
                <th scope="col">Counts</th>
              </tr>
            </thead>
            <tbody>
              {counted.map(([kind, n]) => (
                <tr key={kind}>
                  <td>{kindLabels[kind] ?? kind}</td>
                  <td>{count(n)}</td>
                  <td>yes</td>
                </tr>
              ))}
              {notCounted.map(([kind, n]) => (
                <tr key={kind}>
                  <td>{kindLabels[kind] ?? kind}</td>
                  <td>{count(n)}</td>
                  <td>no</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <section className="panel" aria-labelledby="renewal-heading">
          <H id="renewal-heading">Auto-renewal (M5)</H>
          <p className={a.autoRenewal.ok ? 'ok' : 'bad'}>
            {a.autoRenewal.on ? 'On — switch it off in the cloud subscription before the migration.' : 'Off, as the migration needs.'}
          </p>
          <H id="phones-heading">Rented numbers (M8)</H>
          {a.telephony.rentedNumbers.length === 0 ? (
            <p>None.</p>
          ) : (
            <>
              <p className="warn">{plural(a.telephony.rentedNumbers.length, 'rented number')}: the build takes longer, and the numbers move only after your installation files a telephony request.</p>
              <ul>
                {a.telephony.rentedNumbers.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </>
          )}
        </section>

        <section className="panel" aria-labelledby="size-heading">
          <H id="size-heading">Size and time</H>
          <dl className="facts">
            <dt>Archive</dt>
            <dd>about {bytes(a.estimate.archiveBytes)}</dd>
            <dt>Database rows</dt>
            <dd>{bytes(a.estimate.rowBytes)}</dd>
            <dt>Public files</dt>
            <dd>{bytes(a.estimate.fileBytes)}</dd>
            <dt>Application files</dt>
            <dd>{bytes(a.estimate.kernelBytes)}</dd>
            <dt>Build time</dt>
            <dd>about {duration(a.estimate.buildSeconds)} of work</dd>
            <dt>Promise</dt>
            <dd>
              {a.estimate.promisedDays.min}–{a.estimate.promisedDays.max} days
            </dd>
          </dl>
        </section>
      </div>

      <section className="panel" aria-labelledby="gap-heading">
        <H id="gap-heading">Edition gap (M6)</H>
        {a.editionGap.modules.length === 0 ? (
          <p className="ok">Nothing is lost: the {a.editionGap.edition ?? 'purchased'} edition has every feature this account uses.</p>
        ) : (
          <>
            <p className="warn">
              The {a.editionGap.edition} edition lacks {plural(a.editionGap.modules.length, 'feature')} this account uses: {count(a.editionGap.rows)} rows will not move.
            </p>
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Data that does not move, by module and table</caption>
                <thead>
                  <tr>
                    <th scope="col">Feature (module)</th>
                    <th scope="col">Table</th>
                    <th scope="col">Rows</th>
                  </tr>
                </thead>
                <tbody>
                  {a.editionGap.modules.flatMap((m) =>
                    m.tables.map((t, i) => (
                      <tr key={`${m.module}.${t.table}`}>
                        <td>{i === 0 ? `${m.title} (${m.module}) — ${count(m.rows)} rows` : ''}</td>
                        <td>{t.table}</td>
                        <td>{count(t.rows)}</td>
                      </tr>
                    )),
                  )}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </div>
  );
}
