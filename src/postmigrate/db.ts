import type { EngineName, SqlClient } from '../engine/types.js';

/**
 * The few engine differences the assistant meets, kept in one place: statements are written
 * with `?` placeholders (MySQL's) and turned into `$n` for PostgreSQL and PGlite; results are
 * normalised (MySQL answers 0/1 for booleans, numbers where PostgreSQL answers strings).
 */
export class Db {
  constructor(readonly client: SqlClient) {}

  get engine(): EngineName {
    return this.client.engine;
  }

  query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.client.query<Row>(this.client.engine === 'mysql' ? sql : dollarPlaceholders(sql), params.map(normaliseParam));
  }

  async one<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return (await this.query<Row>(sql, params))[0];
  }

  async count(sql: string, params: readonly unknown[] = []): Promise<number> {
    const row = await this.one<{ n: unknown }>(sql, params);
    return Number(row?.n ?? 0);
  }

  exec(sql: string): Promise<void> {
    return this.client.exec(sql);
  }

  /** Whether a table exists in the installation's default schema/database. */
  async hasTable(table: string): Promise<boolean> {
    const sql = this.engine === 'mysql'
      ? 'SELECT count(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?'
      : "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?";
    return (await this.count(sql, [table])) > 0;
  }

  async hasColumn(table: string, column: string): Promise<boolean> {
    const sql = this.engine === 'mysql'
      ? 'SELECT count(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?'
      : 'SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?';
    return (await this.count(sql, [table, column])) > 0;
  }

  async hasIndex(table: string, index: string): Promise<boolean> {
    const sql = this.engine === 'mysql'
      ? 'SELECT count(*) AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?'
      : 'SELECT count(*) AS n FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? AND indexname = ?';
    return (await this.count(sql, [table, index])) > 0;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't' || value === 'true';
}

export function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Date) return value.toISOString();
  // jsonb arrives parsed from PostgreSQL.
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function normaliseParam(value: unknown): unknown {
  // MySQL's TIMESTAMP/DATETIME and PostgreSQL's timestamptz both read this form, in UTC sessions.
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  return value;
}

/** `?` -> `$1, $2 …`, outside quoted strings and identifiers. */
export function dollarPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') out += `$${++n}`;
    else out += ch;
  }
  return out;
}
