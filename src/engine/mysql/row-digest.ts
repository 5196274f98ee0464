import type { Column } from '../../core/schema.js';
import { quoteMy, quoteMyLiteral } from './ddl.js';
import { nullText, shortColumnText, tab } from './export.js';

/**
 * The reconcile digest computed by MariaDB itself, as src/engine/postgres/row-digest.ts does
 * for PostgreSQL: every row rebuilt as its digest text (src/restore/digest.ts: the COPY text
 * line, with only the backslash and the tab escaped), hashed with CRC32(), summed. Only one
 * row comes back per table; reading every row back as COPY text and hashing it here kept this
 * process's one thread busy for a fifth of a MariaDB restore. (MySQL 8's REGEXP_REPLACE
 * refuses binary strings: its tables are still read back, src/restore/staged.ts.)
 *
 * A row whose digest text is longer than the server's max_allowed_packet hashes as NULL (the
 * server's string functions give NULL for such a result): it adds {@link overflowMark} to the
 * sum instead, far beyond what any table's CRCs add up to, and such a table is read back and
 * hashed here instead ({@link digestOverflowed}).
 */
const overflowMark = 10n ** 30n;

/**
 * The backslash, then the tab, escaped, in the value's bytes. Not REPLACE: MariaDB's REPLACE
 * moves the rest of the value at every match (32,000 backslashes took 0.2 s, 8 MB hours, and
 * KILL does not stop it). Not REGEXP_REPLACE on the text itself: PCRE checks the UTF-8 of the
 * rest of the value at every match, hours again. REGEXP_REPLACE on the bytes builds its result
 * in one pass (8 MB of backslashes: 0.6 s). In pattern and replacement a backslash is doubled.
 */
function escaped(expression: string): string {
  return `REGEXP_REPLACE(REGEXP_REPLACE(CAST(${expression} AS BINARY), ${quoteMyLiteral('\\\\')}, ${quoteMyLiteral('\\\\\\\\')}), ${quoteMyLiteral('\\t')}, ${quoteMyLiteral('\\\\t')})`;
}

function columnText(column: Column): string {
  const c = quoteMy(column.name);
  switch (column.type.kind) {
    case 'text':
    case 'json':
      return `IFNULL(${escaped(c)}, ${nullText})`;
    case 'bytes':
      // bytea_output=hex, its backslash escaped: \\x and lowercase hex digits.
      return `IFNULL(CONCAT(${quoteMyLiteral('\\\\x')}, LOWER(HEX(${c}))), ${nullText})`;
    default:
      return shortColumnText(column, escaped)!;
  }
}

/** One row, `n` (rows) and `total` (the sum of the rows' CRC-32s, a decimal), of the rows of `table` that `where` selects, or all. */
export function rowDigestSql(table: string, columns: readonly Column[], where?: string): string {
  const line = `CONCAT_WS(${tab}, ${columns.map(columnText).join(', ')})`;
  return `SELECT CAST(COUNT(*) AS CHAR) AS n, CAST(COALESCE(SUM(IFNULL(CRC32(${line}), ${overflowMark})), 0) AS CHAR) AS total FROM ${quoteMy(table)}${where ? ` WHERE ${where}` : ''}`;
}

/** Whether a row's digest text was too long for the server to hash (see above). */
export function digestOverflowed(total: string): boolean {
  return BigInt(total) >= overflowMark;
}
