/**
 * Rows exported with their record hashes (SqlClient#exportRowsWithHash): the COPY text of whole
 * rows without the hash field the server appended to each, and beside them each row's hash as
 * [billions, last nine digits] in order (core/sum64.ts adds such pairs exactly).
 */
export interface HashedRows {
  readonly data: Uint8Array;
  readonly hashes: ArrayLike<number>;
}

/**
 * Reads the record hash that ends the row of COPY text from `start` to its line feed at `end`
 * (a tab, then a signed decimal of at most 19 digits), stores it at `hashes[at]` and
 * `hashes[at + 1]`, and returns where its tab is: the row's own values end there. The digits
 * are read once, from the row's end back to the tab: the field is short, and a native search
 * per row cost more than the row's whole handling.
 */
export function takeRecordHash(data: Uint8Array, start: number, end: number, hashes: number[] | Float64Array, at: number): number {
  let tab = end - 1;
  let units = 0;
  let billions = 0;
  for (let scale = 1; tab >= start && tab >= end - 9; tab--, scale *= 10) {
    const digit = data[tab]! - 0x30;
    if (digit < 0 || digit > 9) break;
    units += digit * scale;
  }
  for (let scale = 1; tab >= start && tab >= end - 19; tab--, scale *= 10) {
    const digit = data[tab]! - 0x30;
    if (digit < 0 || digit > 9) break;
    billions += digit * scale;
  }
  const negative = tab >= start && data[tab] === 0x2d;
  if (negative) tab--;
  if (tab < start || data[tab] !== 9 || tab === end - 1 || (negative && tab === end - 2)) throw new Error('an exported row has no record hash after its values');
  hashes[at] = negative ? -billions : billions;
  hashes[at + 1] = negative ? -units : units;
  return tab;
}

/**
 * A stream of COPY text whose rows each end in a record hash field (split anywhere between
 * chunks) as {@link HashedRows}. Rows are moved together in a buffer of this function's own;
 * a row split between chunks waits for its end.
 */
export async function* withoutRecordHashes(rows: AsyncIterable<Uint8Array>): AsyncGenerator<HashedRows> {
  let carry: Buffer | undefined;
  for await (const chunk of rows) {
    const data = carry ? Buffer.concat([carry, chunk]) : Buffer.from(chunk);
    const hashes: number[] = [];
    let kept = 0;
    let start = 0;
    for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
      const tab = takeRecordHash(data, start, end, hashes, hashes.length);
      if (kept !== start) data.copyWithin(kept, start, tab);
      kept += tab - start;
      data[kept++] = 10;
      start = end + 1;
    }
    carry = start < data.length ? Buffer.from(data.subarray(start)) : undefined;
    if (kept > 0) yield { data: data.subarray(0, kept), hashes };
  }
  if (carry) throw new Error('the export ended inside a row');
}
