import type { Connection as CallbackConnection } from 'mysql2';
import type { ColumnType } from '../../core/schema.js';
import { quoteMy } from './ddl.js';

/**
 * The read-back: re-encodes MySQL/MariaDB rows as PostgreSQL would write them with COPY TO in
 * text format under the archive's session settings (docs/archive-format.md §8), so the
 * reconcile digest (src/restore/digest.ts) compares a MariaDB restore with the archive.
 *
 * - booleans TINYINT(1) 1/0 → t/f; DECIMAL as the server prints it (always `s` fraction digits,
 *   like PostgreSQL's numeric(p,s)); integers as they are;
 * - DATETIME(6) → 'YYYY-MM-DD HH:MM:SS[.ffffff]' with trailing fraction zeros dropped, as
 *   PostgreSQL prints timestamp(6); timestamptz columns get '+00';
 * - CHAR(n) blank-padded back to n characters (MySQL strips the padding);
 * - LONGBLOB → \\x + lowercase hex;
 * - text and JSON escaped as PostgreSQL does: \\ \t \n \r and \b \f \v. JSON is kept as the
 *   text it was loaded with, which is PostgreSQL's jsonb output already (ddl.ts).
 * - NULL → \N.
 */
export type Encoder = (value: Buffer | null) => string;

const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' };
const needsEscape = /[\\\t\n\r\b\f\v]/;

/** PostgreSQL's COPY text escaping (CopyAttributeOutText). */
export function escapePgText(text: string): string {
  return needsEscape.test(text) ? text.replace(/[\\\t\n\r\b\f\v]/g, (ch) => escapes[ch]!) : text;
}

function trimFraction(datetime: string): string {
  const dot = datetime.indexOf('.');
  if (dot === -1) return datetime;
  const fraction = datetime.slice(dot + 1).replace(/0+$/, '');
  return fraction.length === 0 ? datetime.slice(0, dot) : `${datetime.slice(0, dot)}.${fraction}`;
}

function padChars(text: string, length: number): string {
  let chars = 0;
  for (const _ of text) chars++;
  return chars >= length ? text : text + ' '.repeat(length - chars);
}

export function encoderFor(type: ColumnType): Encoder {
  const str = (v: Buffer): string => v.toString('utf8');
  switch (type.kind) {
    case 'bool':
      return (v) => (v === null ? '\\N' : str(v) === '0' ? 'f' : 't');
    case 'timestamp':
      return (v) => (v === null ? '\\N' : trimFraction(str(v)));
    case 'timestamptz':
      return (v) => (v === null ? '\\N' : `${trimFraction(str(v))}+00`);
    case 'bytes':
      return (v) => (v === null ? '\\N' : `\\\\x${v.toString('hex')}`);
    case 'char':
      return (v) => (v === null ? '\\N' : escapePgText(padChars(str(v), type.length)));
    case 'varchar':
    case 'text':
    case 'json':
      return (v) => (v === null ? '\\N' : escapePgText(str(v)));
    case 'int16':
    case 'int32':
    case 'int64':
    case 'numeric':
    case 'date':
      return (v) => (v === null ? '\\N' : str(v));
  }
}

/** A neutral type guessed from a result column's MySQL type, for columns without a repatriate comment. */
export function typeFromField(field: { type?: string; columnType?: number; length?: number; characterSet?: number; charsetNr?: number }): ColumnType {
  const type = field.type ?? '';
  const binary = (field.characterSet ?? field.charsetNr) === 63;
  if (type === 'TINY' && field.length === 1) return { kind: 'bool' };
  if (['TINY', 'SHORT', 'LONG', 'LONGLONG', 'INT24', 'YEAR'].includes(type)) return { kind: 'int64' };
  if (type === 'NEWDECIMAL' || type === 'DECIMAL') return { kind: 'numeric', precision: 65, scale: 0 };
  if (type === 'DATE' || type === 'NEWDATE') return { kind: 'date' };
  if (type.startsWith('DATETIME') || type.startsWith('TIMESTAMP')) return { kind: 'timestamp' };
  if (binary && (type.includes('BLOB') || type === 'VAR_STRING' || type === 'STRING')) return { kind: 'bytes' };
  return { kind: 'text' };
}

/**
 * Streams the rows of a SELECT as COPY text lines, batched in chunks of about 256 KiB, with
 * memory bounded (the driver pauses the socket while the consumer is busy). `types` gives the
 * neutral type per result column name; others are guessed from the MySQL type.
 */
export async function* selectAsCopyText(conn: CallbackConnection, sql: string, types: ReadonlyMap<string, ColumnType>): AsyncGenerator<Uint8Array> {
  let encoders: Encoder[] | undefined;
  const query = conn.query({ sql, rowsAsArray: true, typeCast: (field: { buffer(): Buffer | null }) => field.buffer() } as never);
  query.on('fields', (fields: { name: string; type?: string; length?: number; characterSet?: number }[]) => {
    encoders = fields.map((f) => encoderFor(types.get(f.name) ?? typeFromField(f)));
  });
  const stream = query.stream({ highWaterMark: 256 });
  let batch = '';
  for await (const row of stream as AsyncIterable<(Buffer | null)[]>) {
    const enc = encoders!;
    let line = '';
    for (let i = 0; i < row.length; i++) {
      if (i > 0) line += '\t';
      line += enc[i]!(row[i] ?? null);
    }
    batch += `${line}\n`;
    if (batch.length >= 256 * 1024) {
      yield Buffer.from(batch, 'utf8');
      batch = '';
    }
  }
  if (batch.length > 0) yield Buffer.from(batch, 'utf8');
}

/** Every row of `database`.`table` as COPY text, in the table's column order. */
export async function* tableAsCopyText(conn: CallbackConnection, database: string, table: string, types: ReadonlyMap<string, ColumnType>): AsyncGenerator<Uint8Array> {
  yield* selectAsCopyText(conn, `SELECT * FROM ${quoteMy(database)}.${quoteMy(table)}`, types);
}
