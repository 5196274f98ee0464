import path from 'node:path';
import { tablePartName, type ArchiveIndex, type ContentsEntry, type VolumeRecord } from '../archive/format.js';
import type { Encryption } from '../archive/volume.js';
import { ArchiveWriter } from '../archive/writer.js';
import { prefetch } from '../core/prefetch.js';
import type { SigningKey } from '../core/signing.js';
import type { SqlClient } from '../engine/types.js';
import type { Manifest } from '../manifest/schema.js';
import { exclusionLedger, headMembers, kernelFiles, listFiles, sourceFiles, writeSignedIndex, type Preparation } from './build.js';
import { exportedParts, partInfo } from './parts.js';
import type { Unit } from './units.js';

/**
 * The two halves of a build split into volume jobs (B7): one volume of consecutive units,
 * written by any worker on its own, and the finish, which appends the volume holding
 * contents.json and signs the index once every volume is there. Each half writes into a
 * private folder of its own, so a duplicate run of a job never touches another's files.
 */
export interface VolumeJobInput {
  readonly db: SqlClient;
  readonly manifest: Manifest;
  readonly snapshot: { readonly night: string; readonly takenAt: string };
  readonly filesDir: string;
  /** The job's private working folder. */
  readonly dir: string;
  readonly archiveId: string;
  readonly encryption: Encryption;
  readonly partBytes: number;
  /** Raw bytes written so far in this volume, as they go. */
  readonly onBytes?: (raw: number) => void;
}

export interface VolumeOutcome {
  readonly record: VolumeRecord;
  readonly members: ContentsEntry[];
  /** Rows per table written in this volume. */
  readonly tables: Record<string, number>;
  readonly sizes: { rows: number; files: number; kernel: number };
}

const mtimeOf = (night: string): Date => new Date(`${night}T00:00:00Z`);

export async function writeGroupVolume(input: VolumeJobInput, prepared: Preparation, ordinal: number, units: readonly Unit[]): Promise<VolumeOutcome> {
  const writer = new ArchiveWriter({ dir: input.dir, archiveId: input.archiveId, encryption: input.encryption, volumeSize: Number.MAX_SAFE_INTEGER, mtime: mtimeOf(input.snapshot.night), firstOrdinal: ordinal });
  const tables: Record<string, number> = {};
  const sizes = { rows: 0, files: 0, kernel: 0 };
  try {
    await writer.begin();
    for (const unit of units) {
      if (unit.kind === 'head') {
        for (const member of headMembers(input, prepared)) await writer.addBuffer(member.name, member.body);
      } else if (unit.kind === 'table') {
        const entry = prepared.plan.exports.find((e) => e.target.name === unit.table);
        if (!entry) throw new Error(`the plan has no table ${unit.table}`);
        tables[unit.table] = 0;
        if (!entry.query) continue;
        let part = 0;
        for await (const compressed of prefetch(exportedParts(input.db, entry.query, entry.target.columns, input.partBytes))) {
          tables[unit.table]! += compressed.rows;
          sizes.rows += compressed.raw;
          await writer.addStream(tablePartName(unit.table, part++), compressed.size, (async function* () { yield* compressed.chunks; })(), partInfo(compressed));
          input.onBytes?.(compressed.raw);
        }
      } else if (unit.kind === 'files') {
        const files = (await listFiles(input.filesDir)).slice(unit.from, unit.to).map((relative) => ({ relative, file: path.join(input.filesDir, relative) }));
        for await (const { relative, size, content } of sourceFiles(files)) {
          sizes.files += size;
          await writer.addStream(`files/${relative}`, size, content);
          input.onBytes?.(size);
        }
      } else if (unit.kind === 'kernel') {
        for await (const { relative, size, content } of sourceFiles(await kernelFiles(prepared.kernel))) {
          sizes.kernel += size;
          await writer.addStream(`kernel/${relative}`, size, content);
        }
      } else {
        const ledger = await exclusionLedger(input.db, prepared);
        await writer.addBuffer(ledger.name, ledger.body);
      }
    }
    const { volumes, members } = await writer.seal();
    return { record: volumes[0]!, members, tables, sizes };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

export interface FinishInput {
  readonly dir: string;
  readonly archiveId: string;
  readonly encryption: Encryption;
  readonly night: string;
  readonly signingKey: SigningKey;
  readonly now: Date;
  readonly retentionDays: number;
  /** Every on-premise table of the plan (those that start empty too), for contents.json. */
  readonly tables: readonly string[];
}

/** Appends the volume holding contents.json after `volumes` (in ordinal order) and writes the signed index.json into `dir`. */
export async function finishArchive(input: FinishInput, volumes: readonly VolumeOutcome[]): Promise<ArchiveIndex> {
  const tables: Record<string, number> = Object.fromEntries(input.tables.map((t) => [t, 0]));
  const sizes = { rows: 0, files: 0, kernel: 0 };
  for (const v of volumes) {
    for (const [t, rows] of Object.entries(v.tables)) tables[t] = (tables[t] ?? 0) + rows;
    sizes.rows += v.sizes.rows;
    sizes.files += v.sizes.files;
    sizes.kernel += v.sizes.kernel;
  }
  const writer = new ArchiveWriter({
    dir: input.dir, archiveId: input.archiveId, encryption: input.encryption, volumeSize: Number.MAX_SAFE_INTEGER, mtime: mtimeOf(input.night),
    resume: { volumes: volumes.map((v) => v.record), members: volumes.flatMap((v) => v.members) },
  });
  let records: VolumeRecord[];
  try {
    records = (await writer.close(tables)).volumes;
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return writeSignedIndex(input.dir, {
    archiveId: input.archiveId, createdAt: input.now.toISOString(), retentionDays: input.retentionDays, encryption: input.encryption.kind, volumes: records, sizes, signingKey: input.signingKey,
  });
}
