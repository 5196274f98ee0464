import type { CopyValue } from '../../../core/copy-text.js';
import type { Random } from '../../../core/random.js';
import type { TenantPlan } from '../plan.js';
import { historyTime, interleave, timestampText, timestamptzText, type World } from '../world.js';

export type Row = CopyValue[];

/** One table's rows, in the column order given. */
export interface TableSource {
  readonly table: string;
  readonly columns: readonly string[];
  rows(world: World): Iterable<Row> | AsyncIterable<Row>;
}

/** Rows for a share of the account's database budget, at an average encoded row size. */
export function rowsForShare(tenant: TenantPlan, share: number, averageRowBytes: number, minimum = 0): number {
  return Math.max(minimum, Math.round((tenant.rowBytes * share) / averageRowBytes));
}

export interface RowSlot {
  readonly tenant: number;
  readonly tenantId: number;
  /** 0-based position of this row among the account's rows of the table. */
  readonly ordinal: number;
  readonly id: number;
  /** 0..1 through the table's history. */
  readonly progress: number;
}

/** Rows of all accounts interleaved; each gets a fresh global id from the table's registry. */
export function* interleaved(world: World, table: string, counts: readonly number[], make: (slot: RowSlot, rng: Random) => Row): Generator<Row> {
  const rng = world.random(`${table}:rows`);
  const order = world.random(`${table}:order`);
  const registry = world.registry(table);
  const ordinals = counts.map(() => 0);
  const total = counts.reduce((a, b) => a + b, 0);
  let step = 0;
  for (const tenant of interleave(counts, order)) {
    const id = registry.take(tenant);
    yield make({ tenant, tenantId: tenant + 1, ordinal: ordinals[tenant]!++, id, progress: step++ / Math.max(1, total) }, rng);
  }
}

export function canary(rng: Random, kind: string): string {
  const hex = (rng.int(0, 0x7fffffff) >>> 0).toString(16).padStart(8, '0') + (rng.int(0, 0x7fffffff) >>> 0).toString(16).padStart(8, '0');
  return `CANARY-SECRET-${kind}-${hex}`;
}

export function when(progress: number, rng: Random): string {
  return timestamptzText(historyTime(progress, rng), rng.int(0, 999));
}

export function whenLocal(progress: number, rng: Random): string {
  return timestampText(historyTime(progress, rng), rng.int(0, 999));
}

export function later(timestamp: string, rng: Random, maxDays: number): string {
  const ms = Date.parse(timestamp.replace(' ', 'T').replace(/\+00$/, 'Z'));
  return timestamptzText(Math.min(ms + rng.float() * maxDays * 86_400_000, Date.UTC(2026, 9, 31, 23)), rng.int(0, 999));
}

export function pickOr<T>(rng: Random, items: ArrayLike<T>, fallback: T): T {
  return items.length === 0 ? fallback : rng.pick(items);
}

export function money(rng: Random, max: number): string {
  return (rng.int(0, max * 100) / 100).toFixed(2);
}
