/**
 * An order-independent digest of a table's rows: the sum, modulo 2^64, of a hash of each
 * row's digest text (below). Computed from the archive's COPY text while loading and
 * again from the target after the swap, it proves the same rows arrived whatever order they
 * take.
 *
 * The digest text of a row is its COPY text line (without its LF) with the escapes \b \f \n
 * \r \v turned back into the raw bytes BS, FF, LF, CR and VT; the backslash (\\), the tab (\t)
 * and NULL (\N) stay escaped, so a row's digest text still tells its fields, NULL and every
 * value apart. Why not the COPY text itself: a server rebuilds this with two replace() per text
 * column instead of seven; its scan of the 1 GB benchmark account's tables took 3.4 s instead
 * of 4.6 s, while this side's digest of the same rows slowed from 880 to 710 MB/s.
 *
 * The hash per row is one the target's server computes too, so it digests its own rows and
 * nothing is sent back ({@link RowHash}): PostgreSQL's `hashtextextended(text, 0)`
 * (hash_bytes_extended in src/common/hashfn.c, Bob Jenkins' lookup3, little-endian) for
 * PostgreSQL and PGlite (src/engine/postgres/row-digest.ts), and CRC-32 for MySQL/MariaDB
 * (src/engine/mysql/row-digest.ts), which have no 64-bit hash of their own but CRC32().
 *
 * Why not SHA-256 per row: the archive's integrity is already proven by the SHA-256 of every
 * member (contents.json); this digest only has to tell whether the database holds what was
 * loaded. A native SHA-256 call per row cost 4–7 µs (seconds per million rows); this loop runs
 * over whole chunks in JavaScript at about 700 MB/s, and zlib's crc32 costs one short call per row.
 */
import { crc32 } from 'node:zlib';
import { lineFeeds } from '../core/copy-text.js';
import { hex64 } from '../core/sum64.js';

/**
 * The hash of each row's digest text: `lookup3` 64 bits, `crc32` 32 bits (zlib's, native).
 * CRC-32 lets a changed row pass unnoticed with a chance of 2^-32 instead of 2^-64: this
 * digest finds loading faults, not attacks (the archive's SHA-256 hashes prove integrity).
 */
export type RowHash = 'lookup3' | 'crc32';

/** What a load's decoders take of each part: the digest with a row hash, or only the count ('rows', when contents.json brings record hashes). */
export type PartDigest = RowHash | 'rows';

const two32 = 4294967296;
const backslash = 0x5c;

/** The byte each escape that the digest text does not keep stands for, by its letter (0: kept). */
const rawBytes = new Uint8Array(256);
for (const [letter, byte] of [['b', 8], ['f', 12], ['n', 10], ['r', 13], ['v', 11]] as const) rawBytes[letter.charCodeAt(0)] = byte;

/**
 * From the backslash at `from` (-1: none left), the first escape before `end` that the digest
 * text rewrites, or the first backslash at or past `end`, or -1. Escapes are read as pairs: in
 * \\n (an escaped backslash, then n) the n stays a letter.
 */
function firstRewrite(data: Buffer, from: number, end: number): number {
  let i = from;
  while (i !== -1 && i < end) {
    if (i + 1 < end && rawBytes[data[i + 1]!] !== 0) return i;
    i = data.indexOf(backslash, i + 2);
  }
  return i;
}

export class RowDigest {
  /** The sum as two 32-bit halves (exact in doubles, no BigInt per row). */
  private high = 0;
  private low = 0;
  /** The start of a row that continues in the next chunk, in pieces (a row can span many chunks). */
  private carry: Buffer[] = [];
  /** Where a row holding escapes is rewritten as its digest text (kept for the next such row). */
  private scratch = Buffer.alloc(0);
  rows = 0;

  constructor(private readonly hash: RowHash = 'lookup3') {}

  update(chunk: Uint8Array): void {
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    let end = data.indexOf(10);
    if (this.carry.length > 0) {
      if (end === -1) {
        this.carry.push(Buffer.from(data));
        return;
      }
      // Only the row that spans the chunks is joined, not the whole chunk.
      const row = Buffer.concat([...this.carry, data.subarray(0, end)]);
      this.carry = [];
      this.addJoined(row);
      start = end + 1;
      end = data.indexOf(10, start);
    }
    // The chunk's next backslash not yet known to stay as it is: searched again only once the
    // rows have passed it (most rows hold one, a NULL's \N, and a row without would otherwise
    // search the rest of the chunk).
    let next = data.indexOf(backslash, start);
    for (; end !== -1; end = data.indexOf(10, start)) {
      if (next !== -1 && next < start) next = data.indexOf(backslash, start);
      next = firstRewrite(data, next, end);
      this.add(data, start, end, next < end ? next : -1);
      start = end + 1;
    }
    if (start < data.length) this.carry.push(Buffer.from(data.subarray(start)));
  }

  /** Adds a row that spanned chunks, joined into a buffer of its own. */
  private addJoined(row: Buffer): void {
    this.add(row, 0, row.length, firstRewrite(row, row.indexOf(backslash), row.length));
  }

  /** Adds the row data[start..end), whose first escape to rewrite is at `rewrite` (-1: none). */
  private add(data: Buffer, start: number, end: number, rewrite: number): void {
    if (rewrite === -1) {
      this.hashRow(data, start, end);
    } else {
      const length = this.toDigestText(data, start, end, rewrite);
      this.hashRow(this.scratch, 0, length);
    }
    this.low += hashLow;
    if (this.low >= two32) {
      this.low -= two32;
      this.high++;
    }
    this.high = (this.high + hashHigh) % two32;
    this.rows++;
  }

  private hashRow(data: Buffer, start: number, end: number): void {
    if (this.hash === 'lookup3') {
      hashBytesExtended(data, start, end);
    } else {
      hashHigh = 0;
      hashLow = crc32(data.subarray(start, end));
    }
  }

  /** Writes the digest text of the row data[start..end) into {@link scratch}, the bytes between escapes copied whole; returns its length. */
  private toDigestText(data: Buffer, start: number, end: number, rewrite: number): number {
    // The digest text is never longer than the COPY text.
    if (this.scratch.length < end - start) this.scratch = Buffer.allocUnsafe(Math.max(end - start, 2 * this.scratch.length));
    let at = 0;
    let from = start;
    for (let i = rewrite; i !== -1 && i < end; i = firstRewrite(data, data.indexOf(backslash, i + 2), end)) {
      at += data.copy(this.scratch, at, from, i);
      this.scratch[at++] = rawBytes[data[i + 1]!]!;
      from = i + 2;
    }
    return at + data.copy(this.scratch, at, from, end);
  }

  digest(): string {
    if (this.carry.length > 0) {
      const row = Buffer.concat(this.carry);
      this.addJoined(row);
    }
    this.carry = [];
    return formatDigest(this.high, this.low);
  }
}

/** What a decoder keeps of a part's rows: their count, and their digest (or zeros, if it only counts). */
export interface PartDigester {
  readonly rows: number;
  update(chunk: Uint8Array): void;
  /** The digest; call it before reading {@link rows}, since it counts a last row without its line end. */
  digest(): string;
}

/** Counts rows only: where contents.json brings the digest (record hashes), the rows need none here. */
class RowCounter implements PartDigester {
  rows = 0;
  /** The last chunk ended inside a row, counted at its line end or, the last, by {@link digest}. */
  private rowOpen = false;

  update(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.rows += lineFeeds(chunk);
    this.rowOpen = chunk[chunk.length - 1] !== 10;
  }

  digest(): string {
    if (this.rowOpen) this.rows++;
    this.rowOpen = false;
    return formatDigest(0, 0);
  }
}

export function partDigester(kind: PartDigest): PartDigester {
  return kind === 'rows' ? new RowCounter() : new RowDigest(kind);
}

function formatDigest(high: number, low: number): string {
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}

/** A digest from the server's sum of its rows' hashes (a signed decimal of any size). */
export function digestFromSum(sum: string): string {
  return hex64(BigInt(sum));
}

// The last hash's halves, unsigned: returned through module state so a row allocates nothing.
let hashHigh = 0;
let hashLow = 0;

/** hash_bytes_extended(k[start..end), seed 0): the high 32 bits are lookup3's b, the low its c. */
function hashBytesExtended(k: Uint8Array, start: number, end: number): void {
  let length = end - start;
  let a = (0x9e3779b9 + length + 3923095) | 0;
  let b = a;
  let c = a;
  let i = start;
  for (; length >= 12; i += 12, length -= 12) {
    a = (a + (k[i]! | (k[i + 1]! << 8) | (k[i + 2]! << 16) | (k[i + 3]! << 24))) | 0;
    b = (b + (k[i + 4]! | (k[i + 5]! << 8) | (k[i + 6]! << 16) | (k[i + 7]! << 24))) | 0;
    c = (c + (k[i + 8]! | (k[i + 9]! << 8) | (k[i + 10]! << 16) | (k[i + 11]! << 24))) | 0;
    // mix(a, b, c)
    a = (a - c) | 0; a ^= (c << 4) | (c >>> 28); c = (c + b) | 0;
    b = (b - a) | 0; b ^= (a << 6) | (a >>> 26); a = (a + c) | 0;
    c = (c - b) | 0; c ^= (b << 8) | (b >>> 24); b = (b + a) | 0;
    a = (a - c) | 0; a ^= (c << 16) | (c >>> 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= (a << 19) | (a >>> 13); a = (a + c) | 0;
    c = (c - b) | 0; c ^= (b << 4) | (b >>> 28); b = (b + a) | 0;
  }
  // The last 0–11 bytes: 8–10 into c above its lowest byte, 4–7 into b, 0–3 into a.
  if (length > 10) c = (c + (k[i + 10]! << 24)) | 0;
  if (length > 9) c = (c + (k[i + 9]! << 16)) | 0;
  if (length > 8) c = (c + (k[i + 8]! << 8)) | 0;
  if (length > 7) b = (b + (k[i + 7]! << 24)) | 0;
  if (length > 6) b = (b + (k[i + 6]! << 16)) | 0;
  if (length > 5) b = (b + (k[i + 5]! << 8)) | 0;
  if (length > 4) b = (b + k[i + 4]!) | 0;
  if (length > 3) a = (a + (k[i + 3]! << 24)) | 0;
  if (length > 2) a = (a + (k[i + 2]! << 16)) | 0;
  if (length > 1) a = (a + (k[i + 1]! << 8)) | 0;
  if (length > 0) a = (a + k[i]!) | 0;
  // final(a, b, c)
  c ^= b; c = (c - ((b << 14) | (b >>> 18))) | 0;
  a ^= c; a = (a - ((c << 11) | (c >>> 21))) | 0;
  b ^= a; b = (b - ((a << 25) | (a >>> 7))) | 0;
  c ^= b; c = (c - ((b << 16) | (b >>> 16))) | 0;
  a ^= c; a = (a - ((c << 4) | (c >>> 28))) | 0;
  b ^= a; b = (b - ((a << 14) | (a >>> 18))) | 0;
  c ^= b; c = (c - ((b << 24) | (b >>> 8))) | 0;
  hashHigh = b >>> 0;
  hashLow = c >>> 0;
}

/** A set of rows: how many, and their digest. */
export interface DigestedRows {
  readonly rows: number;
  readonly digest: string;
}

/** Two disjoint sets of rows together (parts of a table, slices of its key): counts and digests add (modulo 2^64). */
export function addDigests(a: DigestedRows | undefined, b: DigestedRows): DigestedRows {
  if (!a) return b;
  return { rows: a.rows + b.rows, digest: hex64(BigInt(`0x${a.digest}`) + BigInt(`0x${b.digest}`)) };
}
