/**
 * The engine-neutral schema model: what the archive's schema.json holds and what every engine
 * adapter renders into its own DDL. Types are few and exact, so a value's meaning never
 * depends on the engine that stores it.
 */
export type ColumnType =
  | { readonly kind: 'int16' }
  | { readonly kind: 'int32' }
  | { readonly kind: 'int64' }
  | { readonly kind: 'numeric'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'char'; readonly length: number }
  | { readonly kind: 'varchar'; readonly length: number }
  | { readonly kind: 'text' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'timestamptz' }
  | { readonly kind: 'json' }
  | { readonly kind: 'bytes' };

export type ColumnDefault =
  | { readonly kind: 'literal'; readonly value: string | number | boolean }
  | { readonly kind: 'now' };

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly default?: ColumnDefault;
  /** Values come from a sequence when the insert gives none. */
  readonly identity?: boolean;
}

export interface Index {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}

export interface ForeignKey {
  readonly name: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onDelete: 'cascade' | 'set null' | 'restrict';
}

export interface Table {
  readonly name: string;
  readonly module: string;
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
  readonly indexes: readonly Index[];
  readonly foreignKeys: readonly ForeignKey[];
}

export interface Schema {
  readonly tables: readonly Table[];
}

export const int16 = (): ColumnType => ({ kind: 'int16' });
export const int32 = (): ColumnType => ({ kind: 'int32' });
export const int64 = (): ColumnType => ({ kind: 'int64' });
export const numeric = (precision: number, scale: number): ColumnType => ({ kind: 'numeric', precision, scale });
export const char = (length: number): ColumnType => ({ kind: 'char', length });
export const varchar = (length: number): ColumnType => ({ kind: 'varchar', length });
export const text = (): ColumnType => ({ kind: 'text' });
export const bool = (): ColumnType => ({ kind: 'bool' });
export const date = (): ColumnType => ({ kind: 'date' });
export const timestamp = (): ColumnType => ({ kind: 'timestamp' });
export const timestamptz = (): ColumnType => ({ kind: 'timestamptz' });
export const json = (): ColumnType => ({ kind: 'json' });
export const bytes = (): ColumnType => ({ kind: 'bytes' });

export function findTable(schema: Schema, name: string): Table {
  const table = schema.tables.find((t) => t.name === name);
  if (!table) throw new Error(`schema has no table ${name}`);
  return table;
}
