import type { Column, ColumnDefault, Index, Schema, Table } from '../../core/schema.js';
import { cloudTables } from './cloud.js';
import type { CloudTable } from './dsl.js';

/**
 * The on-premise structure of kernel release 24.1, derived from the cloud's: no tenant
 * column, no cloud-only tables, and the real differences below. The archive holds this
 * structure (M9); the build maps cloud rows into it.
 */
export type StructureDifference =
  | { readonly kind: 'cloudOnlyTable'; readonly table: string }
  | { readonly kind: 'renameColumn'; readonly table: string; readonly from: string; readonly to: string }
  | { readonly kind: 'splitTable'; readonly table: string; readonly into: string; readonly key: string; readonly columns: readonly string[] }
  | { readonly kind: 'changeDefault'; readonly table: string; readonly column: string; readonly cloud: ColumnDefault; readonly onPremise: ColumnDefault }
  | { readonly kind: 'changePrimaryKey'; readonly table: string; readonly cloud: readonly string[]; readonly onPremise: readonly string[] };

export const baseRelease = '24.1';

export const structureDifferences: readonly StructureDifference[] = [
  ...cloudTables.filter((t) => t.cloudOnly).map((t) => ({ kind: 'cloudOnlyTable', table: t.name }) as const),
  { kind: 'renameColumn', table: 'b_crm_deal', from: 'begindate', to: 'begin_date' },
  {
    kind: 'splitTable',
    table: 'b_user',
    into: 'b_user_profile',
    key: 'user_id',
    columns: ['personal_birthday', 'personal_phone', 'personal_city'],
  },
  {
    kind: 'changeDefault',
    table: 'b_tasks',
    column: 'allow_time_tracking',
    cloud: { kind: 'literal', value: false },
    onPremise: { kind: 'literal', value: true },
  },
  // In the cloud the account is the key of its telephony account; on premise there is one account.
  { kind: 'changePrimaryKey', table: 'b_voximplant_account', cloud: ['tenant_id'], onPremise: ['account_id'] },
];

function withoutTenant(table: CloudTable): Table {
  const tenant = table.tenant.kind === 'column' ? table.tenant.column : undefined;
  // Only the neutral table: the cloud's tenancy and secret annotations stay in the cloud.
  if (!tenant) return { name: table.name, module: table.module, columns: table.columns, primaryKey: table.primaryKey, indexes: table.indexes, foreignKeys: table.foreignKeys };
  const drop = (cols: readonly string[]): string[] => cols.filter((c) => c !== tenant);
  const indexes: Index[] = [];
  for (const index of table.indexes) {
    const columns = drop(index.columns);
    if (columns.length === 0) continue;
    const name = index.name.replace(`_${tenant}`, '');
    if (!indexes.some((i) => i.name === name)) indexes.push({ ...index, name, columns });
  }
  return {
    name: table.name,
    module: table.module,
    columns: table.columns.filter((c) => c.name !== tenant),
    primaryKey: drop(table.primaryKey),
    indexes,
    foreignKeys: table.foreignKeys,
  };
}

function applyDifference(tables: Table[], diff: StructureDifference): Table[] {
  const edit = (name: string, change: (t: Table) => Table): Table[] => tables.map((t) => (t.name === name ? change(t) : t));
  switch (diff.kind) {
    case 'cloudOnlyTable':
      return tables.filter((t) => t.name !== diff.table);
    case 'renameColumn':
      return edit(diff.table, (t) => ({
        ...t,
        columns: t.columns.map((c) => (c.name === diff.from ? { ...c, name: diff.to } : c)),
        indexes: t.indexes.map((i) => ({ ...i, columns: i.columns.map((c) => (c === diff.from ? diff.to : c)) })),
      }));
    case 'changeDefault':
      return edit(diff.table, (t) => ({
        ...t,
        columns: t.columns.map((c): Column => (c.name === diff.column ? { ...c, default: diff.onPremise } : c)),
      }));
    case 'changePrimaryKey':
      return edit(diff.table, (t) => ({ ...t, primaryKey: diff.onPremise }));
    case 'splitTable': {
      const source = tables.find((t) => t.name === diff.table);
      if (!source) throw new Error(`split of unknown table ${diff.table}`);
      const moved = source.columns.filter((c) => diff.columns.includes(c.name));
      const keyColumn = source.columns.find((c) => c.name === 'id');
      if (!keyColumn) throw new Error(`split of ${diff.table} needs an id column`);
      const part: Table = {
        name: diff.into,
        module: source.module,
        columns: [{ name: diff.key, type: keyColumn.type, nullable: false }, ...moved],
        primaryKey: [diff.key],
        indexes: [],
        foreignKeys: [{ name: `fk_${diff.into}_${diff.key}`, columns: [diff.key], refTable: diff.table, refColumns: ['id'], onDelete: 'cascade' }],
      };
      const remaining = edit(diff.table, (t) => ({ ...t, columns: t.columns.filter((c) => !diff.columns.includes(c.name)) }));
      const at = remaining.findIndex((t) => t.name === diff.table);
      return [...remaining.slice(0, at + 1), part, ...remaining.slice(at + 1)];
    }
  }
}

export function onPremiseSchema(): Schema {
  let tables: Table[] = cloudTables.map(withoutTenant);
  for (const diff of structureDifferences) tables = applyDifference(tables, diff);
  return { tables };
}
