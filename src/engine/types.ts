/**
 * What the rest of repatriate needs from a database connection. Each engine folder implements
 * it with its own driver; callers never see driver types.
 */
import type { Column } from '../core/schema.js';
import type { HashedRows } from './hashed-rows.js';

export type EngineName = 'postgres' | 'pglite' | 'mysql';

export interface SqlClient {
  readonly engine: EngineName;
  /** A parameterised statement; rows come back as plain objects. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** One or more statements without parameters. */
  exec(sql: string): Promise<void>;
  /**
   * Streams rows in COPY text encoding into a table. Chunks may split rows anywhere.
   */
  copyIn(table: TableName, columns: readonly string[], rows: AsyncIterable<string | Uint8Array>): Promise<void>;
  /** Streams the result of a query in COPY text encoding. */
  copyOut(query: string): AsyncIterable<Uint8Array>;
  /**
   * Streams the rows a query selects, in COPY text encoding and in the physical order of the
   * driving table, with memory bounded whatever the table's size.
   */
  exportRows(query: RowQuery): AsyncIterable<Uint8Array>;
  /**
   * As {@link exportRows}, in chunks of whole rows, with each row's record hash as `columns`
   * types it (src/engine/postgres/record-hash.ts) beside them. Present where the server
   * computes record hashes: PGlite, and PostgreSQL 14 or newer.
   */
  exportRowsWithHash?(query: RowQuery, columns: readonly Column[]): AsyncIterable<HashedRows>;
  close(): Promise<void>;
}

/** A table, optionally in a schema other than the default one. */
export type TableName = string | { readonly schema: string; readonly name: string };

export function quoteTable(table: TableName): string {
  return typeof table === 'string' ? quoteIdent(table) : `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A query over one driving table (alias `t`), possibly filtered through others. */
export interface RowQuery {
  /** The select list, already quoted. */
  readonly select: string;
  /** The driving table, read as alias `t`. */
  readonly table: string;
  /** A condition on `t` (and subqueries); `TRUE` for every row. */
  readonly where: string;
}

export function rowQuerySql(query: RowQuery, extra?: string): string {
  return `SELECT ${query.select} FROM ${quoteIdent(query.table)} t WHERE (${query.where})${extra ? ` AND ${extra}` : ''}`;
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
