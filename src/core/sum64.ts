/**
 * A sum modulo 2^64 of signed 64-bit integers that arrive as decimal text, each split into its
 * billions and its last nine digits (both exact in doubles, and no BigInt per addition: the
 * build adds one per exported row). Written as 16 hex digits: how a table part's rows add up
 * their record hashes.
 */
export class Sum64 {
  private billions = 0;
  private units = 0;
  private pending = 0;
  private total = 0n;

  /** Adds billions · 10^9 + units (the same sign, |units| < 10^9). */
  add(billions: number, units: number): void {
    this.billions += billions;
    this.units += units;
    // |billions| < 9.3e9 per value: half a million of them stay below 2^53.
    if (++this.pending === 500_000) this.fold();
  }

  hex(): string {
    this.fold();
    return hex64(this.total);
  }

  private fold(): void {
    this.total += BigInt(this.billions) * 1_000_000_000n + BigInt(this.units);
    this.billions = 0;
    this.units = 0;
    this.pending = 0;
  }
}

/** A sum of any size modulo 2^64, as 16 hex digits. */
export function hex64(sum: bigint): string {
  return BigInt.asUintN(64, sum).toString(16).padStart(16, '0');
}
