import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Column } from '../../core/schema.js';
import { withRecordHashSql } from '../postgres/record-hash.js';
import { withoutRecordHashes, type HashedRows } from '../hashed-rows.js';
import { quoteIdent, quoteLiteral, quoteTable, rowQuerySql, type RowQuery, type SqlClient, type TableName } from '../types.js';

/** COPY into PGlite goes through an in-memory blob; rows are loaded in groups of about this size. */
const copyGroupBytes = 8 * 1024 * 1024;
/** Heap blocks read per export step: 2048 blocks of 8 kB is at most 16 MB of rows in memory. */
const exportBlocks = 2048;

export async function openPglite(dataDir: string): Promise<SqlClient> {
  await mkdir(path.dirname(dataDir), { recursive: true });
  // As on the server: int8, numeric, dates and timestamps stay exact strings.
  const exact = (value: string): string => value;
  const db = await PGlite.create(dataDir, { parsers: { 20: exact, 1700: exact, 1082: exact, 1114: exact, 1184: exact } });
  // Same session settings as the server client, so COPY text is identical on both.
  await db.exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3; SET bytea_output = 'hex'");
  return new PgliteClient(db);
}

class PgliteClient implements SqlClient {
  readonly engine = 'pglite' as const;
  constructor(private readonly db: PGlite) {}

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.db.query<Row>(sql, params as unknown[]);
    return result.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async copyIn(table: TableName, columns: readonly string[], rows: AsyncIterable<string | Uint8Array>): Promise<void> {
    const sql = `COPY ${quoteTable(table)} (${columns.map(quoteIdent).join(', ')}) FROM '/dev/blob'`;
    // Each group becomes one COPY, so a group must end on a row: the bytes after the last
    // newline wait for the next group.
    let group: Uint8Array[] = [];
    let groupBytes = 0;
    const flush = async (final: boolean): Promise<void> => {
      if (group.length === 0) return;
      const data = Buffer.concat(group);
      const cut = final ? data.length : data.lastIndexOf(10) + 1;
      if (cut > 0) await this.db.query(sql, [], { blob: new Blob([data.subarray(0, cut)]) });
      group = cut < data.length ? [data.subarray(cut)] : [];
      groupBytes = data.length - cut;
    };
    for await (const chunk of rows) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      group.push(bytes);
      groupBytes += bytes.length;
      if (groupBytes >= copyGroupBytes) await flush(false);
    }
    await flush(true);
  }

  async *copyOut(query: string): AsyncIterable<Uint8Array> {
    const result = await this.db.query(`COPY (${query}) TO '/dev/blob'`);
    if (result.blob) yield new Uint8Array(await result.blob.arrayBuffer());
  }

  /**
   * PGlite hands a COPY result over as one blob, so a large table is read in ranges of heap
   * blocks (TID range scans): memory stays bounded and rows come in physical order.
   */
  exportRows(query: RowQuery): AsyncIterable<Uint8Array> {
    return this.exportBlocks(query, (range) => rowQuerySql(query, range));
  }

  exportRowsWithHash(query: RowQuery, columns: readonly Column[]): AsyncIterable<HashedRows> {
    return withoutRecordHashes(this.exportBlocks(query, (range) => withRecordHashSql(rowQuerySql(query, range), columns)));
  }

  private async *exportBlocks(query: RowQuery, sqlOf: (range: string) => string): AsyncIterable<Uint8Array> {
    const [size] = await this.query<{ blocks: number }>(`SELECT (pg_relation_size(${quoteLiteral(quoteIdent(query.table))}) / current_setting('block_size')::int)::int AS blocks`);
    const blocks = size?.blocks ?? 0;
    for (let from = 0; from < blocks; from += exportBlocks) {
      const range = `t.ctid >= '(${from},0)'::tid AND t.ctid < '(${from + exportBlocks},0)'::tid`;
      yield* this.copyOut(sqlOf(range));
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
