import { createHash } from 'node:crypto';

/**
 * An order-independent digest of a table's rows in COPY text: the sum, modulo 2^64, of the
 * first 8 bytes of each row's SHA-256. Computed from the archive while loading and again
 * from the target after the swap, it proves the same rows arrived whatever order they take.
 */
const mask = (1n << 64n) - 1n;

export class RowDigest {
  private sum = 0n;
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
      this.add(data.subarray(start, end));
      start = end + 1;
    }
    if (start < data.length) this.carry = Buffer.from(data.subarray(start));
  }

  private add(line: Uint8Array): void {
    this.sum = (this.sum + createHash('sha256').update(line).digest().readBigUInt64BE(0)) & mask;
    this.rows++;
  }

  digest(): string {
    if (this.carry && this.carry.length > 0) this.add(this.carry);
    this.carry = undefined;
    return this.sum.toString(16).padStart(16, '0');
  }
}
