import type { Column } from '../../core/schema.js';
import { quoteIdent, quoteTable, type TableName } from '../types.js';

/**
 * The reconcile digest computed by the server itself: every row rebuilt as its digest text
 * (src/restore/digest.ts: the line COPY TO would write for it, in the text format and session
 * settings of client.ts, but with BS, FF, LF, CR and VT as they are), hashed with
 * `hashtextextended(text, 0)`, summed. src/restore/digest.ts computes the same sum from the
 * archive's COPY text with the same hash, so the rows need not travel back to be compared.
 *
 * A column's digest text is its output function's text with only two of CopyAttributeOutText's
 * escapes: the backslash and the tab. Only text, JSON and binaries can hold those; numbers,
 * dates and timestamps print as they cast. (All seven escapes, the control characters BS, FF,
 * LF, CR and VT too, made the server's scan of the rows 1.4 times as long.)
 */
const nullText = String.raw`E'\\N'`;

function escaped(expression: string): string {
  // The backslash first, so the one the tab's escape adds stays single.
  return String.raw`replace(replace(${expression}, E'\\', E'\\\\'), chr(9), E'\\t')`;
}

function columnText(column: Column): string {
  const c = quoteIdent(column.name);
  switch (column.type.kind) {
    case 'bool':
      return `CASE WHEN ${c} IS NULL THEN ${nullText} WHEN ${c} THEN 't' ELSE 'f' END`;
    case 'bytes':
      // bytea_output=hex: \x and hex digits, its backslash escaped by COPY.
      return String.raw`coalesce(E'\\\\x' || encode(${c}, 'hex'), ${nullText})`;
    case 'char':
      // concat() prints char(n) with its padding, where a cast to text strips it.
      return `CASE WHEN ${c} IS NULL THEN ${nullText} ELSE ${escaped(`concat(${c})`)} END`;
    case 'varchar':
    case 'text':
    case 'json':
      return `coalesce(${escaped(`${c}::text`)}, ${nullText})`;
    case 'int16':
    case 'int32':
    case 'int64':
    case 'numeric':
    case 'date':
    case 'timestamp':
    case 'timestamptz':
      return `coalesce(${c}::text, ${nullText})`;
  }
}

/** concat_ws takes at most 100 arguments: wider rows join groups of columns, which are never NULL. */
const maxArguments = 90;

function line(parts: readonly string[]): string {
  if (parts.length <= maxArguments) return `concat_ws(chr(9), ${parts.join(', ')})`;
  const groups: string[] = [];
  for (let i = 0; i < parts.length; i += maxArguments) groups.push(line(parts.slice(i, i + maxArguments)));
  return line(groups);
}

/** One row: `rows` and `sum` (a signed decimal; src/restore/digest.ts reduces it modulo 2^64), of the rows `where` selects, or all. */
export function rowDigestSql(table: TableName, columns: readonly Column[], where?: string): string {
  return `SELECT count(*)::text AS rows, coalesce(sum(hashtextextended(${line(columns.map(columnText))}, 0)), 0)::text AS sum FROM ${quoteTable(table)}${where ? ` WHERE ${where}` : ''}`;
}
