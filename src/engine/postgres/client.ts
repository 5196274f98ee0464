import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { RepatriateError } from '../../core/errors.js';
import { quoteIdent, type SqlClient } from '../types.js';

// Keep int8 and numeric as exact strings; dates as the server's text, never JS Date.
const exactTypes = {
  getTypeParser: (oid: number, format?: string) =>
    [20, 1700, 1082, 1114, 1184].includes(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format as 'text'),
};

export async function openPostgres(url: string): Promise<SqlClient> {
  // COPY text of timestamps depends on the session: pin it so every client reads the same bytes.
  const client = new pg.Client({ connectionString: url, types: exactTypes, options: '-c TimeZone=UTC -c DateStyle=ISO,YMD -c extra_float_digits=3' });
  try {
    await client.connect();
  } catch (cause) {
    throw new RepatriateError('REPAT_DB_UNREACHABLE', `cannot connect to ${redactUrl(url)}: ${(cause as Error).message}`, {
      hint: 'check that the PostgreSQL server runs and the URL names an existing database',
      cause,
    });
  }
  client.on('error', () => undefined);
  return new PostgresClient(client);
}

class PostgresClient implements SqlClient {
  readonly engine = 'postgres' as const;
  constructor(private readonly client: pg.Client) {}

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.client.query(sql, params as unknown[]);
    return result.rows as Row[];
  }

  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }

  async copyIn(table: string, columns: readonly string[], rows: AsyncIterable<string>): Promise<void> {
    const sql = `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
    await pipeline(Readable.from(rows), this.client.query(copyFrom(sql)));
  }

  async *copyOut(query: string): AsyncIterable<Uint8Array> {
    const stream = this.client.query(copyTo(`COPY (${query}) TO STDOUT`));
    for await (const chunk of stream) yield chunk as Uint8Array;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** A URL as it may appear in messages: the password never does. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}
