/**
 * An order-independent digest of a table's rows in COPY text: the sum, modulo 2^64, of a
 * 64-bit hash of each row (two MurmurHash3-style 32-bit lanes over the row's bytes, without
 * its LF). Computed from the archive while loading and again from the target after the swap,
 * it proves the same rows arrived whatever order they take.
 *
 * Why not SHA-256 per row: the archive's integrity is already proven by the SHA-256 of every
 * member (contents.json); this digest only has to tell whether the database holds what was
 * loaded. A native hash call per row cost 4–7 µs (seconds per million rows, twice per
 * restore); this loop runs over whole chunks in JavaScript at several times that speed.
 */
const two32 = 4294967296;

export class RowDigest {
  /** The sum as two 32-bit halves (exact in doubles, no BigInt per row). */
  private high = 0;
  private low = 0;
  private carry: Buffer | undefined;
  rows = 0;

  update(chunk: Uint8Array): void {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.carry) {
      data = Buffer.concat([this.carry, data]);
      this.carry = undefined;
    }
    let start = 0;
    for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
      this.add(data, start, end);
      start = end + 1;
    }
    if (start < data.length) this.carry = Buffer.from(data.subarray(start));
  }

  private add(data: Buffer, start: number, end: number): void {
    let h1 = 0x9747b28c;
    let h2 = 0x2f7a1d3b;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
      k = Math.imul(k, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h1 ^= k;
      h1 = (h1 << 13) | (h1 >>> 19);
      h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      h2 ^= Math.imul(k, 0x85ebca6b);
      h2 = (h2 << 17) | (h2 >>> 15);
      h2 = (Math.imul(h2, 9) + 0x38b34ae5) | 0;
    }
    let k = 0;
    const rest = end - i;
    if (rest >= 3) k ^= data[i + 2]! << 16;
    if (rest >= 2) k ^= data[i + 1]! << 8;
    if (rest >= 1) {
      k ^= data[i]!;
      k = Math.imul(k, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h1 ^= k;
      h2 ^= Math.imul(k, 0x85ebca6b);
    }
    const length = end - start;
    h2 ^= h1; // the second lane depends on the first, so the halves are not independent 32-bit sums
    this.low += fmix(h1 ^ length);
    if (this.low >= two32) {
      this.low -= two32;
      this.high++;
    }
    this.high = (this.high + fmix(h2 ^ Math.imul(length, 0x9e3779b1))) % two32;
    this.rows++;
  }

  digest(): string {
    if (this.carry && this.carry.length > 0) this.add(this.carry, 0, this.carry.length);
    this.carry = undefined;
    return this.high.toString(16).padStart(8, '0') + this.low.toString(16).padStart(8, '0');
  }
}

/** MurmurHash3's finaliser: every input bit affects every output bit. Returns 0..2^32-1. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
