import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * A seeded, deterministic random source. Every stream is derived from (seed, label), so the
 * values a table gets do not depend on how much randomness another table consumed.
 */
export class Random {
  private readonly gen: RandomGenerator;

  constructor(seed: number, label = '') {
    this.gen = xoroshiro128plus(mixSeed(seed, label));
  }

  /** Uniform float in [0, 1). */
  float(): number {
    const hi = this.gen.next() >>> 0;
    const lo = this.gen.next() >>> 11;
    return (hi * 2 ** 21 + lo) / 2 ** 53;
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: ArrayLike<T>): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** Log-uniform integer in [min, max]: many small values, a few large ones. */
  logUniform(min: number, max: number): number {
    return Math.round(Math.exp(Math.log(min) + this.float() * (Math.log(max) - Math.log(min))));
  }
}

/** FNV-1a over the label, folded with the seed: stable across runs and Node versions. */
function mixSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ (seed | 0);
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
