import { RepatriateError } from '../../core/errors.js';
import type { Column } from '../../core/schema.js';

/**
 * The range check: finds, before or while loading, the values of PostgreSQL COPY text
 * (docs/archive-format.md §8) that MySQL/MariaDB cannot hold exactly — dates and timestamps
 * outside 1000-01-01..9999-12-31 (and infinity, BC), numerics beyond DECIMAL(p,s) or NaN and
 * ±Infinity, text longer than CHAR(n)/VARCHAR(n) in characters — and names table, column and
 * row. Fields are checked in their escaped form; only character columns are unescaped.
 */
export interface ValueProblem {
  readonly table: string;
  readonly column: string;
  /** 1-based line number in the COPY text (the row number within the stream). */
  readonly row: number;
  readonly reason: string;
}

/** How many problems a check collects before it stops reading. */
export const maxProblems = 20;

const dateRe = /^(\d{4})-(\d{2})-(\d{2})$/;
const timestampRe = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/;
const numericRe = /^-?(\d+)(?:\.(\d+))?$/;
const intRe = /^-?\d+$/;
const intRange = { int16: 32767n, int32: 2147483647n, int64: 9223372036854775807n } as const;
const intLimit = { int16: 32767, int32: 2147483647, int64: Number.MAX_SAFE_INTEGER } as const;

function show(raw: string): string {
  return raw.length > 40 ? `'${raw.slice(0, 40)}…'` : `'${raw}'`;
}

function inCalendar(year: string, month: string, day: string): boolean {
  const y = Number(year);
  if (y < 1000 || y > 9999) return false;
  const m = Number(month);
  const d = Number(day);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** Characters (Unicode code points) of an escaped COPY text field once unescaped. */
export function unescapedLength(field: string): number {
  let length = 0;
  for (let i = 0; i < field.length; i++) {
    const code = field.charCodeAt(i);
    if (code >= 0xdc00 && code <= 0xdfff) continue; // low surrogate: counted with its high one
    if (code === 0x5c) {
      const next = field[i + 1];
      if (next !== undefined && /[0-7]/.test(next)) {
        // \ooo octal: one byte; count only bytes that start a character
        const oct = /^[0-7]{1,3}/.exec(field.slice(i + 1))![0];
        i += oct.length;
        if ((Number.parseInt(oct, 8) & 0xc0) !== 0x80) length++;
        continue;
      }
      if (next === 'x' && /^[0-9a-fA-F]/.test(field[i + 2] ?? '')) {
        const hex = /^[0-9a-fA-F]{1,2}/.exec(field.slice(i + 2))![0];
        i += 1 + hex.length;
        if ((Number.parseInt(hex, 16) & 0xc0) !== 0x80) length++;
        continue;
      }
      i++;
    }
    length++;
  }
  return length;
}

/** Why one field cannot be held exactly, or undefined when it can. `field` is the escaped COPY text. */
export function fieldProblem(column: Column, field: string): string | undefined {
  if (field === '\\N') return column.nullable ? undefined : 'NULL in a NOT NULL column';
  const type = column.type;
  switch (type.kind) {
    case 'int16':
    case 'int32':
    case 'int64': {
      if (!intRe.test(field)) return `${show(field)} is not an integer`;
      // Up to 15 digits a double is exact: no BigInt for the common case.
      if (field.length <= 15) {
        const value = Number(field);
        const max = intLimit[type.kind];
        return value > max || value < -max - 1 ? `${show(field)} is outside the range of ${type.kind}` : undefined;
      }
      const value = BigInt(field);
      const max = intRange[type.kind];
      return value > max || value < -max - 1n ? `${show(field)} is outside the range of ${type.kind}` : undefined;
    }
    case 'numeric': {
      if (/^-?(NaN|Infinity)$/i.test(field)) return `${show(field)} is a special numeric value; DECIMAL has no NaN or Infinity`;
      const match = numericRe.exec(field);
      if (!match) return `${show(field)} is not a decimal number`;
      const integer = match[1]!.replace(/^0+/, '');
      const fraction = match[2] ?? '';
      if (integer.length > type.precision - type.scale) {
        return `${show(field)} has ${integer.length} digits before the point; DECIMAL(${type.precision},${type.scale}) holds ${type.precision - type.scale}`;
      }
      if (fraction.length > type.scale) return `${show(field)} has ${fraction.length} digits after the point; DECIMAL(${type.precision},${type.scale}) would round it`;
      return undefined;
    }
    case 'char':
    case 'varchar': {
      const length = unescapedLength(field);
      return length > type.length ? `the value is ${length} characters long; ${type.kind.toUpperCase()}(${type.length}) holds ${type.length}` : undefined;
    }
    case 'text':
    case 'json':
      return undefined;
    case 'bool':
      return field === 't' || field === 'f' ? undefined : `${show(field)} is not a boolean (t or f)`;
    case 'date': {
      const match = dateRe.exec(field);
      return match && inCalendar(match[1]!, match[2]!, match[3]!) ? undefined : `${show(field)} is outside 1000-01-01..9999-12-31`;
    }
    case 'timestamp':
    case 'timestamptz': {
      let value = field;
      if (type.kind === 'timestamptz') {
        if (!value.endsWith('+00')) return `${show(field)} is not in UTC (+00)`;
        value = value.slice(0, -3);
      }
      const match = timestampRe.exec(value);
      return match && inCalendar(match[1]!, match[2]!, match[3]!) ? undefined : `${show(field)} is outside 1000-01-01 00:00:00..9999-12-31 23:59:59.999999`;
    }
    case 'bytes':
      return /^\\\\x(?:[0-9a-fA-F]{2})*$/.test(field) ? undefined : `${show(field)} is not bytea hex (\\x…)`;
  }
}

const none: readonly ValueProblem[] = Object.freeze([]);

/** Checks one line (without its LF); returns its problems (a shared empty list when there are none). */
export function lineProblems(table: string, columns: readonly Column[], line: string, row: number): readonly ValueProblem[] {
  const fields = line.split('\t');
  if (fields.length !== columns.length) {
    return [{ table, column: '(row)', row, reason: `the row has ${fields.length} fields, the table ${columns.length} columns` }];
  }
  let problems: ValueProblem[] | undefined;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    // Nullable text and JSON hold any value: nothing to check (most of the bytes of a table).
    if (column.nullable && (column.type.kind === 'text' || column.type.kind === 'json')) continue;
    const reason = fieldProblem(column, fields[i]!);
    if (reason) (problems ??= []).push({ table, column: column.name, row, reason });
  }
  return problems ?? none;
}

export function valueError(problems: readonly ValueProblem[]): RepatriateError {
  const listed = problems.slice(0, 5).map((p) => `table ${p.table}, column ${p.column}, row ${p.row}: ${p.reason}`);
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more${problems.length >= maxProblems ? ' at least' : ''})` : '';
  return new RepatriateError('REPAT_TARGET_UNSUPPORTED', `MariaDB/MySQL cannot hold these values exactly: ${listed.join('; ')}${more}`, {
    hint: 'restore into PostgreSQL (or PGlite), which holds every value of the archive',
  });
}

/** Splits COPY text into lines (without LF) across chunk boundaries. */
export async function* copyLines(rows: AsyncIterable<string | Uint8Array>): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const chunk of rows) {
    let data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (carry) {
      data = Buffer.concat([carry, data]);
      carry = undefined;
    }
    let start = 0;
    for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
      yield data.subarray(start, end);
      start = end + 1;
    }
    if (start < data.length) carry = Buffer.from(data.subarray(start));
  }
  if (carry && carry.length > 0) yield carry;
}

/**
 * Scans a table's COPY text without loading it and throws {@link valueError} naming table,
 * column and row when any value cannot be held exactly. `firstRow` numbers the first line
 * (for a table split into parts). Returns the number of rows.
 */
export async function checkValues(table: string, columns: readonly Column[], rows: AsyncIterable<string | Uint8Array>, firstRow = 1): Promise<number> {
  const problems: ValueProblem[] = [];
  let row = firstRow - 1;
  for await (const line of copyLines(rows)) {
    row++;
    if (problems.length < maxProblems) problems.push(...problemsInLine(table, columns, line, 0, line.length, row));
  }
  if (problems.length > 0) throw valueError(problems);
  return row - firstRow + 1;
}

// ---------------------------------------------------------------------------------------------
// The fast path: one pass over a line's bytes that proves the common values fit without
// decoding the line. It answers only "fits for certain"; anything else goes to
// lineProblems, which decides and names the problem. So fast and exact can never disagree
// on a value that is refused: fieldFits(column, …) implies fieldProblem(column, …) is undefined.

const DIGIT_0 = 0x30;
const isDigit = (b: number | undefined): boolean => b !== undefined && b >= DIGIT_0 && b <= 0x39;
/** Digits an integer kind always holds, whatever they are (int16 up to 9999, …). */
const safeDigits = { int16: 4, int32: 9, int64: 18 } as const;

function digitsRun(data: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i < end && isDigit(data[i])) i++;
  return i - from;
}

function twoDigits(data: Uint8Array, at: number): number {
  return (data[at]! - DIGIT_0) * 10 + (data[at + 1]! - DIGIT_0);
}

/** yyyy-mm-dd at `at` with a year of 1000..9999, month 1..12 and day 1..31, as inCalendar wants. */
function dateFits(data: Uint8Array, at: number): boolean {
  if (digitsRun(data, at, at + 4) !== 4 || data[at + 4] !== 0x2d || digitsRun(data, at + 5, at + 7) !== 2 || data[at + 7] !== 0x2d || digitsRun(data, at + 8, at + 10) !== 2) return false;
  if (data[at] === DIGIT_0) return false;
  const month = twoDigits(data, at + 5);
  const day = twoDigits(data, at + 8);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** yyyy-mm-dd hh:mm:ss[.f{1,6}] filling exactly [start, end). */
function timestampFits(data: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (length < 19 || length === 20 || length > 26) return false;
  if (!dateFits(data, start) || data[start + 10] !== 0x20) return false;
  if (digitsRun(data, start + 11, start + 13) !== 2 || data[start + 13] !== 0x3a || digitsRun(data, start + 14, start + 16) !== 2 || data[start + 16] !== 0x3a || digitsRun(data, start + 17, start + 19) !== 2) return false;
  return length === 19 || (data[start + 19] === 0x2e && digitsRun(data, start + 20, end) === length - 20);
}

function isHex(b: number): boolean {
  return (b >= DIGIT_0 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46);
}

/** True when the escaped field [start, end) certainly fits the column; false means "ask fieldProblem". */
export function fieldFits(column: Column, data: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (length === 2 && data[start] === 0x5c && data[start + 1] === 0x4e) return column.nullable;
  const type = column.type;
  switch (type.kind) {
    case 'text':
    case 'json':
      return true;
    case 'int16':
    case 'int32':
    case 'int64': {
      const from = data[start] === 0x2d ? start + 1 : start;
      const digits = digitsRun(data, from, end);
      return digits > 0 && from + digits === end && digits <= safeDigits[type.kind];
    }
    case 'numeric': {
      const from = data[start] === 0x2d ? start + 1 : start;
      const integer = digitsRun(data, from, end);
      if (integer === 0 || integer > type.precision - type.scale) return false;
      if (from + integer === end) return true;
      if (data[from + integer] !== 0x2e) return false;
      const fraction = digitsRun(data, from + integer + 1, end);
      return fraction > 0 && from + integer + 1 + fraction === end && fraction <= type.scale;
    }
    case 'char':
    case 'varchar':
      // Characters never outnumber bytes, escaped or not.
      return length <= type.length;
    case 'bool':
      return length === 1 && (data[start] === 0x74 || data[start] === 0x66);
    case 'date':
      return length === 10 && dateFits(data, start);
    case 'timestamp':
      return timestampFits(data, start, end);
    case 'timestamptz':
      return length > 3 && data[end - 3] === 0x2b && data[end - 2] === DIGIT_0 && data[end - 1] === DIGIT_0 && timestampFits(data, start, end - 3);
    case 'bytes': {
      if (length < 3 || (length - 3) % 2 !== 0 || data[start] !== 0x5c || data[start + 1] !== 0x5c || data[start + 2] !== 0x78) return false;
      for (let i = start + 3; i < end; i++) if (!isHex(data[i]!)) return false;
      return true;
    }
  }
}

/**
 * True when every field of the line [start, end) (without its LF) certainly fits its column.
 * `starts` receives the first byte of each field the walk reached (column i's at starts[i]).
 */
export function lineFits(columns: readonly Column[], data: Uint8Array, start: number, end: number, starts?: Int32Array): boolean {
  let fieldStart = start;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    if (starts) starts[i] = fieldStart;
    let fieldEnd = end;
    if (i < columns.length - 1) {
      fieldEnd = data.indexOf(0x09, fieldStart);
      if (fieldEnd === -1 || fieldEnd > end) return false;
    } else if (columns.length > 1) {
      // A tab in the last field means more fields than columns. The search stops at the next
      // line's first tab at the latest, since every line of a table with several columns has one.
      const extra = data.indexOf(0x09, fieldStart);
      if (extra !== -1 && extra < end) return false;
    } else {
      for (let b = fieldStart; b < end; b++) if (data[b] === 0x09) return false;
    }
    if (!(column.nullable && (column.type.kind === 'text' || column.type.kind === 'json')) && !fieldFits(column, data, fieldStart, fieldEnd)) return false;
    fieldStart = fieldEnd + 1;
  }
  return true;
}

/**
 * The problems of the line [start, end) of `data`: none when its bytes prove it fits, else what
 * the exact check finds. A line without problems leaves each field's first byte in `starts`.
 */
export function problemsInLine(table: string, columns: readonly Column[], data: Buffer, start: number, end: number, row: number, starts?: Int32Array): readonly ValueProblem[] {
  if (lineFits(columns, data, start, end, starts)) return none;
  const problems = lineProblems(table, columns, data.toString('utf8', start, end), row);
  if (problems.length === 0 && starts) {
    for (let i = 0, at = start; i < columns.length; i++, at = data.indexOf(0x09, at) + 1) starts[i] = at;
  }
  return problems;
}
