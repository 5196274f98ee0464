import { Readable } from 'node:stream';
import type { Connection as CallbackConnection } from 'mysql2';
import mysql from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';
import { RepatriateError } from '../../core/errors.js';
import type { Column, ColumnType } from '../../core/schema.js';
import { redactUrl, rowQuerySql, type RowQuery, type SqlClient, type TableName } from '../types.js';
import { capabilitiesOf, type MysqlCapabilities } from './capabilities.js';
import { quoteMy, typeFromComment } from './ddl.js';
import { selectAsCopyText, tableAsCopyText } from './export.js';
import { loadCopyText, type LoadOptions } from './load.js';

/**
 * The MySQL/MariaDB adapter (mysql2). Session settings make loads exact: UTC, strict mode on
 * every table (a value that does not fit is an error, never a silent truncation), no zero
 * dates, explicit id 0 kept (NO_AUTO_VALUE_ON_ZERO), utf8mb4, and ANSI_QUOTES so the
 * double-quoted identifiers of src/engine/types.ts (quoteIdent, rowQuerySql) work here too.
 * Backslash escapes in string literals stay ON (LOAD DATA's '\t' and '\\' rely on them), so
 * quoteLiteral of types.ts is NOT safe for values with a backslash: use parameters or
 * quoteMyLiteral (ddl.ts).
 */
export const sessionSqlMode = [
  'STRICT_ALL_TABLES', 'STRICT_TRANS_TABLES', 'NO_ZERO_DATE', 'NO_ZERO_IN_DATE', 'ERROR_FOR_DIVISION_BY_ZERO',
  'NO_ENGINE_SUBSTITUTION', 'NO_AUTO_VALUE_ON_ZERO', 'ANSI_QUOTES',
].join(',');

export interface MysqlClient extends Omit<SqlClient, 'engine'> {
  readonly engine: 'mysql';
  readonly capabilities: MysqlCapabilities;
  /** The mysql2 connection (promise API), for loadCopyText and the DDL of ddl.ts. */
  readonly connection: Connection;
  /** LOAD DATA of COPY text with neutral column types; see load.ts. */
  loadCopyText(database: string, table: string, columns: readonly Column[], rows: AsyncIterable<string | Uint8Array>, options?: LoadOptions): Promise<number>;
  /** The table's rows (those `where` selects, or all) re-encoded as PostgreSQL COPY text (types from the column comments ddl.ts wrote). */
  tableRows(database: string | undefined, table: string, where?: string): AsyncIterable<Uint8Array>;
}

function refuseFile(path: string): Readable {
  // The server may ask only for the stream a LOAD DATA of ours names; never a file from disk.
  const stream = new Readable({ read() {} });
  process.nextTick(() => stream.destroy(new Error(`the server asked for the local file ${path}, which this client never sends`)));
  return stream;
}

export async function openMysql(url: string): Promise<MysqlClient> {
  let connection: Connection;
  try {
    connection = await mysql.createConnection({
      uri: url,
      charset: 'UTF8MB4_BIN',
      timezone: 'Z',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      multipleStatements: true,
      flags: ['+LOCAL_FILES'],
      infileStreamFactory: refuseFile,
    });
  } catch (cause) {
    throw new RepatriateError('REPAT_DB_UNREACHABLE', `cannot connect to ${redactUrl(url)}: ${(cause as Error).message}`, {
      hint: 'check that the MySQL/MariaDB server runs and the URL names an existing database',
      cause,
    });
  }
  connection.on('error', () => undefined);
  await connection.query(`SET SESSION time_zone = '+00:00', SESSION sql_mode = '${sessionSqlMode}', NAMES utf8mb4 COLLATE utf8mb4_bin`);
  const [[info]] = (await connection.query('SELECT VERSION() AS version, @@GLOBAL.local_infile AS localInfile')) as unknown as [{ version: string; localInfile: number | string }[]];
  if (!info || Number(info.localInfile) !== 1) {
    await connection.end().catch(() => undefined);
    throw new RepatriateError('REPAT_TARGET_UNSUPPORTED', `${redactUrl(url)} does not accept LOAD DATA LOCAL INFILE: local_infile is OFF`, {
      hint: 'start the server with local_infile=1 (or run SET GLOBAL local_infile = 1 as an administrator)',
    });
  }
  return new Mysql(connection, capabilitiesOf(info.version));
}

class Mysql implements MysqlClient {
  readonly engine = 'mysql' as const;
  constructor(
    readonly connection: Connection,
    readonly capabilities: MysqlCapabilities,
  ) {}

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const [rows] = await this.connection.query(sql, params as unknown[]);
    return (Array.isArray(rows) ? rows : []) as Row[];
  }

  async exec(sql: string): Promise<void> {
    await this.connection.query(sql);
  }

  /** Neutral columns of a table: types from the comments, nullability from the catalogue. */
  async columns(database: string | undefined, table: string): Promise<(Column & { readonly recorded: boolean })[]> {
    const rows = await this.query<{ name: string; comment: string; nullable: string }>(
      'SELECT COLUMN_NAME AS name, COLUMN_COMMENT AS comment, IS_NULLABLE AS nullable FROM information_schema.COLUMNS ' +
        'WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [database ?? null, table],
    );
    return rows.map((r) => {
      const type = typeFromComment(r.comment);
      return { name: r.name, type: type ?? { kind: 'text' }, nullable: r.nullable === 'YES', recorded: type !== undefined };
    });
  }

  private async typeMap(database: string | undefined, table: string): Promise<Map<string, ColumnType>> {
    return new Map((await this.columns(database, table)).filter((c) => c.recorded).map((c) => [c.name, c.type]));
  }

  loadCopyText(database: string, table: string, columns: readonly Column[], rows: AsyncIterable<string | Uint8Array>, options?: LoadOptions): Promise<number> {
    return loadCopyText(this.connection, database, table, columns, rows, options);
  }

  async copyIn(table: TableName, columns: readonly string[], rows: AsyncIterable<string | Uint8Array>): Promise<void> {
    const database = typeof table === 'string' ? undefined : table.schema;
    const name = typeof table === 'string' ? table : table.name;
    const all = await this.columns(database, name);
    const picked = columns.map((c) => {
      const column = all.find((a) => a.name === c);
      if (!column) throw new Error(`table ${name} has no column ${c}`);
      if (!column.recorded) throw new Error(`column ${name}.${c} was not created by repatriate (no neutral type in its comment)`);
      return column;
    });
    const db = database ?? (await this.currentDatabase());
    await loadCopyText(this.connection, db, name, picked, rows);
  }

  async *copyOut(query: string): AsyncIterable<Uint8Array> {
    yield* selectAsCopyText(this.raw(), query, new Map());
  }

  async *exportRows(query: RowQuery): AsyncIterable<Uint8Array> {
    if (query.select === '*' && query.where === 'TRUE') {
      yield* this.tableRows(undefined, query.table);
      return;
    }
    const types = await this.typeMap(undefined, query.table);
    yield* selectAsCopyText(this.raw(), rowQuerySql(query), types);
  }

  async *tableRows(database: string | undefined, table: string, where?: string): AsyncIterable<Uint8Array> {
    const columns = await this.columns(database, table);
    const db = database ?? (await this.currentDatabase());
    if (columns.every((c) => c.recorded)) {
      yield* tableAsCopyText(this.raw(), db, table, columns, where);
      return;
    }
    const types = new Map(columns.filter((c) => c.recorded).map((c) => [c.name, c.type]));
    yield* selectAsCopyText(this.raw(), `SELECT * FROM ${quoteMy(db)}.${quoteMy(table)}${where ? ` WHERE ${where}` : ''}`, types);
  }

  private async currentDatabase(): Promise<string> {
    const [[current]] = (await this.connection.query('SELECT DATABASE() AS db')) as unknown as [{ db: string | null }[]];
    if (!current?.db) throw new Error('no database selected');
    return current.db;
  }

  /** The callback connection under the promise wrapper: its queries stream. */
  private raw(): CallbackConnection {
    return (this.connection as unknown as { connection: CallbackConnection }).connection;
  }

  async close(): Promise<void> {
    await this.connection.end();
  }
}
