import { access, readdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { RepatriateError } from '../core/errors.js';
import { openPostgres } from '../engine/postgres/client.js';
import { redactUrl } from '../engine/types.js';
import { mysqlStaged, postgresStaged, type StagedTarget } from './staged.js';

/**
 * Where a restore writes: a database (PostgreSQL server, MySQL/MariaDB server, or an embedded
 * PGlite folder) and the installation's data directory.
 */
export type TargetSpec =
  | { readonly engine: 'postgres'; readonly url: string }
  | { readonly engine: 'mysql'; readonly url: string }
  | { readonly engine: 'pglite'; readonly dir: string };

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

/**
 * Opens the target with `lanes` connections to a server (a restore loads and indexes on two at
 * once); the embedded engine has one connection whatever is asked.
 */
export async function openTarget(target: TargetSpec, lanes = 1): Promise<StagedTarget> {
  // Each engine's driver is loaded when a target needs it: mysql2 and PGlite took 0.2 s to load, which every restore paid before its first row.
  if (target.engine === 'pglite') return postgresStaged([await (await import('../engine/pglite/client.js')).openPglite(target.dir)]);
  const count = Math.max(1, lanes);
  if (target.engine === 'postgres') return postgresStaged(await openAll(count, () => openPostgres(target.url)));
  const url = target.url.replace(/^mariadb:/, 'mysql:');
  const { openMysql } = await import('../engine/mysql/client.js');
  const clients = await openAll(count, () => openMysql(url));
  return mysqlStaged(clients).catch(async (error: unknown) => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    throw error;
  });
}

/** Opens `count` connections one after the other; if one fails, those already open are closed. */
async function openAll<C extends { close(): Promise<void> }>(count: number, open: () => Promise<C>): Promise<C[]> {
  const clients: C[] = [];
  try {
    for (let i = 0; i < count; i++) clients.push(await open());
    return clients;
  } catch (error) {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    throw error;
  }
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

/** Files and kernel are unpacked here, beside the data directory, and renamed into place by the swap. */
export function stagingFolder(dataDir: string): string {
  const resolved = path.resolve(dataDir);
  return path.join(path.dirname(resolved), `.${path.basename(resolved)}.repatriate-staging`);
}
