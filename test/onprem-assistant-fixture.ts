import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { silentProgress } from '../src/core/progress.js';
import { createDatabase } from '../src/engine/postgres/admin.js';
import { initCloud } from '../src/platform/cloud.js';
import { takeSnapshot } from '../src/platform/snapshot.js';
import { emptyMariaDatabase, runCli, scratchDatabase, tempDir } from './helpers.js';

/**
 * A real restored installation for the assistant's tests: a small reference cloud, the nightly
 * snapshot, an archive of globex (the account with a marketplace app and rented numbers), and
 * restores of it into PostgreSQL, MariaDB or the embedded engine, each with its data directory.
 */
export const night = '2026-11-24';
export const account = 'https://globex.cloud.example';

export interface ArchiveFixture {
  readonly home: string;
  readonly archive: string;
  readonly passwordFile: string;
  readonly license: string;
}

export interface Installation {
  readonly engine: 'postgres' | 'mysql' | 'pglite';
  /** What `--db` takes. */
  readonly db: string;
  readonly dataDir: string;
}

export async function buildArchive(label: string): Promise<ArchiveFixture> {
  const home = await tempDir(label);
  await initCloud(home, { seed: 41, tenants: 2, size: 1.5e6, databaseUrl: scratchDatabase(`${label}-cloud`) }, silentProgress);
  await takeSnapshot(home, night);
  const passwordFile = path.join(home, 'password.txt');
  await writeFile(passwordFile, 'assistant test password 9\n');
  const archive = path.join(home, 'archive');
  const built = await runCli(['build', '--account', account, '--snapshot', night, '--out', archive, '--password-file', passwordFile], home);
  assert.equal(built.code, 0, built.stderr);
  const issued = await runCli(['license', 'issue', '--edition', 'enterprise', '--seats', '500', '--until', '2099-12-31'], home);
  assert.equal(issued.code, 0, issued.stderr);
  return { home, archive, passwordFile, license: issued.stdout.trim() };
}

let counter = 0;

async function emptyTarget(engine: Installation['engine'], label: string, home: string): Promise<string> {
  if (engine === 'postgres') {
    const url = scratchDatabase(label);
    await createDatabase(url);
    return url;
  }
  if (engine === 'pglite') return path.join(home, `${label}-${counter++}-db`);
  const name = await emptyMariaDatabase(label);
  return `mysql://root@127.0.0.1:3306/${name}`;
}

/** Restores the archive into a new, empty target (the archive's kernel brings the update feed P4 reads). */
export async function restoreInstallation(f: ArchiveFixture, engine: Installation['engine'], label: string): Promise<Installation> {
  const db = await emptyTarget(engine, label, f.home);
  const dataDir = path.join(f.home, `${label}-${counter++}-data`);
  const result = await runCli(['restore', f.archive, '--license', f.license, '--password-file', f.passwordFile, '--db', db, '--data-dir', dataDir, '--json'], f.home);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.equal(JSON.parse(result.stdout).reconcile.ok, true);
  return { engine, db, dataDir };
}

