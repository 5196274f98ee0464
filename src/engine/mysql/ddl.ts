import { RepatriateError } from '../../core/errors.js';
import type { Column, ColumnType, Index, Table } from '../../core/schema.js';
import { mariadbDefaults, maxKeyBytes, type MysqlCapabilities } from './capabilities.js';

/**
 * Renders the neutral schema (src/core/schema.ts) as MySQL/MariaDB DDL, docs/restore.md §5.
 * Every column carries its neutral type in its COMMENT (`repatriate:{…}`), so a read-back can
 * tell `timestamp` from `timestamptz` (both DATETIME(6)) and `json` from `text` without the
 * archive's schema.json.
 *
 * JSON is stored as LONGTEXT with a JSON_VALID check, not MySQL's binary JSON type: the archive
 * already holds PostgreSQL's canonical jsonb text, and a text column gives it back byte for
 * byte (MySQL's JSON type re-prints keys, spacing and numbers its own way). On MariaDB, JSON is
 * itself an alias of exactly this (LONGTEXT + JSON_VALID), so nothing is lost there.
 */
export function quoteMy(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

export function quoteMyLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

const named = (table: string, database?: string): string => (database ? `${quoteMy(database)}.${quoteMy(table)}` : quoteMy(table));

/** The longest VARCHAR a utf8mb4 column can declare (65,535 bytes / 4). */
export const maxVarchar = 16383;
/** The row-size limit of the VARCHAR columns of one table, with headroom for length bytes and fixed columns. */
const maxRowVarcharBytes = 65535 - 2048;

export const commentPrefix = 'repatriate:';

export function neutralComment(type: ColumnType): string {
  return commentPrefix + JSON.stringify(type);
}

/** The neutral type a column comment records, if it was written by {@link neutralComment}. */
export function typeFromComment(comment: string): ColumnType | undefined {
  if (!comment.startsWith(commentPrefix)) return undefined;
  try {
    return JSON.parse(comment.slice(commentPrefix.length)) as ColumnType;
  } catch {
    return undefined;
  }
}

/** How a column is physically held: long VARCHARs may become LONGTEXT with a length check (row-size limit). */
interface Layout {
  readonly asLongText: ReadonlySet<string>;
}

function layoutOf(table: Table): Layout {
  const asLongText = new Set<string>();
  const varchars = table.columns
    .filter((c) => (c.type.kind === 'varchar' || (c.type.kind === 'char' && c.type.length > 255)))
    .map((c) => ({ name: c.name, bytes: 4 * (c.type as { length: number }).length }));
  for (const v of varchars) if (v.bytes > maxVarchar * 4) asLongText.add(v.name);
  let total = varchars.filter((v) => !asLongText.has(v.name)).reduce((sum, v) => sum + v.bytes, 0);
  for (const v of [...varchars].sort((a, b) => b.bytes - a.bytes)) {
    if (total <= maxRowVarcharBytes) break;
    if (asLongText.has(v.name)) continue;
    asLongText.add(v.name);
    total -= v.bytes;
  }
  return { asLongText };
}

export function mysqlType(type: ColumnType, longText = false): string {
  switch (type.kind) {
    case 'int16': return 'SMALLINT';
    case 'int32': return 'INT';
    case 'int64': return 'BIGINT';
    case 'numeric': return `DECIMAL(${type.precision},${type.scale})`;
    case 'char': return longText ? 'LONGTEXT' : type.length > 255 ? `VARCHAR(${type.length})` : `CHAR(${type.length})`;
    case 'varchar': return longText ? 'LONGTEXT' : `VARCHAR(${type.length})`;
    case 'text': return 'LONGTEXT';
    case 'bool': return 'TINYINT(1)';
    case 'date': return 'DATE';
    case 'timestamp': return 'DATETIME(6)';
    case 'timestamptz': return 'DATETIME(6)';
    case 'json': return 'LONGTEXT';
    case 'bytes': return 'LONGBLOB';
  }
}

function defaultSql(column: Column): string {
  const d = column.default;
  if (!d) return '';
  if (d.kind === 'now') {
    if (column.type.kind === 'timestamptz') return ' DEFAULT UTC_TIMESTAMP(6)';
    if (column.type.kind === 'date') return ' DEFAULT (CURRENT_DATE)';
    return ' DEFAULT CURRENT_TIMESTAMP(6)';
  }
  if (typeof d.value === 'boolean') return ` DEFAULT ${d.value ? 1 : 0}`;
  if (typeof d.value === 'number') return ` DEFAULT ${String(d.value)}`;
  return ` DEFAULT ${quoteMyLiteral(d.value)}`;
}

function columnSql(column: Column, layout: Layout, caps: MysqlCapabilities, autoIncrement: boolean): string {
  const longText = layout.asLongText.has(column.name);
  const type = mysqlType(column.type, longText);
  let sql = `${quoteMy(column.name)} ${type}`;
  if (type === 'LONGTEXT' || type.startsWith('VARCHAR') || type.startsWith('CHAR')) sql += ` CHARACTER SET utf8mb4 COLLATE ${caps.collation}`;
  sql += column.nullable ? ' NULL' : ' NOT NULL';
  if (autoIncrement) sql += ' AUTO_INCREMENT';
  sql += defaultSql(column);
  sql += ` COMMENT ${quoteMyLiteral(neutralComment(column.type))}`;
  if (column.type.kind === 'json') sql += ` CHECK (JSON_VALID(${quoteMy(column.name)}))`;
  if (longText && (column.type.kind === 'varchar' || column.type.kind === 'char')) {
    sql += ` CHECK (CHAR_LENGTH(${quoteMy(column.name)}) <= ${column.type.length})`;
  }
  return sql;
}

/** Refuses tables MySQL/MariaDB cannot hold exactly, before anything is created. */
export function checkTableDefinition(table: Table, caps: MysqlCapabilities = mariadbDefaults): void {
  const problems: string[] = [];
  for (const c of table.columns) {
    if (c.type.kind === 'numeric' && (c.type.precision > 65 || c.type.scale > 38 || c.type.scale > c.type.precision)) {
      problems.push(`${c.name} is numeric(${c.type.precision},${c.type.scale}); DECIMAL allows at most 65 digits with 38 after the point`);
    }
    if (c.identity && !['int16', 'int32', 'int64'].includes(c.type.kind)) problems.push(`${c.name} is an identity column of type ${c.type.kind}`);
  }
  if (table.name.length > 64) problems.push(`the table name is longer than 64 characters`);
  const layout = layoutOf(table);
  if (table.primaryKey.length > 0 && keyBytes(table, table.primaryKey, layout) > maxKeyBytes) {
    problems.push(`the primary key (${table.primaryKey.join(', ')}) is longer than ${maxKeyBytes} bytes`);
  }
  for (const index of table.indexes) {
    if (index.unique && !caps.longUniqueHash && keyBytes(table, index.columns, layout) > maxKeyBytes) {
      problems.push(`the unique index ${index.name} is longer than ${maxKeyBytes} bytes and ${caps.flavor} ${caps.version} has no hash unique keys`);
    }
  }
  if (problems.length > 0) {
    throw new RepatriateError('REPAT_TARGET_UNSUPPORTED', `table ${table.name} cannot be created on ${caps.flavor}: ${problems.join('; ')}`, {
      hint: 'restore into PostgreSQL, or change the on-premise release schema',
    });
  }
}

function columnBytes(column: Column, layout: Layout): number {
  const t = column.type;
  if (layout.asLongText.has(column.name)) return Infinity;
  switch (t.kind) {
    case 'int16': return 2;
    case 'int32': return 4;
    case 'int64': return 8;
    case 'numeric': return Math.ceil(t.precision / 2) + 1;
    case 'char': case 'varchar': return 4 * t.length;
    case 'bool': return 1;
    case 'date': return 3;
    case 'timestamp': case 'timestamptz': return 8;
    case 'text': case 'json': case 'bytes': return Infinity;
  }
}

function keyBytes(table: Table, columns: readonly string[], layout: Layout): number {
  return columns.reduce((sum, name) => {
    const column = table.columns.find((c) => c.name === name);
    if (!column) throw new Error(`table ${table.name} has no column ${name}`);
    return sum + columnBytes(column, layout);
  }, 0);
}

const tableOptions = (caps: MysqlCapabilities): string => `ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=${caps.collation}`;

/**
 * CREATE TABLE with its primary key and AUTO_INCREMENT, without secondary indexes and foreign
 * keys. InnoDB stores rows in primary-key order: declaring the key before LOAD DATA appends rows
 * (they arrive in key order, mostly) where adding it afterwards rebuilds the whole table.
 */
export function createTableSql(table: Table, database?: string, caps: MysqlCapabilities = mariadbDefaults): string {
  checkTableDefinition(table, caps);
  const layout = layoutOf(table);
  const parts = table.columns.map((c) => columnSql(c, layout, caps, c.identity === true));
  parts.push(...keyClauses(table));
  return `CREATE TABLE ${named(table.name, database)} (\n  ${parts.join(',\n  ')}\n) ${tableOptions(caps)}`;
}

/** PRIMARY KEY, plus a plain key for an identity column that does not lead it (AUTO_INCREMENT needs one). */
function keyClauses(table: Table): string[] {
  const clauses: string[] = [];
  if (table.primaryKey.length > 0) clauses.push(`PRIMARY KEY (${table.primaryKey.map(quoteMy).join(', ')})`);
  for (const c of table.columns) {
    if (c.identity && table.primaryKey[0] !== c.name) clauses.push(`KEY ${quoteMy(`${table.name}_${c.name}_identity`.slice(0, 64))} (${quoteMy(c.name)})`);
  }
  return clauses;
}

function indexColumns(table: Table, index: Index, layout: Layout, caps: MysqlCapabilities): { sql: string; hash: boolean } {
  const bytes = keyBytes(table, index.columns, layout);
  if (bytes <= maxKeyBytes) return { sql: index.columns.map(quoteMy).join(', '), hash: false };
  if (index.unique) {
    // A prefix would refuse rows whose prefixes collide; MariaDB's hash keeps the full value.
    if (!caps.longUniqueHash) checkTableDefinition(table, caps);
    return { sql: index.columns.map(quoteMy).join(', '), hash: true };
  }
  // A non-unique index only speeds look-ups: index a prefix of the long columns.
  const fixed = index.columns.reduce((sum, name) => {
    const b = columnBytes(table.columns.find((c) => c.name === name)!, layout);
    return sum + (b <= 256 ? b : 0);
  }, 0);
  const long = index.columns.filter((name) => columnBytes(table.columns.find((c) => c.name === name)!, layout) > 256);
  const prefixChars = Math.max(1, Math.floor((maxKeyBytes - fixed) / long.length / 4));
  return {
    sql: index.columns
      .map((name) => {
        const column = table.columns.find((c) => c.name === name)!;
        const b = columnBytes(column, layout);
        if (b <= 256) return quoteMy(name);
        const length = column.type.kind === 'varchar' || column.type.kind === 'char' ? Math.min(column.type.length, prefixChars) : prefixChars;
        return `${quoteMy(name)}(${length})`;
      })
      .join(', '),
    hash: false,
  };
}

/**
 * An index, named after its key, for each foreign key whose columns do not start an index of
 * the table: InnoDB needs one and would otherwise build it inside the foreign keys' ALTER, which
 * runs on one connection after every other index is built. Built here, with the table's other
 * indexes, it costs no extra scan and runs on the lanes. The table ends up with the same indexes.
 */
function foreignKeyIndexes(table: Table): Index[] {
  const starts = [table.primaryKey, ...table.indexes.map((i) => i.columns)];
  const covered = (columns: readonly string[]): boolean => starts.some((start) => columns.every((column, i) => start[i] === column));
  return table.foreignKeys.filter((fk) => !covered(fk.columns)).map((fk) => ({ name: fk.name, columns: fk.columns, unique: false }));
}

/** All secondary indexes of a table in one ALTER: one scan of the table instead of one per index. */
export function createIndexesSql(table: Table, database?: string, caps: MysqlCapabilities = mariadbDefaults): string[] {
  const indexes = [...table.indexes, ...foreignKeyIndexes(table)];
  if (indexes.length === 0) return [];
  const layout = layoutOf(table);
  const clauses = indexes.map((index) => {
    const { sql, hash } = indexColumns(table, index, layout, caps);
    return `ADD ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteMy(index.name)} (${sql})${hash ? ' USING HASH' : ''}`;
  });
  return [`ALTER TABLE ${named(table.name, database)} ${clauses.join(', ')}`];
}

/**
 * All foreign keys of a table in one ALTER. Run it with foreign_key_checks off: InnoDB then adds
 * the keys in place, where with checks on it copies the whole table; {@link foreignKeyCheckSql}
 * proves afterwards, with one indexed anti-join per key, that every reference resolves.
 */
export function createForeignKeysSql(table: Table, database?: string): string[] {
  if (table.foreignKeys.length === 0) return [];
  const clauses = table.foreignKeys.map(
    (fk) =>
      `ADD CONSTRAINT ${quoteMy(fk.name)} FOREIGN KEY (${fk.columns.map(quoteMy).join(', ')}) ` +
      `REFERENCES ${named(fk.refTable, database)} (${fk.refColumns.map(quoteMy).join(', ')}) ON DELETE ${fk.onDelete.toUpperCase()}`,
  );
  return [`ALTER TABLE ${named(table.name, database)} ${clauses.join(', ')}`];
}

/** Per foreign key, a SELECT of the number of rows (`n`) whose reference resolves to no row (MATCH SIMPLE: a NULL part skips the row). */
export function foreignKeyCheckSql(table: Table, database?: string): { readonly name: string; readonly refTable: string; readonly sql: string }[] {
  return table.foreignKeys.map((fk) => ({
    name: fk.name,
    refTable: fk.refTable,
    sql:
      `SELECT COUNT(*) AS n FROM ${named(table.name, database)} c WHERE ${fk.columns.map((col) => `c.${quoteMy(col)} IS NOT NULL`).join(' AND ')} ` +
      `AND NOT EXISTS (SELECT 1 FROM ${named(fk.refTable, database)} p WHERE ${fk.columns.map((col, i) => `p.${quoteMy(fk.refColumns[i]!)} = c.${quoteMy(col)}`).join(' AND ')})`,
  }));
}

/**
 * Moves AUTO_INCREMENT past the highest id. InnoDB already does so for explicit ids; this
 * makes it explicit and also covers an emptied table. Returns SELECTs whose single value is
 * the ALTER statement to run (AUTO_INCREMENT takes no expression).
 */
export function resetIdentitySql(table: Table, database?: string): string[] {
  return table.columns
    .filter((c) => c.identity)
    .map(
      (c) =>
        `SELECT CONCAT('ALTER TABLE ', ${quoteMyLiteral(named(table.name, database))}, ' AUTO_INCREMENT = ', ` +
        `CAST(COALESCE(MAX(${quoteMy(c.name)}), 0) AS DECIMAL(21)) + 1) AS \`sql\` FROM ${named(table.name, database)}`,
    );
}

/** Staging: a database of its own beside the target, rebuilt on every attempt. */
export const stagingDatabase = (database: string): string => `${database}_repatriate_staging`.slice(0, 64);

export function createDatabaseSql(database: string, caps: MysqlCapabilities = mariadbDefaults): string {
  return `CREATE DATABASE ${quoteMy(database)} CHARACTER SET utf8mb4 COLLATE ${caps.collation}`;
}

/** The swap: one RENAME TABLE moves every staged table into the target atomically. */
export function swapSql(tables: readonly string[], staging: string, target: string): string {
  return `RENAME TABLE ${tables.map((t) => `${named(t, staging)} TO ${named(t, target)}`).join(', ')}`;
}
