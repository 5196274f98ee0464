import { quoteIdent } from '../engine/types.js';
import type { SqlClient } from '../engine/types.js';
import { RepatriateError } from '../core/errors.js';
import { cloudTables } from './schema/cloud.js';
import { isAccountTable, tenantOfRow } from './schema/tenancy.js';

/**
 * The freeze is enforced by the database: every account table gets a row trigger that refuses
 * INSERT, UPDATE and DELETE of a frozen account's rows, whoever issues them.
 */
export const frozenSqlState = 'RP001';

export function freezeGuardSql(): string[] {
  const statements = [
    `CREATE OR REPLACE FUNCTION cloud_refuse_if_frozen(account integer, op text, tbl text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM cloud_tenant WHERE id = account AND status = 'frozen') THEN
    RAISE EXCEPTION 'account % is frozen for migration: % on % refused', account, op, tbl USING ERRCODE = '${frozenSqlState}';
  END IF;
END $$`,
  ];
  for (const table of cloudTables.filter(isAccountTable)) {
    const fn = quoteIdent(`cloud_guard_${table.name}`);
    const oldTenant = tenantOfRow(table, 'OLD');
    const newTenant = tenantOfRow(table, 'NEW');
    statements.push(
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM cloud_refuse_if_frozen(${oldTenant}, TG_OP, TG_TABLE_NAME); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM cloud_refuse_if_frozen(${newTenant}, TG_OP, TG_TABLE_NAME); END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$`,
      `CREATE TRIGGER ${quoteIdent(`cloud_guard_${table.name}`)} BEFORE INSERT OR UPDATE OR DELETE ON ${quoteIdent(table.name)} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    );
  }
  return statements;
}

export type FreezeState = 'active' | 'frozen';

export async function setAccountState(db: SqlClient, address: string, state: FreezeState): Promise<{ id: number; previous: FreezeState }> {
  const rows = await db.query<{ id: number; status: FreezeState }>('SELECT id, status FROM cloud_tenant WHERE address = $1', [address]);
  const account = rows[0];
  if (!account) {
    throw new RepatriateError('REPAT_ACCOUNT_UNKNOWN', `no account ${address} in the reference cloud`, {
      hint: 'list the accounts with `repatriate cloud stats`',
    });
  }
  await db.query(`UPDATE cloud_tenant SET status = $2, frozen_at = ${state === 'frozen' ? 'now()' : 'NULL'} WHERE id = $1`, [account.id, state]);
  return { id: account.id, previous: account.status };
}
