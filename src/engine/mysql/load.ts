import { once } from 'node:events';
import { Readable, type Writable } from 'node:stream';
import type { Connection } from 'mysql2/promise';
import { RepatriateError } from '../../core/errors.js';
import type { Column } from '../../core/schema.js';
import { maxProblems, problemsInLine, valueError, type ValueProblem } from './check.js';
import { quoteMy } from './ddl.js';

/**
 * Loads PostgreSQL COPY text (docs/archive-format.md §8) into a MySQL/MariaDB table with
 * LOAD DATA LOCAL INFILE, streaming.
 *
 * Escapes: LOAD DATA with ESCAPED BY '\\' reads \\ \t \n \r \0 \b \Z and a whole-field \N
 * (NULL); any other "\c" becomes "c". PostgreSQL's COPY text also has \f \v, \ooo (octal) and
 * \xhh (hex), and reads \Z as "Z" and \0 as octal NUL, so every escape other than \\ \t \n \r
 * and a whole-field \N is rewritten here to the raw byte (re-escaped when that byte is one
 * LOAD DATA treats specially). Text then arrives byte for byte.
 *
 * Types: booleans t/f become 1/0, timestamptz loses its '+00' (DATETIME(6) holding UTC),
 * bytea '\x…' (written \\x… in the file) goes through UNHEX; every other kind loads as is.
 * Into MariaDB the first two are rewritten here, in place, as each line is checked: t/f to
 * 1/0, and '+00' to three spaces, which MariaDB's DATETIME reading skips. Done by the server
 * (user variables and a SET clause, as for MySQL), they made LOAD DATA of the benchmark's
 * largest table 12 % slower (11.6 against 10.3 s for 2 M rows).
 * Every line is range-checked as it streams (check.ts); a refused value aborts the statement,
 * and the load runs in a transaction that is rolled back, so nothing of the table stays. Any
 * warning or note after the load (truncation, conversion) fails it the same way.
 */

const BACKSLASH = 0x5c;

/** Rewrites one escaped PostgreSQL field to the escapes LOAD DATA reads the same way. */
export function mysqlField(field: Buffer): Buffer {
  if (field.indexOf(BACKSLASH) === -1) return field;
  if (field.length === 2 && field[1] === 0x4e) return field; // whole-field \N: NULL in both
  const out: number[] = [];
  const raw = (byte: number): void => {
    if (byte === BACKSLASH) out.push(BACKSLASH, BACKSLASH);
    else if (byte === 0x09) out.push(BACKSLASH, 0x74);
    else if (byte === 0x0a) out.push(BACKSLASH, 0x6e);
    else if (byte === 0x0d) out.push(BACKSLASH, 0x72);
    else if (byte === 0x00) out.push(BACKSLASH, 0x30);
    else out.push(byte);
  };
  const isOctal = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x37;
  const hexValue = (b: number | undefined): number => {
    if (b === undefined) return -1;
    if (b >= 0x30 && b <= 0x39) return b - 0x30;
    if (b >= 0x61 && b <= 0x66) return b - 0x57;
    if (b >= 0x41 && b <= 0x46) return b - 0x37;
    return -1;
  };
  for (let i = 0; i < field.length; i++) {
    const b = field[i]!;
    if (b !== BACKSLASH || i + 1 >= field.length) {
      out.push(b);
      continue;
    }
    const c = field[++i]!;
    switch (c) {
      case BACKSLASH: out.push(BACKSLASH, BACKSLASH); break;
      case 0x74: case 0x6e: case 0x72: out.push(BACKSLASH, c); break; // \t \n \r
      case 0x62: raw(0x08); break; // \b
      case 0x66: raw(0x0c); break; // \f
      case 0x76: raw(0x0b); break; // \v
      case 0x78: { // \xh or \xhh
        const h1 = hexValue(field[i + 1]);
        if (h1 < 0) { raw(c); break; }
        const h2 = hexValue(field[i + 2]);
        if (h2 < 0) { raw(h1); i += 1; } else { raw(h1 * 16 + h2); i += 2; }
        break;
      }
      default:
        if (isOctal(c)) {
          let value = c - 0x30;
          for (let k = 0; k < 2 && isOctal(field[i + 1]); k++) value = value * 8 + (field[++i]! - 0x30);
          raw(value & 0xff);
        } else {
          raw(c); // \N inside a field, \Z, \a …: the character itself, as PostgreSQL reads it
        }
    }
  }
  return Buffer.from(out);
}

/** The column list and SET clause that turn PostgreSQL text into MySQL values. */
export function loadDataSql(database: string, table: string, columns: readonly Column[], infile: string, convertedInPlace = false): string {
  const targets: string[] = [];
  const sets: string[] = [];
  const setClause = columns.some((c) => c.type.kind === 'bytes' || (!convertedInPlace && inPlaceKinds.has(c.type.kind)));
  columns.forEach((column, i) => {
    const name = quoteMy(column.name);
    const v = `@v${i}`;
    if (column.identity && setClause) {
      // MariaDB ignores NO_AUTO_VALUE_ON_ZERO for a column LOAD DATA fills directly once the
      // statement has a SET clause, and turns an id 0 into a new id; assigned in SET, 0 stays 0.
      targets.push(v);
      sets.push(`${name} = ${v}`);
      return;
    }
    switch (convertedInPlace && inPlaceKinds.has(column.type.kind) ? 'as is' : column.type.kind) {
      case 'bool':
        targets.push(v);
        sets.push(`${name} = CASE ${v} WHEN 't' THEN 1 WHEN 'f' THEN 0 ELSE CONCAT('not a boolean: ', ${v}) END`);
        break;
      case 'timestamptz':
        targets.push(v);
        sets.push(`${name} = IF(RIGHT(${v}, 3) = '+00', LEFT(${v}, CHAR_LENGTH(${v}) - 3), CONCAT('not UTC: ', ${v}))`);
        break;
      case 'bytes':
        targets.push(v);
        sets.push(`${name} = UNHEX(SUBSTRING(${v}, 3))`);
        break;
      default:
        targets.push(name);
    }
  });
  return (
    `LOAD DATA LOCAL INFILE ${`'${infile.replace(/'/g, "''")}'`} INTO TABLE ${quoteMy(database)}.${quoteMy(table)} CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY '\\t' ENCLOSED BY '' ESCAPED BY '\\\\' LINES STARTING BY '' TERMINATED BY '\\n' ` +
    `(${targets.join(', ')})${sets.length > 0 ? ` SET ${sets.join(', ')}` : ''}`
  );
}

/** The kinds MariaDB gets rewritten in place ({@link convertInPlace}) instead of through a SET clause. */
const inPlaceKinds: ReadonlySet<string> = new Set(['bool', 'timestamptz']);

/**
 * A checked line's booleans (t/f → 1/0) and UTC timestamps ('+00' → three spaces) rewritten in
 * place, `starts` holding each field's first byte; `fields` are the columns to rewrite.
 */
function convertInPlace(columns: readonly Column[], fields: readonly number[], data: Buffer, starts: Int32Array, end: number): void {
  for (const i of fields) {
    const from = starts[i]!;
    const to = i + 1 < columns.length ? starts[i + 1]! - 1 : end;
    if (to - from === 2 && data[from] === BACKSLASH) continue; // \N
    if (columns[i]!.type.kind === 'bool') data[from] = data[from] === 0x74 ? 0x31 : 0x30;
    else data.fill(0x20, to - 3, to);
  }
}

export interface LoadOptions {
  /**
   * Number of the first line, for messages about a table loaded in parts. Default 1. A
   * function is asked only when a message needs it (the parts before may still be loading).
   */
  readonly firstRow?: number | (() => Promise<number>);
  /**
   * Booleans and timestamptz rewritten in place as lines are checked (MariaDB), instead of
   * through a SET clause: the rows' buffers are then changed, so pass buffers of your own.
   */
  readonly convertInPlace?: boolean;
}

/**
 * Splits COPY text into segments of whole lines (each ends with LF), without one Buffer per
 * line: a chunk's complete lines pass as one slice; only a line cut between two chunks is copied.
 */
async function* lineSegments(rows: AsyncIterable<string | Uint8Array>): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const chunk of rows) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    if (carry) {
      const first = data.indexOf(10);
      if (first === -1) {
        carry = Buffer.concat([carry, data]);
        continue;
      }
      yield Buffer.concat([carry, data.subarray(0, first + 1)]);
      carry = undefined;
      start = first + 1;
    }
    const last = data.lastIndexOf(10);
    if (last >= start) yield data.subarray(start, last + 1);
    if (Math.max(last + 1, start) < data.length) carry = Buffer.from(data.subarray(Math.max(last + 1, start)));
  }
  if (carry && carry.length > 0) yield Buffer.concat([carry, Buffer.from('\n')]);
}

const TAB = 0x09;
const LF = 0x0a;

/** Whether the backslash at `at` starts an escape that LOAD DATA reads as PostgreSQL does: \\ \t \n \r, and \N as a whole field. */
function sameEscape(segment: Buffer, at: number): boolean {
  const c = segment[at + 1];
  if (c === BACKSLASH || c === 0x74 || c === 0x6e || c === 0x72) return true;
  if (c !== 0x4e) return false;
  const before = at === 0 ? LF : segment[at - 1];
  const after = segment[at + 2];
  return (before === TAB || before === LF) && (after === TAB || after === LF);
}

/**
 * Appends a segment of whole lines to `out`, each field with an escape LOAD DATA reads
 * differently rewritten by {@link mysqlField}; returns the bytes added. Backslashes are found
 * with indexOf, so a line passes untouched, as one slice with its neighbours, when its escapes
 * are only those both read alike — nearly every line, bytea's leading \\x included.
 */
export function rewriteEscapes(segment: Buffer, out: Buffer[]): number {
  let size = 0;
  let run = 0;
  let from = 0;
  for (let bs = segment.indexOf(BACKSLASH); bs !== -1; bs = segment.indexOf(BACKSLASH, from)) {
    if (sameEscape(segment, bs)) {
      from = bs + 2;
      continue;
    }
    const fieldStart = bs === 0 ? 0 : Math.max(segment.lastIndexOf(TAB, bs - 1), segment.lastIndexOf(LF, bs - 1)) + 1;
    const tabAt = segment.indexOf(TAB, bs + 1);
    const lfAt = segment.indexOf(LF, bs + 1);
    const fieldEnd = tabAt !== -1 && tabAt < lfAt ? tabAt : lfAt;
    if (fieldStart > run) {
      out.push(segment.subarray(run, fieldStart));
      size += fieldStart - run;
    }
    const field = mysqlField(segment.subarray(fieldStart, fieldEnd));
    out.push(field);
    size += field.length;
    run = from = fieldEnd;
  }
  if (run < segment.length) {
    out.push(segment.subarray(run));
    size += segment.length - run;
  }
  return size;
}

/** The largest chunk handed to the driver: one protocol packet each, well under any max_allowed_packet. */
const maxChunk = 1024 * 1024;
/** Bytes the socket may hold unsent before the stream waits for it to drain. */
const maxUnsent = 4 * 1024 * 1024;

/**
 * Converts the stream (check + escapes), in batches of about 256 KiB. Every line is checked;
 * lines without a backslash, nearly all of them, pass as they are. At the first line with a
 * value MySQL cannot hold, loading stops: the rest of the part is only checked, so the message
 * names up to {@link maxProblems} values at once, and the error aborts the LOAD.
 */
async function* converted(table: string, columns: readonly Column[], rows: AsyncIterable<string | Uint8Array>, { firstRow, convertInPlace: inPlace = false }: LoadOptions, counter: { rows: number }): AsyncGenerator<Buffer> {
  const batch: Buffer[] = [];
  let size = 0;
  let row = 0;
  const problems: ValueProblem[] = [];
  const fields = inPlace ? columns.flatMap((c, i) => (inPlaceKinds.has(c.type.kind) ? [i] : [])) : [];
  const starts = new Int32Array(columns.length);
  segments: for await (const segment of lineSegments(rows)) {
    let lines = 0;
    for (let start = 0, end = segment.indexOf(10); end !== -1; start = end + 1, end = segment.indexOf(10, start)) {
      row++;
      lines++;
      const found = problemsInLine(table, columns, segment, start, end, row, starts);
      if (found.length > 0) {
        problems.push(...found);
        if (problems.length >= maxProblems) break segments;
      } else if (fields.length > 0) {
        convertInPlace(columns, fields, segment, starts, end);
      }
    }
    if (problems.length > 0) continue;
    size += rewriteEscapes(segment, batch);
    counter.rows += lines;
    if (size >= 256 * 1024) {
      // mysql2 sends each chunk as one packet; the server drops a connection whose packet is over max_allowed_packet.
      const data = Buffer.concat(batch);
      for (let at = 0; at < data.length; at += maxChunk) yield data.subarray(at, at + maxChunk);
      batch.length = 0;
      size = 0;
    }
  }
  if (problems.length > 0) {
    const first = typeof firstRow === 'function' ? await firstRow() : (firstRow ?? 1);
    throw valueError(problems.map((p) => ({ ...p, row: p.row + first - 1 })));
  }
  if (batch.length > 0) yield Buffer.concat(batch);
}

/**
 * Streams COPY text rows into `database`.`table` (columns in the rows' field order) and
 * returns the number of rows loaded. Throws REPAT_TARGET_UNSUPPORTED naming table, column and
 * row for a value MySQL cannot hold exactly, and for any warning the load raised; either way
 * the table is left as it was.
 */
export async function loadCopyText(
  conn: Connection,
  database: string,
  table: string,
  columns: readonly Column[],
  rows: AsyncIterable<string | Uint8Array>,
  options: LoadOptions = {},
): Promise<number> {
  const counter = { rows: 0 };
  let streamError: unknown;
  const infile = `repatriate:${database}.${table}`;
  // mysql2 pauses the file stream only when the socket pauses reading, never when writing lags:
  // without this wait a whole part would pile up in the socket's buffer.
  const socket = (conn as unknown as { connection?: { stream?: Writable } }).connection?.stream;
  async function* paced(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      yield chunk;
      if (socket && socket.writableLength > maxUnsent) await once(socket, 'drain');
    }
  }
  const factory = (): Readable => {
    const stream = Readable.from(paced(converted(table, columns, rows, options, counter)));
    stream.on('error', (error) => {
      streamError = error;
    });
    return stream;
  };
  await conn.query('START TRANSACTION');
  try {
    let warnings = 0;
    try {
      const [result] = await conn.query({ sql: loadDataSql(database, table, columns, infile, options.convertInPlace), infileStreamFactory: factory });
      warnings = (result as { warningStatus?: number }).warningStatus ?? 0;
    } catch (error) {
      throw streamError ?? error;
    }
    if (streamError) throw streamError;
    if (warnings > 0) {
      const [list] = await conn.query('SHOW WARNINGS');
      const shown = (list as { Level: string; Code: number; Message: string }[]).slice(0, 5).map((w) => `${w.Level} ${w.Code}: ${w.Message}`);
      throw new RepatriateError('REPAT_TARGET_UNSUPPORTED', `loading ${table} into MariaDB/MySQL raised ${warnings} warning(s): ${shown.join('; ')}`, {
        hint: 'a value would have been truncated or converted; restore into PostgreSQL, or report the value',
      });
    }
    await conn.query('COMMIT');
    return counter.rows;
  } catch (error) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
