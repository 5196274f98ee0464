/**
 * PostgreSQL COPY text encoding — the archive's row encoding and the generator's output.
 * One row per line, fields separated by TAB, NULL written as \N, and backslash, TAB, LF, CR
 * escaped with a backslash.
 */
export type CopyValue = string | number | bigint | boolean | Uint8Array | null;

const needsEscape = /[\\\t\n\r]/;

export function escapeCopyText(text: string): string {
  if (!needsEscape.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r'));
}

export function encodeCopyValue(value: CopyValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'string') return escapeCopyText(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value instanceof Uint8Array) return `\\\\x${Buffer.from(value).toString('hex')}`;
  return String(value);
}

export function encodeCopyRow(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    line += encodeCopyValue(values[i] as CopyValue);
  }
  return line + '\n';
}

/** The rows of COPY text in chunk[from..to): its line feeds (a row split between chunks counts in the chunk that ends it). */
export function lineFeeds(chunk: Uint8Array, from = 0, to = chunk.length): number {
  let rows = 0;
  for (let i = chunk.indexOf(10, from); i !== -1 && i < to; i = chunk.indexOf(10, i + 1)) rows++;
  return rows;
}
