import { openPostgres } from './client.js';
import { quoteIdent, quoteLiteral } from '../types.js';

/** Server-level operations that run on the maintenance database, never the one they act on. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`the URL ${url} names no database`);
  return name;
}

async function onMaintenance<T>(url: string, work: (client: Awaited<ReturnType<typeof openPostgres>>) => Promise<T>): Promise<T> {
  const client = await openPostgres(withDatabase(url, 'postgres'));
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

export async function databaseExists(url: string): Promise<boolean> {
  return onMaintenance(url, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName(url)])).length > 0);
}

export async function createDatabase(url: string, options: { template?: string } = {}): Promise<void> {
  await onMaintenance(url, (c) =>
    c.exec(`CREATE DATABASE ${quoteIdent(databaseName(url))}${options.template ? ` TEMPLATE ${quoteIdent(options.template)}` : ''}`),
  );
}

export async function dropDatabase(url: string): Promise<void> {
  await onMaintenance(url, (c) => c.exec(`DROP DATABASE IF EXISTS ${quoteIdent(databaseName(url))} WITH (FORCE)`));
}

/** Makes every new session of the database read-only by default. */
export async function markReadOnly(url: string): Promise<void> {
  await onMaintenance(url, (c) => c.exec(`ALTER DATABASE ${quoteIdent(databaseName(url))} SET default_transaction_read_only = on`));
}

export async function listDatabases(url: string, prefix: string): Promise<string[]> {
  return onMaintenance(url, async (c) =>
    (await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, ${quoteLiteral(prefix)}) ORDER BY 1`)).map(
      (r) => r.datname,
    ),
  );
}
