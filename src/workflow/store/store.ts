import { access } from 'node:fs/promises';
import path from 'node:path';
import { openPostgres } from '../../engine/postgres/client.js';
import type { SqlClient } from '../../engine/types.js';
import { migrate } from './migrations.js';

/**
 * The desk's control-plane database: PGlite in `$REPATRIATE_HOME/desk/db` by default, a
 * PostgreSQL server when `DATABASE_URL` names one. Both speak the same SQL, so one set of
 * migrations and one set of queries serve both.
 *
 * One connection per process: every unit of work runs alone on it (a queue), inside one
 * transaction, so two HTTP requests never interleave their statements.
 */
export type StoreLocation = { readonly engine: 'pglite'; readonly dir: string } | { readonly engine: 'postgres'; readonly url: string };

export interface Sql {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface DeskStore {
  readonly location: StoreLocation;
  /** Runs work in one transaction; it commits when work returns and rolls back when it throws. */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  /** A single statement, in its own transaction. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export function deskStoreLocation(home: string, env: NodeJS.ProcessEnv = process.env): StoreLocation {
  const url = env['DATABASE_URL'];
  return url && url.length > 0 ? { engine: 'postgres', url } : { engine: 'pglite', dir: path.join(home, 'desk', 'db') };
}

/** Whether a desk store is there to record into (a server is assumed to be). */
export async function deskStoreExists(location: StoreLocation): Promise<boolean> {
  if (location.engine === 'postgres') return true;
  return access(path.join(location.dir, 'PG_VERSION')).then(() => true, () => false);
}

export async function openDeskStore(location: StoreLocation): Promise<DeskStore> {
  const client = location.engine === 'pglite' ? await (await import('../../engine/pglite/client.js')).openPglite(location.dir) : await openPostgres(location.url);
  const store = new QueuedStore(location, client);
  try {
    await store.transaction((sql) => migrate(sql));
  } catch (error) {
    await client.close();
    throw error;
  }
  return store;
}

class QueuedStore implements DeskStore {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly location: StoreLocation,
    private readonly client: SqlClient,
  ) {}

  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new Error('the desk store is closed');
      await this.client.exec('BEGIN');
      try {
        const result = await work({ query: (text, params) => this.client.query(text, params) });
        await this.client.exec('COMMIT');
        return result;
      } catch (error) {
        await this.client.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }

  query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.transaction((sql) => sql.query<Row>(text, params));
  }

  async close(): Promise<void> {
    await this.tail;
    this.closed = true;
    await this.client.close();
  }
}
