import { z } from 'zod';

/**
 * How a build splits into volumes that separate jobs write in parallel (B7). A unit is a run
 * of consecutive members in archive order: the head (header, schema), all parts of one
 * table, a range of the account's files, the kernel release, the exclusion ledger. Consecutive units
 * are grouped until a group reaches the volume size; group k becomes `vol-k`, written by its
 * own job; the archive's last volume holds contents.json alone and is written when every
 * group is done. Archive order is kept, so a restore reads the volumes exactly as it reads
 * those of a build in one process.
 */
export const unitSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('head') }),
  z.object({ kind: z.literal('table'), table: z.string() }),
  /** Files `from` (inclusive) to `to` (exclusive) of the account's sorted file list. */
  z.object({ kind: z.literal('files'), from: z.number().int().nonnegative(), to: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('kernel') }),
  z.object({ kind: z.literal('ledger') }),
]);
export type Unit = z.infer<typeof unitSchema>;

export interface SizedUnit {
  readonly unit: Unit;
  /** Bytes before compression (the plan's estimate for tables). */
  readonly bytes: number;
}

export interface VolumeGroup {
  readonly ordinal: number;
  readonly units: Unit[];
  readonly bytes: number;
}

/** The units of a build in archive order; the files are cut into ranges of about `volumeSize`. */
export function buildUnits(plan: { readonly tables: readonly { readonly table: string; readonly estimatedBytes: number }[] }, fileSizes: readonly number[], kernelBytes: number, volumeSize: number): SizedUnit[] {
  const units: SizedUnit[] = [{ unit: { kind: 'head' }, bytes: 0 }];
  for (const t of plan.tables) units.push({ unit: { kind: 'table', table: t.table }, bytes: t.estimatedBytes });
  let from = 0;
  let bytes = 0;
  for (const [i, size] of fileSizes.entries()) {
    bytes += size;
    if (bytes >= volumeSize) {
      units.push({ unit: { kind: 'files', from, to: i + 1 }, bytes });
      from = i + 1;
      bytes = 0;
    }
  }
  if (from < fileSizes.length) units.push({ unit: { kind: 'files', from, to: fileSizes.length }, bytes });
  units.push({ unit: { kind: 'kernel' }, bytes: kernelBytes });
  units.push({ unit: { kind: 'ledger' }, bytes: 0 });
  return units;
}

/** Consecutive units into groups of about `volumeSize` bytes; a unit larger than that is a group of its own. */
export function groupUnits(units: readonly SizedUnit[], volumeSize: number): VolumeGroup[] {
  const groups: VolumeGroup[] = [];
  let current: Unit[] = [];
  let bytes = 0;
  for (const u of units) {
    if (current.length > 0 && bytes + u.bytes > volumeSize) {
      groups.push({ ordinal: groups.length, units: current, bytes });
      current = [];
      bytes = 0;
    }
    current.push(u.unit);
    bytes += u.bytes;
  }
  if (current.length > 0) groups.push({ ordinal: groups.length, units: current, bytes });
  return groups;
}
