import { quoteIdent } from '../engine/types.js';
import type { Boundary, Manifest } from './schema.js';

/**
 * The SQL condition that keeps one account's rows of a table read as `alias`: the tenant
 * column, or membership of the parent's key among the parent rows of the account.
 */
export function accountCondition(manifest: Manifest, boundary: Boundary, alias: string, accountId: number, depth = 1): string {
  if ('column' in boundary) return `${alias}.${quoteIdent(boundary.column)} = ${Math.trunc(accountId)}`;
  const { column, table, refColumn } = boundary.via;
  const parent = manifest.tables[table];
  const parentBoundary = parent && 'boundary' in parent ? parent.boundary : undefined;
  if (!parentBoundary) throw new Error(`${table} has no account boundary, but another table reaches its account through it`);
  const p = `p${depth}`;
  return `${alias}.${quoteIdent(column)} IN (SELECT ${p}.${quoteIdent(refColumn)} FROM ${quoteIdent(table)} ${p} WHERE ${accountCondition(manifest, parentBoundary, p, accountId, depth + 1)})`;
}
