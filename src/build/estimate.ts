import { stat } from 'node:fs/promises';
import path from 'node:path';
import { introspect } from '../engine/postgres/introspect.js';
import type { SqlClient } from '../engine/types.js';
import { countExcluded, countRows, listFiles, type Preparation } from './build.js';

/**
 * `plan`: what a build would write, without writing anything: rows per on-premise table,
 * estimated bytes, what stays behind and why, and an estimated duration.
 */
export interface PlanReport {
  readonly account: { readonly address: string; readonly id: number; readonly status: string };
  readonly release: string;
  readonly users: Preparation['users'];
  readonly tables: readonly { readonly table: string; readonly source: string | null; readonly rows: number; readonly estimatedBytes: number }[];
  readonly startEmpty: readonly { readonly table: string; readonly reason: string; readonly task: string | null }[];
  /** `estimated`: `rows` is scaled from the parent table's count, not counted (manifest `count: "estimate"`). */
  readonly excludedTables: readonly { readonly table: string; readonly rows: number | null; readonly estimated: boolean; readonly reason: string; readonly task: string | null }[];
  readonly excludedColumns: readonly { readonly table: string; readonly column: string; readonly policy: string; readonly task: string }[];
  readonly files: { readonly count: number; readonly bytes: number };
  readonly kernel: { readonly release: string; readonly files: number; readonly bytes: number };
  readonly estimatedBytes: number;
  readonly estimatedSeconds: number;
}

/** Raw bytes per second a build moves on this kind of machine (measured by bench/build). */
export const buildRate = 60e6;

export async function planBuild(db: SqlClient, prepared: Preparation, filesDir: string): Promise<PlanReport> {
  const catalog = new Map((await introspect(db)).map((t) => [t.name, t]));
  const tables = [];
  for (const entry of prepared.plan.exports) {
    if (!entry.query || !entry.source) continue;
    const rows = await countRows(db, { ...entry.query, select: '1' });
    const source = catalog.get(entry.source);
    const perRow = source && source.estimatedRows > 0 ? source.bytes / source.estimatedRows : 100;
    tables.push({ table: entry.target.name, source: entry.source, rows, estimatedBytes: Math.round(rows * perRow) });
  }
  const excludedTables = [];
  for (const e of prepared.plan.excludedTables) {
    const counted = e.count ? await countExcluded(db, e.count) : undefined;
    excludedTables.push({ table: e.table, rows: counted?.rows ?? null, estimated: counted?.estimated ?? false, reason: e.reason, task: e.task ?? null });
  }
  let fileBytes = 0;
  const files = await listFiles(filesDir);
  for (const f of files) fileBytes += (await stat(path.join(filesDir, f))).size;
  const kernelBytes = prepared.kernel.files.reduce((a, f) => a + f.size, 0);
  const estimatedBytes = tables.reduce((a, t) => a + t.estimatedBytes, 0) + fileBytes + kernelBytes;
  return {
    account: prepared.account,
    release: prepared.kernel.version,
    users: prepared.users,
    tables,
    startEmpty: prepared.plan.exports.filter((e) => e.empty).map((e) => ({ table: e.target.name, reason: e.empty!.reason, task: e.empty!.task ?? null })),
    excludedTables,
    excludedColumns: prepared.plan.excludedColumns,
    files: { count: files.length, bytes: fileBytes },
    kernel: { release: prepared.kernel.version, files: prepared.kernel.files.length, bytes: kernelBytes },
    estimatedBytes,
    estimatedSeconds: Math.max(1, Math.round(estimatedBytes / buildRate)),
  };
}
