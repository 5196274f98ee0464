import { access, readdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { RepatriateError } from '../core/errors.js';
import { openPglite } from '../engine/pglite/client.js';
import { openPostgres, redactUrl } from '../engine/postgres/client.js';
import type { SqlClient } from '../engine/types.js';

/**
 * Where a restore writes: a database (PostgreSQL server, MySQL/MariaDB server, or an embedded
 * PGlite folder) and the installation's data directory.
 */
export type TargetSpec =
  | { readonly engine: 'postgres'; readonly url: string }
  | { readonly engine: 'mysql'; readonly url: string }
  | { readonly engine: 'pglite'; readonly dir: string };

export const stagingSchema = 'repatriate_staging';

export function parseTarget(text: string, cwd = process.cwd()): TargetSpec {
  if (/^postgres(ql)?:\/\//.test(text)) return { engine: 'postgres', url: text };
  if (/^(mysql|mariadb):\/\//.test(text)) return { engine: 'mysql', url: text };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new RepatriateError('REPAT_USAGE', `unknown database URL scheme in ${redactUrl(text)}`, {
      hint: 'use postgres://…, mysql://… (MariaDB/MySQL), or a folder for the embedded database',
    });
  }
  return { engine: 'pglite', dir: path.resolve(cwd, text) };
}

export function describeTarget(target: TargetSpec): string {
  return target.engine === 'pglite' ? `embedded database in ${target.dir}` : redactUrl(target.url);
}

export async function openTarget(target: TargetSpec): Promise<SqlClient> {
  if (target.engine === 'postgres') return openPostgres(target.url);
  if (target.engine === 'pglite') return openPglite(target.dir);
  throw new RepatriateError('REPAT_TARGET_UNSUPPORTED', 'restoring into MySQL/MariaDB is not available in this release', {
    hint: 'restore into PostgreSQL (postgres://…) or the embedded database (a folder) for now',
  });
}

/** Tables a restore would collide with: every table outside the system schemas and our staging schema. */
export async function userTables(db: SqlClient): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `SELECT schemaname || '.' || tablename AS name FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema', '${stagingSchema}') ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** Entries of a folder; empty when it does not exist. */
export async function folderEntries(dir: string): Promise<string[]> {
  return readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
}

/** Free bytes on the file system that holds `dir` (or would, once created). */
export async function freeBytes(dir: string): Promise<{ bytes: number; device: number }> {
  let current = path.resolve(dir);
  while (!(await access(current).then(() => true, () => false))) current = path.dirname(current);
  const info = await statfs(current);
  return { bytes: info.bavail * info.bsize, device: (await stat(current)).dev };
}

export interface Environment {
  readonly engine: string;
  readonly version: string;
  readonly encoding: string;
  /** Every way the target differs from the recommended environment. */
  readonly differences: readonly string[];
}

/** The recommended environment: PostgreSQL 15 or newer with UTF8; an encoding that cannot hold the data is refused. */
export async function checkEnvironment(db: SqlClient): Promise<Environment> {
  const [row] = await db.query<{ version: string; num: string; encoding: string; scs: string }>(
    "SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num, current_setting('server_encoding') AS encoding, current_setting('standard_conforming_strings') AS scs",
  );
  const differences: string[] = [];
  if (Number(row!.num) < 150000) differences.push(`PostgreSQL ${row!.version}; recommended 15 or newer`);
  if (row!.scs !== 'on') differences.push(`standard_conforming_strings is ${row!.scs}; recommended on`);
  if (row!.encoding !== 'UTF8') {
    throw new RepatriateError('REPAT_TARGET_UNSUPPORTED', `the target database uses encoding ${row!.encoding}; the archive holds UTF-8 text that it cannot store exactly`, {
      hint: 'create the database with ENCODING UTF8 (CREATE DATABASE … ENCODING \'UTF8\' TEMPLATE template0)',
    });
  }
  return { engine: db.engine, version: row!.version, encoding: row!.encoding, differences };
}

/** Files and kernel are unpacked here, beside the data directory, and renamed into place by the swap. */
export function stagingFolder(dataDir: string): string {
  const resolved = path.resolve(dataDir);
  return path.join(path.dirname(resolved), `.${path.basename(resolved)}.repatriate-staging`);
}
