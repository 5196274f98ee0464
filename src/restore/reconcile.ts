import { createHash } from 'node:crypto';
import path from 'node:path';
import { forEachChunk } from '../core/file-chunks.js';
import { Lanes } from './lanes.js';
import type { LoadResult } from './load.js';
import type { Table } from '../core/schema.js';
import { addDigests } from './digest.js';
import type { KeySlice, StagedTarget, TableDigest } from './staged.js';

/**
 * R3 reconcile: after the swap, what the target holds against what the archive held — rows
 * and an order-independent digest per table, every file by SHA-256.
 *
 * The digest: where contents.json gives every table's record hash (a build from a PostgreSQL
 * or PGlite cloud) and the target computes them too (PostgreSQL, PGlite), the target's sum of
 * its rows' record hashes against contents.json's — the source server's hash of the values
 * against the target server's. Otherwise the digest of the rows' text (digest.ts) the target
 * computes against the one taken of the archive's rows while they loaded.
 */
export interface ReconcileReport {
  readonly ok: boolean;
  /** What the table digests compare: record hashes (the source's against the target's), or the rows' text digest. */
  readonly checksum: 'record hash' | 'row text';
  readonly tables: readonly { readonly table: string; readonly expectedRows: number; readonly rows: number; readonly digestMatches: boolean }[];
  readonly files: { readonly expected: number; readonly matching: number; readonly mismatched: readonly string[] };
}

async function fileHash(file: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    await forEachChunk(file, (chunk) => hash.update(chunk));
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

async function mismatchedFiles(expected: LoadResult['files'], dataDir: string): Promise<string[]> {
  const mismatched: string[] = [];
  for (const [relative, sha256] of Object.entries(expected)) {
    if ((await fileHash(path.join(dataDir, relative))) !== sha256) mismatched.push(relative);
  }
  return mismatched;
}

/** A table with more than this share of all rows is read back in slices of its key, one per lane. */
const sliceShare = 0.2;

const integerKinds = new Set(['int16', 'int32', 'int64']);

/** One read-back job: a whole table, or a slice of a large one's integer key. */
interface ReadBack {
  readonly table: Table;
  readonly rows: number;
  readonly slice?: KeySlice;
}

/**
 * A table that holds a large share of the rows would keep one lane reading long after the other
 * is done: where the engine reads a key slice's rows only (InnoDB's clustered key), it is cut
 * into one slice of its key's range per lane (equal ranges, which suits keys handed out in
 * order). Slices digest disjoint rows, so their digests add up to the table's.
 */
async function readBackJobs(db: StagedTarget, loaded: LoadResult): Promise<ReadBack[]> {
  const total = Object.values(loaded.tables).reduce((sum, t) => sum + t.rows, 0);
  const jobs: ReadBack[] = [];
  for (const table of loaded.schema.tables) {
    const rows = loaded.tables[table.name]?.rows ?? 0;
    const key = table.primaryKey.length === 1 ? table.columns.find((c) => c.name === table.primaryKey[0]) : undefined;
    const sliced = key !== undefined && integerKinds.has(key.type.kind) && db.lanes.length > 1 && rows > total * sliceShare;
    const range = sliced ? await db.keyRange?.(table, key.name) : undefined;
    if (!key || !range) {
      jobs.push({ table, rows });
      continue;
    }
    const slices = BigInt(db.lanes.length);
    const width = (range.highest - range.lowest) / slices + 1n;
    for (let lowest = range.lowest; lowest <= range.highest; lowest += width) {
      const highest = lowest + width - 1n < range.highest ? lowest + width - 1n : range.highest;
      jobs.push({ table, rows: rows / Number(slices), slice: { column: key.name, lowest, highest } });
    }
  }
  return jobs.sort((a, b) => b.rows - a.rows);
}

/** Tables are digested on all of the target's lanes at once, largest first. */
export async function reconcile(db: StagedTarget, loaded: LoadResult, dataDir: string): Promise<ReconcileReport> {
  // Files are hashed here while the server reads the tables.
  const hashingFiles = mismatchedFiles(loaded.files, dataDir);
  hashingFiles.catch(() => undefined);
  const found = new Map<string, TableDigest>();
  const recordHashes = db.recordHash && loaded.recordHashes;
  await Lanes.run(
    db.lanes.length,
    (await readBackJobs(db, loaded)).map((job) => async (lane: number) => {
      const part = recordHashes ? await db.recordHash!(job.table, lane, job.slice) : await db.readBack(job.table, lane, job.slice);
      found.set(job.table.name, addDigests(found.get(job.table.name), part));
    }),
  );
  const byTable = new Map<string, ReconcileReport['tables'][number]>(
    loaded.schema.tables.map((table) => {
      const expected = loaded.tables[table.name]!;
      const expectedDigest = recordHashes ? recordHashes[table.name] : expected.digest;
      const digest = found.get(table.name)!;
      return [table.name, { table: table.name, expectedRows: expected.rows, rows: digest.rows, digestMatches: digest.digest === expectedDigest }];
    }),
  );
  const tables = loaded.schema.tables.map((t) => byTable.get(t.name)!);
  const mismatched = await hashingFiles;
  const expectedFiles = Object.keys(loaded.files).length;
  return {
    ok: mismatched.length === 0 && tables.every((t) => t.rows === t.expectedRows && t.digestMatches),
    checksum: recordHashes ? 'record hash' : 'row text',
    tables,
    files: { expected: expectedFiles, matching: expectedFiles - mismatched.length, mismatched },
  };
}

