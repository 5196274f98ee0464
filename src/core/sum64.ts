const two32 = 4294967296;

/**
 * A sum modulo 2^64 kept as two 32-bit halves (exact in doubles, no BigInt per addition), and
 * written as 16 hex digits: how a table's rows add up their 64-bit hashes.
 */
export class Sum64 {
  private high = 0;
  private low = 0;

  /** Adds the 64-bit value whose high 32 bits are `high` (signed or not) and low 32 bits `low` (unsigned). */
  add(high: number, low: number): void {
    this.low += low;
    if (this.low >= two32) {
      this.low -= two32;
      this.high++;
    }
    this.high = (((this.high + high) % two32) + two32) % two32;
  }

  hex(): string {
    return this.high.toString(16).padStart(8, '0') + this.low.toString(16).padStart(8, '0');
  }
}
