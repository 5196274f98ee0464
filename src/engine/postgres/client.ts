import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { RepatriateError } from '../../core/errors.js';
import type { Column } from '../../core/schema.js';
import type { HashedRows } from '../hashed-rows.js';
import { CopyOutReader } from './copy-out.js';
import { withRecordHashSql } from './record-hash.js';
import { quoteIdent, quoteTable, redactUrl, rowQuerySql, type RowQuery, type SqlClient, type TableName } from '../types.js';

// Keep int8 and numeric as exact strings; dates as the server's text, never JS Date.
const exactTypes = {
  getTypeParser: (oid: number, format?: string) =>
    [20, 1700, 1082, 1114, 1184].includes(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format as 'text'),
};

/**
 * Session settings of every connection: COPY text does not depend on the server's locale or
 * time zone, and a scan returns rows in the same order every time it runs on the same data
 * (no parallel workers, no synchronised scans that start mid-table). work_mem: the hash of an
 * account's parent rows (the joins of tables without a tenant column) stays in memory instead
 * of spilling to temporary files, as it did at the server's default of 4 MB.
 */
const sessionOptions = [
  'client_encoding=UTF8', 'TimeZone=UTC', 'DateStyle=ISO,YMD', 'IntervalStyle=postgres', 'extra_float_digits=3', 'bytea_output=hex',
  'synchronize_seqscans=off', 'max_parallel_workers_per_gather=0', 'work_mem=64MB',
].map((o) => `-c ${o}`).join(' ');

export async function openPostgres(url: string): Promise<SqlClient> {
  const client = new pg.Client({ connectionString: url, types: exactTypes, options: sessionOptions });
  try {
    await client.connect();
  } catch (cause) {
    throw new RepatriateError('REPAT_DB_UNREACHABLE', `cannot connect to ${redactUrl(url)}: ${(cause as Error).message}`, {
      hint: 'check that the PostgreSQL server runs and the URL names an existing database',
      cause,
    });
  }
  client.on('error', () => undefined);
  const { rows } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  return new PostgresClient(client, Number(rows[0]!.server_version_num) >= recordHashesSince);
}

/** hash_record_extended, which record hashes are made of (record-hash.ts), came with PostgreSQL 14. */
export const recordHashesSince = 140000;

class PostgresClient implements SqlClient {
  readonly engine = 'postgres' as const;
  readonly exportRowsWithHash?: (query: RowQuery, columns: readonly Column[]) => AsyncIterable<HashedRows>;

  /** `hashesRecords`: the server computes record hashes; an older one exports rows without them. */
  constructor(private readonly client: pg.Client, hashesRecords: boolean) {
    if (hashesRecords) this.exportRowsWithHash = (query, columns) => this.copyTo(withRecordHashSql(rowQuerySql(query), columns), true);
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.client.query(sql, params as unknown[]);
    return result.rows as Row[];
  }

  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }

  async copyIn(table: TableName, columns: readonly string[], rows: AsyncIterable<string | Uint8Array>): Promise<void> {
    const sql = `COPY ${quoteTable(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
    await pipeline(Readable.from(rows), this.client.query(copyFrom(sql)));
  }

  copyOut(query: string): AsyncIterable<Uint8Array> {
    return this.copyTo(query, false);
  }

  /** `COPY (query) TO STDOUT` through the reader of copy-out.ts: rows, or with `withHashes` HashedRows. */
  private copyTo(query: string, withHashes: boolean): CopyOutReader {
    return this.client.query(new CopyOutReader(`COPY (${query}) TO STDOUT`, withHashes));
  }

  exportRows(query: RowQuery): AsyncIterable<Uint8Array> {
    // One streaming COPY; the session settings above keep the order physical and repeatable.
    return this.copyOut(rowQuerySql(query));
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
