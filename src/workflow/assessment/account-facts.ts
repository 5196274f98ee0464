import { RepatriateError } from '../../core/errors.js';
import type { SqlClient } from '../../engine/types.js';
import type { Manifest } from '../../manifest/schema.js';
import { cloudTables } from '../../platform/schema/cloud.js';
import { isAccountTable, tenantJoin } from '../../platform/schema/tenancy.js';

/**
 * What the desk reads about one cloud account, fast enough to answer in seconds for a large
 * account (B2): the registry row, users by kind (exact, through the account's index), rented
 * numbers and uploaded files (exact, small), and rows and bytes per table as the planner
 * estimates them from the catalogue statistics — never a scan of a big table.
 */
export interface AccountFacts {
  readonly id: number;
  readonly address: string;
  readonly title: string;
  readonly cloudEdition: string;
  readonly autoRenew: boolean;
  readonly status: string;
  readonly usersByKind: Record<string, number>;
  readonly activeKinds: readonly string[];
  readonly rentedNumbers: readonly string[];
  readonly files: { readonly count: number; readonly bytes: number };
  /** Estimated rows and bytes of the account per table, with the table's product module. */
  readonly tables: readonly TableEstimate[];
  readonly modules: Record<string, string>;
}

export interface TableEstimate {
  readonly table: string;
  readonly module: string;
  readonly rows: number;
  readonly bytes: number;
}

interface PlanNode {
  readonly Plan: { readonly 'Plan Rows': number };
}

async function estimateRows(db: SqlClient, sql: string): Promise<number> {
  const [row] = await db.query<{ 'QUERY PLAN': PlanNode[] | string }>(`EXPLAIN (FORMAT JSON) ${sql}`);
  const plan = row?.['QUERY PLAN'];
  const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as PlanNode[] | undefined;
  return Math.round(parsed?.[0]?.Plan['Plan Rows'] ?? 0);
}

export async function readAccountFacts(db: SqlClient, manifest: Manifest, address: string): Promise<AccountFacts> {
  const [tenant] = await db.query<{ id: number; address: string; title: string; edition: string; auto_renew: boolean; status: string }>(
    'SELECT id, address, title, edition, auto_renew, status FROM cloud_tenant WHERE address = $1',
    [address],
  );
  if (!tenant) {
    throw new RepatriateError('REPAT_ACCOUNT_UNKNOWN', `no cloud account ${address}`, { hint: 'write the address as it appears in the browser, e.g. https://acme.cloud.example' });
  }
  const id = Number(tenant.id);
  const usersByKind = Object.fromEntries((await db.query<{ kind: string; users: number }>(manifest.users.query, [id])).map((r) => [r.kind, Number(r.users)]));
  const rented = await db.query<{ number: string }>('SELECT number FROM b_voximplant_number WHERE tenant_id = $1 AND rented ORDER BY number', [id]);
  const [files] = await db.query<{ n: string; b: string | null }>('SELECT count(*) AS n, sum(file_size) AS b FROM b_file WHERE tenant_id = $1', [id]);
  const widths = new Map(
    (await db.query<{ name: string; pages: number; tuples: number }>(
      "SELECT c.relname AS name, c.relpages AS pages, c.reltuples AS tuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = current_schema()",
    )).map((r) => [r.name, r.tuples > 0 ? (Number(r.pages) * 8192) / Number(r.tuples) : 0]),
  );
  const tables: TableEstimate[] = [];
  for (const table of cloudTables) {
    if (!isAccountTable(table) || table.cloudOnly) continue;
    const join = tenantJoin(table);
    if (!join) continue;
    const rows = await estimateRows(db, `SELECT 1 FROM ${join.from} WHERE ${join.tenant} = ${id}`);
    tables.push({ table: table.name, module: table.module, rows, bytes: Math.round(rows * (widths.get(table.name) ?? 0)) });
  }
  const modules = Object.fromEntries((await db.query<{ module: string; version: string }>(manifest.modules.query)).map((r) => [r.module, r.version]));
  return {
    id,
    address: tenant.address,
    title: tenant.title,
    cloudEdition: tenant.edition,
    autoRenew: tenant.auto_renew,
    status: tenant.status,
    usersByKind,
    activeKinds: manifest.users.active,
    rentedNumbers: rented.map((r) => r.number),
    files: { count: Number(files?.n ?? 0), bytes: Number(files?.b ?? 0) },
    tables,
    modules,
  };
}

/** Exact rows of one table of the account (for tests and spot checks; scans). */
export async function countAccountRows(db: SqlClient, tableName: string, tenantId: number): Promise<number> {
  const table = cloudTables.find((t) => t.name === tableName);
  const join = table ? tenantJoin(table) : undefined;
  if (!join) throw new Error(`${tableName} is not an account table`);
  const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${join.from} WHERE ${join.tenant} = $1`, [tenantId]);
  return Number(row?.n ?? 0);
}
