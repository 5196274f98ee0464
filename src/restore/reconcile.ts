import { createHash } from 'node:crypto';
import path from 'node:path';
import { forEachChunk } from '../core/file-chunks.js';
import { Lanes } from './lanes.js';
import type { LoadResult } from './load.js';
import type { StagedTarget } from './staged.js';

/**
 * R3 reconcile: after the swap, what the target holds against what the archive held — rows
 * and an order-independent digest per table, every file by SHA-256.
 */
export interface ReconcileReport {
  readonly ok: boolean;
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

/** Tables are digested on all of the target's lanes at once, largest first. */
export async function reconcile(db: StagedTarget, loaded: LoadResult, dataDir: string): Promise<ReconcileReport> {
  // Files are hashed here while the server reads the tables.
  const hashingFiles = mismatchedFiles(loaded.files, dataDir);
  hashingFiles.catch(() => undefined);
  const byTable = new Map<string, ReconcileReport['tables'][number]>();
  const order = [...loaded.schema.tables].sort((a, b) => (loaded.tables[b.name]?.rows ?? 0) - (loaded.tables[a.name]?.rows ?? 0));
  await Lanes.run(
    db.lanes.length,
    order.map((table) => async (lane: number) => {
      const found = await db.readBack(table, lane);
      const expected = loaded.tables[table.name]!;
      byTable.set(table.name, { table: table.name, expectedRows: expected.rows, rows: found.rows, digestMatches: found.digest === expected.digest });
    }),
  );
  const tables = loaded.schema.tables.map((t) => byTable.get(t.name)!);
  const mismatched = await hashingFiles;
  const expectedFiles = Object.keys(loaded.files).length;
  return {
    ok: mismatched.length === 0 && tables.every((t) => t.rows === t.expectedRows && t.digestMatches),
    tables,
    files: { expected: expectedFiles, matching: expectedFiles - mismatched.length, mismatched },
  };
}

