import { quoteIdent } from '../engine/types.js';
import type { SqlClient } from '../engine/types.js';
import { cloudTables } from './schema/cloud.js';
import { isAccountTable, tenantJoin } from './schema/tenancy.js';
import type { UserKind } from './generator/world.js';

/**
 * Per-account statistics read from the database itself (live cloud or a snapshot): rows and
 * bytes per table, uploaded files, and users by kind.
 */
export interface TableCount {
  readonly rows: number;
  readonly bytes: number;
}

export interface AccountStats {
  readonly id: number;
  readonly address: string;
  readonly edition: string;
  readonly userLimit: number;
  readonly autoRenew: boolean;
  readonly status: string;
  readonly rentedNumbers: number;
  readonly users: Record<UserKind, number>;
  readonly files: { readonly count: number; readonly bytes: number };
  readonly tables: Record<string, TableCount>;
  readonly rows: number;
  readonly bytes: number;
}

export interface CloudStats {
  readonly accounts: AccountStats[];
  /** Tables shared by all accounts (reference data, the cloud's own registry). */
  readonly shared: Record<string, TableCount>;
}

/** How the reference product tells users apart; the assessment (M4) counts people from this. */
export const userKindSql = `CASE
    WHEN u.external_auth_id = 'bot' THEN 'bot'
    WHEN u.external_auth_id IN ('replica', '__controller') THEN 'system'
    WHEN u.external_auth_id = 'imconnector' THEN 'connector'
    WHEN NOT u.active THEN 'deactivated'
    WHEN u.confirm_code IS NOT NULL THEN 'invited'
    WHEN EXISTS (SELECT 1 FROM b_user_group ug JOIN b_group g ON g.id = ug.group_id WHERE ug.user_id = u.id AND g.string_id = 'EXTRANET') THEN 'extranet'
    ELSE 'employee'
  END`;

const userKinds: readonly UserKind[] = ['employee', 'extranet', 'invited', 'deactivated', 'bot', 'system', 'connector'];

export async function cloudStats(db: SqlClient): Promise<CloudStats> {
  const registry = await db.query<{ id: number; address: string; edition: string; user_limit: number; auto_renew: boolean; status: string }>(
    'SELECT id, address, edition, user_limit, auto_renew, status FROM cloud_tenant ORDER BY id',
  );
  const tables = new Map<number, Record<string, TableCount>>(registry.map((r) => [r.id, {}]));
  const shared: Record<string, TableCount> = {};

  for (const table of cloudTables) {
    const join = isAccountTable(table) ? tenantJoin(table) : undefined;
    if (!join) {
      const [row] = await db.query<{ n: string; b: string | null }>(`SELECT count(*) AS n, sum(pg_column_size(t.*)) AS b FROM ${quoteIdent(table.name)} t`);
      shared[table.name] = { rows: Number(row?.n ?? 0), bytes: Number(row?.b ?? 0) };
      continue;
    }
    const rows = await db.query<{ tenant: number; n: string; b: string | null }>(
      `SELECT ${join.tenant} AS tenant, count(*) AS n, sum(pg_column_size(t.*)) AS b FROM ${join.from} GROUP BY 1`,
    );
    for (const account of tables.values()) account[table.name] = { rows: 0, bytes: 0 };
    for (const row of rows) {
      const account = tables.get(Number(row.tenant));
      if (account) account[table.name] = { rows: Number(row.n), bytes: Number(row.b ?? 0) };
    }
  }

  const kinds = await db.query<{ tenant_id: number; kind: UserKind; n: string }>(
    `SELECT u.tenant_id, ${userKindSql} AS kind, count(*) AS n FROM b_user u GROUP BY 1, 2`,
  );
  const files = await db.query<{ tenant_id: number; n: string; b: string | null }>('SELECT tenant_id, count(*) AS n, sum(file_size) AS b FROM b_file GROUP BY 1');
  const rented = await db.query<{ tenant_id: number; n: string }>('SELECT tenant_id, count(*) AS n FROM b_voximplant_number WHERE rented GROUP BY 1');

  const accounts = registry.map((r): AccountStats => {
    const users = Object.fromEntries(userKinds.map((k) => [k, 0])) as Record<UserKind, number>;
    for (const k of kinds.filter((k) => k.tenant_id === r.id)) users[k.kind] = Number(k.n);
    const accountTables = tables.get(r.id) ?? {};
    const file = files.find((f) => f.tenant_id === r.id);
    return {
      id: r.id,
      address: r.address,
      edition: r.edition,
      userLimit: r.user_limit,
      autoRenew: r.auto_renew,
      status: r.status,
      rentedNumbers: Number(rented.find((x) => x.tenant_id === r.id)?.n ?? 0),
      users,
      files: { count: Number(file?.n ?? 0), bytes: Number(file?.b ?? 0) },
      tables: accountTables,
      rows: Object.values(accountTables).reduce((a, t) => a + t.rows, 0),
      bytes: Object.values(accountTables).reduce((a, t) => a + t.bytes, 0),
    };
  });
  return { accounts, shared };
}
