import type { SqlClient } from '../types.js';

/** The user tables of the `public` schema as the catalog describes them (PostgreSQL and PGlite). */
export interface CatalogColumn {
  readonly name: string;
  readonly dataType: string;
  readonly nullable: boolean;
}

export interface CatalogTable {
  readonly name: string;
  readonly columns: readonly CatalogColumn[];
  /** Heap and TOAST bytes, and the planner's row estimate: for plans, not for exact counts. */
  readonly bytes: number;
  readonly estimatedRows: number;
}

export async function introspect(db: SqlClient): Promise<CatalogTable[]> {
  const tables = await db.query<{ name: string; bytes: string; rows: string }>(
    `SELECT c.relname AS name, pg_table_size(c.oid) AS bytes, greatest(c.reltuples, 0)::bigint AS rows
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  const columns = await db.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
    `SELECT table_name, column_name, format_type(a.atttypid, a.atttypmod) AS data_type, is_nullable
       FROM information_schema.columns ic
       JOIN pg_attribute a ON a.attrelid = format('public.%I', ic.table_name)::regclass AND a.attname = ic.column_name
      WHERE ic.table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  return tables.map((t) => ({
    name: t.name,
    bytes: Number(t.bytes),
    estimatedRows: Number(t.rows),
    columns: columns.filter((c) => c.table_name === t.name).map((c) => ({ name: c.column_name, dataType: c.data_type, nullable: c.is_nullable === 'YES' })),
  }));
}

export async function serverVersion(db: SqlClient): Promise<string> {
  const [row] = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return row?.v ?? 'unknown';
}
