import { openPostgres } from '../src/engine/postgres/client.js';
import { quoteIdent, type SqlClient } from '../src/engine/types.js';
import { accountCondition } from '../src/manifest/boundary.js';
import { referenceManifest } from '../src/platform/manifest.js';

/**
 * The reference tools' side of the benchmarks: a copy of the snapshot cut down to one account,
 * so pg_dump and pg_restore move exactly the rows our build and restore move.
 */
export async function withDb<T>(url: string, work: (db: SqlClient) => Promise<T>): Promise<T> {
  const db = await openPostgres(url);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

export async function databaseBytes(server: string, name: string): Promise<number> {
  return withDb(server, async (db) => Number((await db.query<{ n: string }>('SELECT pg_database_size($1) AS n', [name]))[0]!.n));
}

export interface ExportedTable {
  readonly table: string;
  readonly source: string;
}

/**
 * Deletes every other account's rows from `url` (a copy of the snapshot) along the manifest's
 * account boundaries, then checks that each exported table holds exactly the rows the build
 * exported. Returns the check's verdict and the tables the manifest leaves out.
 */
export async function cutToAccount(
  url: string,
  accountId: number,
  exports: readonly ExportedTable[],
  rowsByTable: Readonly<Record<string, number>>,
): Promise<{ check: string; leftOut: string[] }> {
  const manifest = referenceManifest();
  const leftOut: string[] = [];
  const check = await withDb(url, async (db) => {
    await db.exec('SET default_transaction_read_only = off');
    // Foreign-key and freeze triggers off: every table is cut along its own account boundary,
    // so no cascade (and no RESTRICT ordering) is needed.
    await db.exec('SET session_replication_role = replica');
    // Enough memory that `x IN (subquery)` under IS NOT TRUE runs as a hashed subplan, not a rescan per row.
    await db.exec("SET work_mem = '1GB'");
    await db.exec("SET maintenance_work_mem = '1GB'");
    const tables = await db.query<{ table_name: string; has_tenant: boolean }>(
      `SELECT c.relname AS table_name, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS has_tenant
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`,
    );
    for (const { table_name: table, has_tenant: hasTenant } of tables) {
      const policy = manifest.tables[table];
      const boundary = policy && 'boundary' in policy ? policy.boundary : undefined;
      if (policy && (policy.kind === 'excluded' || policy.kind === 'cloudOnly')) leftOut.push(table);
      let where: string | undefined;
      if (boundary) where = `(${accountCondition(manifest, boundary, 't', accountId)}) IS NOT TRUE`;
      else if (hasTenant) where = `t.tenant_id IS DISTINCT FROM ${accountId}`;
      else if (table === manifest.registry.table) where = `t.${quoteIdent(manifest.registry.id)} <> ${accountId}`;
      if (where) await db.exec(`DELETE FROM ${quoteIdent(table)} t WHERE ${where}`);
    }
    await db.exec('VACUUM FULL');
    await db.exec('ANALYZE');
    // The rows left must be the rows the build exported, table by table.
    // (Only tables that keep their name: a split table such as b_user → b_user_profile need not have a row per source row.)
    const problems: string[] = [];
    for (const q of exports.filter((e) => e.table === e.source)) {
      const n = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(q.source)}`))[0]!.n);
      const exported = rowsByTable[q.table] ?? 0;
      if (n !== exported) problems.push(`${q.source}: ${n} rows left, the build exported ${exported} into ${q.table}`);
    }
    return problems.length === 0 ? 'ok: every exported table holds exactly the rows the build exported' : problems.join('; ');
  });
  return { check, leftOut };
}
