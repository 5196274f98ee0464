import { quoteIdent } from '../../engine/types.js';
import { cloudTable } from './cloud.js';
import type { CloudTable } from './dsl.js';

/** SQL that finds the account a row belongs to, following the table's tenant link. */

/** FROM clause and tenant expression for a whole-table query (joins, fast for scans). */
export function tenantJoin(table: CloudTable, alias = 't'): { from: string; tenant: string } | undefined {
  let from = `${quoteIdent(table.name)} ${alias}`;
  let current = table;
  let currentAlias = alias;
  for (let hop = 1; current.tenant.kind === 'via'; hop++) {
    const link = current.tenant;
    const next = cloudTable(link.table);
    const nextAlias = `${alias}${hop}`;
    from += ` JOIN ${quoteIdent(next.name)} ${nextAlias} ON ${nextAlias}.${quoteIdent(link.refColumn)} = ${currentAlias}.${quoteIdent(link.column)}`;
    current = next;
    currentAlias = nextAlias;
  }
  if (current.tenant.kind !== 'column') return undefined;
  return { from, tenant: `${currentAlias}.${quoteIdent(current.tenant.column)}` };
}

/** Scalar expression for one row (`NEW` or `OLD` in a trigger), following foreign keys with subqueries. */
export function tenantOfRow(table: CloudTable, row: string, depth = 0): string | undefined {
  const link = table.tenant;
  if (link.kind === 'column') return `${row}.${quoteIdent(link.column)}`;
  if (link.kind !== 'via') return undefined;
  const next = cloudTable(link.table);
  const alias = `hop${depth}`;
  const inner = tenantOfRow(next, alias, depth + 1);
  if (inner === undefined) return undefined;
  return `(SELECT ${inner} FROM ${quoteIdent(next.name)} ${alias} WHERE ${alias}.${quoteIdent(link.refColumn)} = ${row}.${quoteIdent(link.column)})`;
}

export function isAccountTable(table: CloudTable): boolean {
  return table.tenant.kind === 'column' || table.tenant.kind === 'via';
}
