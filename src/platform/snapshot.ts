import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { RepatriateError, usageError } from '../core/errors.js';
import { createDatabase, databaseName, dropDatabase, withDatabase } from '../engine/postgres/admin.js';
import type { SqlClient } from '../engine/types.js';
import { cloudPaths, openDatabase, readCloudConfig, type DatabaseLocation } from './cloud.js';
import { linkTree, summarizeTree } from './filestore.js';

/**
 * Nightly snapshots. The snapshot labelled D is the state of the cloud in the night before
 * day D (taken at 00:00 UTC of D): a build for the final date D reads it (M7). A snapshot is
 * a separate database (server: `CREATE DATABASE … TEMPLATE`; embedded: a copy of the data
 * folder) made read-only, plus the file store linked file by file; later writes to the cloud
 * never reach it.
 */
const snapshotMetaSchema = z.object({
  format: z.literal(1),
  at: z.string(),
  takenAt: z.string(),
  database: z.discriminatedUnion('engine', [
    z.object({ engine: z.literal('pglite'), dir: z.string() }),
    z.object({ engine: z.literal('postgres'), url: z.string() }),
  ]),
  files: z.object({ count: z.number().int(), bytes: z.number().int() }),
});

export type SnapshotMeta = z.infer<typeof snapshotMetaSchema>;

export function parseNight(text: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const valid = match && new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text;
  if (!valid) throw usageError(`invalid date "${text}"`, 'write the night as YYYY-MM-DD, e.g. 2026-11-24');
  return text;
}

export function today(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

function snapshotDir(home: string, at: string): string {
  return path.join(cloudPaths(home).snapshots, at);
}

export function snapshotFilesDir(home: string, at: string): string {
  return path.join(snapshotDir(home, at), 'files');
}

const makeReadOnly = "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = on', current_database()); END $$";

export async function takeSnapshot(home: string, at: string, now: Date = new Date()): Promise<SnapshotMeta> {
  const config = await readCloudConfig(home);
  const dir = snapshotDir(home, at);
  if (await readSnapshotMeta(home, at).then(() => true, () => false)) {
    throw new RepatriateError('REPAT_SNAPSHOT_EXISTS', `the snapshot of the night before ${at} already exists`, {
      hint: 'snapshots are immutable; list them with `repatriate cloud snapshots`',
    });
  }
  const staging = `${dir}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });

  let database: DatabaseLocation;
  if (config.database.engine === 'postgres') {
    const source = databaseName(config.database.url);
    const url = withDatabase(config.database.url, `${source}__snap_${at.replace(/-/g, '')}`);
    await dropDatabase(url);
    try {
      await createDatabase(url, { template: source });
    } catch (cause) {
      throw new RepatriateError('REPAT_INTERNAL', `cannot copy the cloud database ${source}: ${(cause as Error).message}`, {
        hint: 'a snapshot needs a moment without other sessions on the cloud database; close them and try again',
        cause,
      });
    }
    database = { engine: 'postgres', url };
  } else {
    await cp(config.database.dir, path.join(staging, 'db'), { recursive: true });
    database = { engine: 'pglite', dir: path.join(dir, 'db') };
  }
  await linkTree(cloudPaths(home).files, path.join(staging, 'files'));
  const files = await summarizeTree(path.join(staging, 'files'));
  await rename(staging, dir);

  const db = await openDatabase(database);
  try {
    await db.exec(makeReadOnly);
  } finally {
    await db.close();
  }
  const meta: SnapshotMeta = { format: 1, at, takenAt: now.toISOString(), database, files: { count: files.files, bytes: files.bytes } };
  await writeFile(path.join(dir, 'snapshot.json'), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

export async function readSnapshotMeta(home: string, at: string): Promise<SnapshotMeta> {
  let text: string;
  try {
    text = await readFile(path.join(snapshotDir(home, at), 'snapshot.json'), 'utf8');
  } catch {
    throw new RepatriateError('REPAT_SNAPSHOT_MISSING', `no snapshot of the night before ${at}`, {
      hint: 'take it with `repatriate cloud snapshot --at DATE`, or list them with `repatriate cloud snapshots`',
    });
  }
  return snapshotMetaSchema.parse(JSON.parse(text));
}

export async function listSnapshots(home: string): Promise<SnapshotMeta[]> {
  let entries: string[];
  try {
    entries = await readdir(cloudPaths(home).snapshots);
  } catch {
    return [];
  }
  const metas: SnapshotMeta[] = [];
  // A folder without snapshot.json is an interrupted snapshot (`<date>.partial`) and is not listed.
  for (const entry of entries.filter((e) => /^\d{4}-\d{2}-\d{2}$/.test(e)).sort()) {
    const meta = await readSnapshotMeta(home, entry).catch(() => undefined);
    if (meta) metas.push(meta);
  }
  return metas;
}

export async function openSnapshot(home: string, at: string): Promise<{ meta: SnapshotMeta; db: SqlClient; filesDir: string }> {
  const meta = await readSnapshotMeta(home, at);
  const db = await openDatabase(meta.database);
  // The server applies the database setting by itself; the embedded engine needs it per session.
  await db.exec('SET SESSION default_transaction_read_only = on');
  return { meta, db, filesDir: snapshotFilesDir(home, at) };
}

/**
 * Further read-only connections to a snapshot on a server, so a build reads tables on several
 * at once; none for the embedded engine, which serves a single connection.
 */
export async function openExtraReaders(home: string, at: string, count: number): Promise<SqlClient[]> {
  const meta = await readSnapshotMeta(home, at);
  if (meta.database.engine !== 'postgres') return [];
  const readers: SqlClient[] = [];
  try {
    for (let i = 0; i < count; i++) readers.push((await openSnapshot(home, at)).db);
  } catch (error) {
    for (const db of readers) await db.close().catch(() => undefined);
    throw error;
  }
  return readers;
}

/** The account's uploaded files in a snapshot: what an on-premise installation has as its upload folder. */
export function accountFilesDir(home: string, at: string, address: string): string {
  return path.join(snapshotFilesDir(home, at), new URL(address).host, 'upload');
}
