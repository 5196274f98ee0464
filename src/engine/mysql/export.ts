import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Connection as CallbackConnection } from 'mysql2';
import type { Column, ColumnType } from '../../core/schema.js';
import { quoteMy, quoteMyLiteral } from './ddl.js';

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

const chunkBytes = 256 * 1024;

/**
 * Rows in, COPY text out in chunks of about 256 KiB: each row is written straight into the
 * current chunk by `writeRow`, so a row costs no promise, string or Buffer of its own.
 */
class CopyTextChunks extends Transform {
  private chunk = Buffer.allocUnsafe(chunkBytes);
  private at = 0;

  constructor(private readonly writeRow: (row: (Buffer | null)[], out: CopyTextChunks) => void) {
    super({ writableObjectMode: true, writableHighWaterMark: 256, readableHighWaterMark: 4 * chunkBytes });
  }

  bytes(value: Buffer): void {
    if (this.at + value.length > this.chunk.length) this.flushChunk(value.length);
    value.copy(this.chunk, this.at);
    this.at += value.length;
  }

  text(value: string): void {
    this.bytes(Buffer.from(value, 'utf8'));
  }

  byte(value: number): void {
    if (this.at === this.chunk.length) this.flushChunk(1);
    this.chunk[this.at++] = value;
  }

  private flushChunk(need: number): void {
    if (this.at > 0) this.push(this.chunk.subarray(0, this.at));
    this.chunk = Buffer.allocUnsafe(Math.max(chunkBytes, need));
    this.at = 0;
  }

  override _transform(row: (Buffer | null)[], _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.writeRow(row, this);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (this.at >= chunkBytes - 1024) this.flushChunk(0);
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.at > 0) this.push(this.chunk.subarray(0, this.at));
    done();
  }
}

/** A query's rows (each field its raw bytes) through `writeRow` into COPY text chunks; memory bounded by the streams' backpressure. */
function queryAsCopyText(conn: CallbackConnection, sql: string, writeRow: (row: (Buffer | null)[], out: CopyTextChunks) => void, onFields?: (fields: MysqlField[]) => void): AsyncIterable<Buffer> {
  const query = conn.query({ sql, rowsAsArray: true, typeCast: (field: { buffer(): Buffer | null }) => field.buffer() } as never);
  if (onFields) query.on('fields', onFields);
  const out = new CopyTextChunks(writeRow);
  const rows = query.stream({ highWaterMark: 256 });
  // pipeline() ends `out` with the rows and destroys both on a failure (or when the consumer stops early).
  pipeline(rows, out).catch(() => undefined);
  return out;
}

interface MysqlField {
  readonly name: string;
  readonly type?: string;
  readonly length?: number;
  readonly characterSet?: number;
}

/**
 * Streams the rows of a SELECT as COPY text lines. `types` gives the neutral type per result
 * column name; others are guessed from the MySQL type.
 */
export function selectAsCopyText(conn: CallbackConnection, sql: string, types: ReadonlyMap<string, ColumnType>): AsyncIterable<Uint8Array> {
  let encoders: Encoder[] = [];
  return queryAsCopyText(
    conn,
    sql,
    (row, out) => {
      for (let i = 0; i < row.length; i++) {
        if (i > 0) out.byte(0x09);
        out.text(encoders[i]!(row[i] ?? null));
      }
      out.byte(0x0a);
    },
    (fields) => {
      encoders = fields.map((f) => encoderFor(types.get(f.name) ?? typeFromField(f)));
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Whole tables with the encoding done by the server

/** NULL in COPY text, as an SQL literal. */
export const nullText = quoteMyLiteral('\\N');
export const tab = quoteMyLiteral('\t');

/** PostgreSQL's COPY text escaping as nested REPLACEs (backslash first). Literals carry the raw control characters. */
function escapeSql(expression: string): string {
  return Object.entries(escapes).reduce((sql, [from, to]) => `REPLACE(${sql}, ${quoteMyLiteral(from)}, ${quoteMyLiteral(to)})`, expression);
}

/**
 * A DATETIME(6) column as PostgreSQL prints timestamp(6): the fraction's trailing zeros
 * dropped, and the point too when nothing is left of it. As text the column always has six
 * fraction digits. (DATE_FORMAT and two TRIMs: 2.67 s instead of 1.64 s for a query computing
 * it twice over 2 M rows, whose raw column took 1.08 s.)
 */
const datetimeText = (column: string): string => `IF(MICROSECOND(${column}) = 0, LEFT(${column}, 19), TRIM(TRAILING '0' FROM ${column}))`;

/**
 * The SQL that yields a column's COPY text, as {@link encoderFor} writes it in JavaScript, for
 * the types whose text is short: a value of these can never exceed the server's packet size.
 * Text, JSON and binaries (unbounded) return undefined. `escape` escapes a text expression:
 * all seven escapes for COPY text here, the backslash and the tab for the digest text
 * (row-digest.ts).
 */
export function shortColumnText(column: Column, escape: (expression: string) => string): string | undefined {
  const c = quoteMy(column.name);
  switch (column.type.kind) {
    case 'int16':
    case 'int32':
    case 'int64':
    case 'numeric':
    case 'date':
      return `IFNULL(${c}, ${nullText})`;
    case 'bool':
      return `CASE WHEN ${c} IS NULL THEN ${nullText} WHEN ${c} = 0 THEN 'f' ELSE 't' END`;
    case 'timestamp':
      return `IFNULL(${datetimeText(c)}, ${nullText})`;
    case 'timestamptz':
      return `IFNULL(CONCAT(${datetimeText(c)}, '+00'), ${nullText})`;
    case 'char':
      // MySQL strips CHAR's padding; PostgreSQL keeps it.
      return `IFNULL(${escape(`RPAD(${c}, ${column.type.length}, ' ')`)}, ${nullText})`;
    case 'varchar':
      return `IFNULL(${escape(c)}, ${nullText})`;
    case 'text':
    case 'json':
    case 'bytes':
      return undefined;
  }
}

/** How one field of the whole-table read-back becomes COPY text: a run of columns the server already wrote, or one column encoded here. */
type FieldWriter = (value: Buffer | null, out: CopyTextChunks) => void;

/** Bytes that COPY text escapes: a value without any is written as it is, undecoded. */
const escaped = new Uint8Array(256);
for (const ch of Object.keys(escapes)) escaped[ch.charCodeAt(0)] = 1;

function needsEscaping(value: Buffer): boolean {
  for (let i = 0; i < value.length; i++) if (escaped[value[i]!] === 1) return true;
  return false;
}

const nullBuffer = Buffer.from('\\N');

function writeText(value: Buffer | null, out: CopyTextChunks): void {
  if (value === null) out.bytes(nullBuffer);
  else if (needsEscaping(value)) out.text(escapePgText(value.toString('utf8')));
  else out.bytes(value);
}

function writeServerText(table: string): FieldWriter {
  return (value, out) => out.bytes(value ?? tooLong(table));
}

function tooLong(table: string): never {
  throw new Error(`a row of ${table} is longer than the server's max_allowed_packet once written as COPY text; raise max_allowed_packet`);
}

/**
 * Every row of `database`.`table` as COPY text, in the table's column order. The server writes
 * the text of short columns (numbers, dates, flags, CHAR and VARCHAR): mysql2 then parses one
 * field per run of them instead of one per column, and this side only escapes long text and
 * hex-encodes binaries.
 */
export function tableAsCopyText(conn: CallbackConnection, database: string, table: string, columns: readonly Column[], where?: string): AsyncIterable<Uint8Array> {
  const writers: FieldWriter[] = [];
  const select: string[] = [];
  let run: string[] = [];
  const endRun = (): void => {
    if (run.length === 0) return;
    select.push(run.length === 1 ? run[0]! : `CONCAT_WS(${tab}, ${run.join(', ')})`);
    writers.push(writeServerText(table));
    run = [];
  };
  for (const column of columns) {
    const sql = shortColumnText(column, escapeSql);
    if (sql !== undefined) {
      run.push(sql);
      continue;
    }
    endRun();
    select.push(quoteMy(column.name));
    const encode = encoderFor(column.type);
    writers.push(column.type.kind === 'bytes' ? (value, out) => out.text(encode(value)) : writeText);
  }
  endRun();
  return queryAsCopyText(conn, `SELECT ${select.join(', ')} FROM ${quoteMy(database)}.${quoteMy(table)}${where ? ` WHERE ${where}` : ''}`, (row, out) => {
    for (let i = 0; i < row.length; i++) {
      if (i > 0) out.byte(0x09);
      writers[i]!(row[i] ?? null, out);
    }
    out.byte(0x0a);
  });
}
