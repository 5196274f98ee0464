import { RepatriateError } from '../core/errors.js';
import type { Column, Schema, Table } from '../core/schema.js';
import type { CatalogTable } from '../engine/postgres/introspect.js';
import { quoteIdent, quoteLiteral, type RowQuery } from '../engine/types.js';
import { accountCondition } from './boundary.js';
import type { Boundary, ColumnPolicy, Manifest, TaskId } from './schema.js';

/**
 * Checks the manifest against the snapshot's real catalog and the target release's structure,
 * and turns it into what the build does: one row query per on-premise table, and the ledger
 * of everything left out. Fails closed: an unclassified table or column stops everything.
 */
export interface TableExport {
  /** The on-premise table, as schema.json describes it. */
  readonly target: Table;
  /** The cloud table its rows come from; undefined when the table starts empty on premise. */
  readonly source: string | undefined;
  /** The account's rows, in the target's column order. */
  readonly query: RowQuery | undefined;
  /** Why a table with no source starts empty, and which task fills it (none when the license's edition lacks its module). */
  readonly empty?: { readonly reason: string; readonly task: TaskId | undefined };
}

export interface ExcludedTable {
  readonly table: string;
  readonly reason: string;
  readonly task: TaskId | undefined;
  /** How the account's rows that stay behind are counted (undefined: the table belongs to no account). */
  readonly count: ExcludedCount | undefined;
  /** Selects `code` and `name` of each of the account's rows, when the manifest lists them. */
  readonly listQuery: RowQuery | undefined;
}

/** Counted exactly, or scaled from the parent's rows for the account by the two tables' sizes (schema.ts, `count`). */
export type ExcludedCount =
  | { readonly kind: 'exact'; readonly query: RowQuery }
  | { readonly kind: 'scaled'; readonly parent: RowQuery; readonly table: string };

export interface ExcludedColumn {
  readonly table: string;
  readonly column: string;
  readonly policy: 'secret' | 'derived';
  readonly task: TaskId;
}

export interface MigrationPlan {
  readonly exports: readonly TableExport[];
  readonly excludedTables: readonly ExcludedTable[];
  readonly excludedColumns: readonly ExcludedColumn[];
}

interface ColumnSource {
  readonly table: string;
  readonly expression: string;
}

function unclassified(message: string): RepatriateError {
  return new RepatriateError('REPAT_UNCLASSIFIED', message, {
    hint: 'classify it in the migration manifest (copy, secret, derived, to, or exclude the table with a reason); nothing was written',
  });
}

function manifestError(message: string): RepatriateError {
  return new RepatriateError('REPAT_MANIFEST_INVALID', message, { hint: 'the manifest and the on-premise release must describe the same structure' });
}

/** The empty value a column gets when its cloud value may not leave: NULL, its default, or the zero of its type. */
export function placeholderValue(column: Column): string {
  if (column.nullable) return 'NULL';
  if (column.default?.kind === 'literal') {
    const v = column.default.value;
    return typeof v === 'string' ? quoteLiteral(v) : String(v);
  }
  switch (column.type.kind) {
    case 'int16': case 'int32': case 'int64': case 'numeric': return '0';
    case 'bool': return 'false';
    case 'date': return "'1970-01-01'";
    case 'timestamp': case 'timestamptz': return "'1970-01-01 00:00:00+00'";
    case 'json': return "'{}'";
    case 'bytes': return "''::bytea";
    default: return "''";
  }
}

function targetsOf(table: string, column: string, policy: ColumnPolicy): string[] {
  if (policy === 'copy') return [`${table}.${column}`];
  if (policy === 'tenant') return [];
  if ('to' in policy) return policy.to;
  return [];
}

export interface ClassifyOptions {
  /**
   * Product modules whose data cannot move (M6: the license's edition lacks them), each with
   * the reason the ledger gives. Their on-premise tables start empty; a column of another table
   * that references one of them is emptied when it may be NULL, otherwise its table stays
   * behind too.
   */
  readonly leaveOutModules?: ReadonlyMap<string, string>;
}

export function classify(manifest: Manifest, catalog: readonly CatalogTable[], release: Schema, accountId: number, options: ClassifyOptions = {}): MigrationPlan {
  // 1. Every table and column of the snapshot is classified, and the manifest names nothing that is not there.
  for (const table of catalog) {
    const policy = manifest.tables[table.name];
    if (!policy) throw unclassified(`table ${table.name} is not classified by the migration manifest`);
    if (policy.kind === 'excluded' && policy.listed) {
      for (const name of [policy.listed.code, policy.listed.name]) {
        if (!table.columns.some((c) => c.name === name)) throw manifestError(`the manifest lists ${table.name}.${name} in the ledger, which the snapshot does not have`);
      }
    }
    if (policy.kind === 'account' || policy.kind === 'global') {
      for (const column of table.columns) {
        if (!(column.name in policy.columns)) throw unclassified(`column ${table.name}.${column.name} is not classified by the migration manifest`);
      }
      for (const name of Object.keys(policy.columns)) {
        if (!table.columns.some((c) => c.name === name)) throw manifestError(`the manifest classifies ${table.name}.${name}, which the snapshot does not have`);
      }
    }
  }
  for (const name of Object.keys(manifest.tables)) {
    if (!catalog.some((t) => t.name === name)) throw manifestError(`the manifest names table ${name}, which the snapshot does not have`);
  }

  // 2. Where every on-premise column comes from.
  const sources = new Map<string, ColumnSource>();
  const excludedColumns: ExcludedColumn[] = [];
  const boundaries = new Map<string, Boundary | undefined>();
  for (const [tableName, policy] of Object.entries(manifest.tables)) {
    if (policy.kind !== 'account' && policy.kind !== 'global') continue;
    boundaries.set(tableName, policy.kind === 'account' ? policy.boundary : undefined);
    for (const [column, columnPolicy] of Object.entries(policy.columns)) {
      if (typeof columnPolicy === 'object' && ('secret' in columnPolicy || 'derived' in columnPolicy)) {
        const kind = 'secret' in columnPolicy ? 'secret' : 'derived';
        const task = 'secret' in columnPolicy ? columnPolicy.secret : columnPolicy.derived;
        excludedColumns.push({ table: tableName, column, policy: kind, task });
        sources.set(`${tableName}.${column}`, { table: tableName, expression: '' });
        continue;
      }
      for (const target of targetsOf(tableName, column, columnPolicy)) {
        if (sources.has(target)) throw manifestError(`two cloud columns feed the on-premise column ${target}`);
        sources.set(target, { table: tableName, expression: `t.${quoteIdent(column)}` });
      }
    }
  }
  for (const target of sources.keys()) {
    const [table, column] = target.split('.') as [string, string];
    const release_table = release.tables.find((t) => t.name === table);
    if (!release_table || !release_table.columns.some((c) => c.name === column)) {
      throw manifestError(`the manifest maps into ${target}, which release ${manifest.targetRelease} does not have`);
    }
  }

  // 3. Which on-premise tables stay empty because the edition lacks their module, or needs a row of one that does.
  const leftOut = new Map<string, string>();
  for (const table of release.tables) {
    const reason = options.leaveOutModules?.get(table.module);
    if (reason) leftOut.set(table.name, reason);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const table of release.tables) {
      if (leftOut.has(table.name)) continue;
      const required = table.foreignKeys.find((fk) => leftOut.has(fk.refTable) && fk.columns.some((c) => !table.columns.find((col) => col.name === c)?.nullable));
      if (required) {
        leftOut.set(table.name, `its rows need rows of ${required.refTable}, which stays behind (${leftOut.get(required.refTable)})`);
        changed = true;
      }
    }
  }
  const emptied = (table: Table, column: Column): boolean => table.foreignKeys.some((fk) => leftOut.has(fk.refTable) && fk.columns.includes(column.name));

  // 4. One row query per on-premise table.
  const exports: TableExport[] = release.tables.map((target) => {
    const leftOutReason = leftOut.get(target.name);
    if (leftOutReason) return { target, source: undefined, query: undefined, empty: { reason: leftOutReason, task: undefined } };
    const columnSources = target.columns.map((c) => ({ column: c, source: sources.get(`${target.name}.${c.name}`) }));
    const from = new Set(columnSources.flatMap((s) => (s.source ? [s.source.table] : [])));
    if (from.size === 0) {
      const excluded = manifest.tables[target.name];
      if (excluded?.kind === 'excluded') return { target, source: undefined, query: undefined, empty: { reason: excluded.reason, task: excluded.task } };
      throw manifestError(`on-premise table ${target.name} has no source in the manifest and is not excluded`);
    }
    if (from.size > 1) throw manifestError(`on-premise table ${target.name} would be fed by several cloud tables: ${[...from].join(', ')}`);
    const source = [...from][0]!;
    const missing = columnSources.find((s) => !s.source);
    if (missing) throw manifestError(`on-premise column ${target.name}.${missing.column.name} has no source in the manifest`);
    const select = columnSources
      .map(({ column, source: s }) => `${s!.expression === '' || emptied(target, column) ? placeholderValue(column) : s!.expression} AS ${quoteIdent(column.name)}`)
      .join(', ');
    const boundary = boundaries.get(source);
    const where = boundary ? accountCondition(manifest, boundary, 't', accountId) : 'TRUE';
    return { target, source, query: { select, table: source, where } };
  });

  // The account's rows of cloud tables that feed only tables left out stay behind, counted in the ledger.
  const leftBehind = new Map<string, string>();
  for (const entry of exports) {
    if (!entry.empty || entry.empty.task !== undefined) continue;
    for (const source of new Set([...sources.entries()].filter(([target, s]) => target.startsWith(`${entry.target.name}.`) && s.expression !== '').map(([, s]) => s.table))) {
      if (!exports.some((e) => e.source === source)) leftBehind.set(source, entry.empty.reason);
    }
  }
  const excludedTables = Object.entries(manifest.tables).flatMap(([table, policy]): ExcludedTable[] =>
    (policy.kind === 'account' || policy.kind === 'global') && leftBehind.has(table)
      ? [{
          table,
          reason: leftBehind.get(table)!,
          task: undefined,
          count: policy.kind === 'account' ? { kind: 'exact', query: { select: '1', table, where: accountCondition(manifest, policy.boundary, 't', accountId) } } : undefined,
          listQuery: undefined,
        }]
      : policy.kind === 'excluded'
      ? [{
          table,
          reason: policy.reason,
          task: policy.task,
          count: policy.boundary ? excludedCount(manifest, table, policy.boundary, policy.count, accountId) : undefined,
          listQuery: policy.boundary && policy.listed
            ? { select: `t.${quoteIdent(policy.listed.code)} AS code, t.${quoteIdent(policy.listed.name)} AS name`, table, where: accountCondition(manifest, policy.boundary, 't', accountId) }
            : undefined,
        }]
      : policy.kind === 'cloudOnly'
        ? [{ table, reason: policy.reason, task: undefined, count: undefined, listQuery: undefined }]
        : [],
  );

  return { exports, excludedTables, excludedColumns };
}

function excludedCount(manifest: Manifest, table: string, boundary: Boundary, count: 'exact' | 'estimate' | undefined, accountId: number): ExcludedCount {
  if (count !== 'estimate') return { kind: 'exact', query: { select: '1', table, where: accountCondition(manifest, boundary, 't', accountId) } };
  if (!('via' in boundary)) throw new RepatriateError('REPAT_MANIFEST_INVALID', `${table}: count "estimate" needs a via boundary, a parent table to scale from`, { hint: 'count the table exactly, or give it a via boundary' });
  const parent = manifest.tables[boundary.via.table];
  const parentBoundary = parent && 'boundary' in parent ? parent.boundary : undefined;
  if (!parentBoundary) throw new RepatriateError('REPAT_MANIFEST_INVALID', `${boundary.via.table} has no account boundary, but ${table} reaches its account through it`, { hint: 'give the parent table a boundary' });
  return { kind: 'scaled', table, parent: { select: '1', table: boundary.via.table, where: accountCondition(manifest, parentBoundary, 't', accountId) } };
}
