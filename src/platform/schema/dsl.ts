import type { Column, ColumnDefault, ColumnType, ForeignKey, Index, Table } from '../../core/schema.js';
import { int32, int64 } from '../../core/schema.js';

/**
 * How a cloud table belongs to an account: a tenant column, a foreign-key path to a table that
 * has one, global (shared by all accounts), or part of the platform itself.
 */
export type TenantLink =
  | { readonly kind: 'column'; readonly column: string }
  | { readonly kind: 'via'; readonly column: string; readonly table: string; readonly refColumn: string }
  | { readonly kind: 'global' }
  | { readonly kind: 'platform' };

export interface CloudTable extends Table {
  readonly tenant: TenantLink;
  /** Columns holding credentials or tokens; the generator puts a canary into every value. */
  readonly secrets: readonly string[];
  /** Exists in the cloud product only, never in an on-premise release. */
  readonly cloudOnly: boolean;
}

interface ColumnOptions {
  readonly null?: boolean;
  readonly default?: string | number | boolean;
  readonly defaultNow?: boolean;
}

export function col(name: string, type: ColumnType, options: ColumnOptions = {}): Column {
  const columnDefault: ColumnDefault | undefined = options.defaultNow
    ? { kind: 'now' }
    : options.default === undefined
      ? undefined
      : { kind: 'literal', value: options.default };
  return { name, type, nullable: options.null ?? false, ...(columnDefault ? { default: columnDefault } : {}) };
}

export const opt = (name: string, type: ColumnType): Column => col(name, type, { null: true });
export const id = (name = 'id'): Column => ({ name, type: int64(), nullable: false, identity: true });
export const tenantColumn = (): Column => col('tenant_id', int32());

interface TableOptions {
  readonly tenant?: TenantLink;
  readonly primaryKey?: readonly string[];
  readonly unique?: readonly (readonly string[])[];
  readonly index?: readonly (readonly string[])[];
  /** [column, referenced table, on delete]; the referenced column is its primary key `id` unless given as table.column. */
  readonly refs?: readonly (readonly [string, string, ForeignKey['onDelete']?])[];
  readonly secrets?: readonly string[];
  readonly cloudOnly?: boolean;
}

export function table(name: string, module: string, columns: readonly Column[], options: TableOptions = {}): CloudTable {
  const hasTenantColumn = columns.some((c) => c.name === 'tenant_id');
  const tenant: TenantLink = options.tenant ?? (hasTenantColumn ? { kind: 'column', column: 'tenant_id' } : { kind: 'global' });
  const indexes: Index[] = [
    ...(options.unique ?? []).map((cols) => ({ name: `ux_${name}_${cols.join('_')}`, columns: cols, unique: true })),
    ...(options.index ?? []).map((cols) => ({ name: `ix_${name}_${cols.join('_')}`, columns: cols, unique: false })),
  ];
  if (tenant.kind === 'column' && !indexes.some((i) => i.columns[0] === tenant.column)) {
    indexes.push({ name: `ix_${name}_${tenant.column}`, columns: [tenant.column], unique: false });
  }
  const foreignKeys: ForeignKey[] = (options.refs ?? []).map(([column, target, onDelete]) => {
    const [refTable, refColumn] = target.includes('.') ? (target.split('.') as [string, string]) : [target, 'id'];
    return { name: `fk_${name}_${column}`, columns: [column], refTable, refColumns: [refColumn], onDelete: onDelete ?? 'cascade' };
  });
  for (const secret of options.secrets ?? []) {
    if (!columns.some((c) => c.name === secret)) throw new Error(`${name}: secret column ${secret} is not a column`);
  }
  return {
    name,
    module,
    columns,
    primaryKey: options.primaryKey ?? ['id'],
    indexes,
    foreignKeys,
    tenant,
    secrets: options.secrets ?? [],
    cloudOnly: options.cloudOnly ?? false,
  };
}
