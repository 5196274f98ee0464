import { access } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { ArchiveIndex } from '../archive/format.js';
import { checkSignature, checkVolume, readIndex, readVolume, type Secret } from '../archive/reader.js';
import { RepatriateError } from '../core/errors.js';
import { formatBytes } from '../core/size.js';
import { checkLicenseFor, decodeLicense, type LicensePayload } from '../license/key.js';
import type { StagedTarget } from './staged.js';
import { folderEntries, freeBytes, stagingFolder, type Environment, type TargetSpec } from './target.js';

/**
 * R2: everything a restore checks before it writes a byte, in the order a person would fix
 * them: the archive, the password, the license, the empty target, the disk, the environment.
 */
export interface PreflightInput {
  readonly archiveDir: string;
  readonly secret: Secret;
  readonly licenseKey: string;
  readonly target: TargetSpec;
  readonly dataDir: string;
  readonly trustedArchiveKeys: readonly KeyObject[];
  readonly trustedLicenseKeys: readonly KeyObject[];
  /** YYYY-MM-DD, injectable for tests. */
  readonly today: string;
}

export const archiveHeaderSchema = z.object({
  format: z.number(),
  product: z.string(),
  account: z.object({ address: z.string(), id: z.number() }),
  snapshot: z.object({ night: z.string(), takenAt: z.string() }),
  release: z.string(),
  modules: z.record(z.string(), z.string()),
  users: z.object({ active: z.number().int().nonnegative(), byKind: z.record(z.string(), z.number()) }),
  /** Every table part carries the record hash sum of its rows in contents.json (archive-format.md §7.6). */
  rowHashes: z.boolean().optional(),
});
export type ArchiveHeader = z.infer<typeof archiveHeaderSchema>;

export interface PreflightReport {
  readonly index: ArchiveIndex;
  readonly signedBy: string;
  readonly header: ArchiveHeader;
  readonly license: LicensePayload;
  readonly environment: Environment;
  readonly space: { readonly needed: number; readonly available: number; readonly measured: string };
}

/** Reads header.json, the first member of the first volume: proof that the password opens the archive. */
async function readHeader(dir: string, index: ArchiveIndex, secret: Secret): Promise<ArchiveHeader> {
  for await (const member of readVolume(path.join(dir, index.volumes[0]!.name), secret)) {
    const chunks: Buffer[] = [];
    for await (const chunk of member.stream) chunks.push(chunk);
    const parsed = member.name === 'header.json' ? archiveHeaderSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8'))) : undefined;
    if (!parsed?.success) break;
    return parsed.data;
  }
  throw new RepatriateError('REPAT_ARCHIVE_CONTENTS', 'the archive does not begin with a valid header.json', { hint: 'ask the vendor for a new build' });
}

/** How much the database needs for the rows: heap and indexes, and room while both staging and WAL exist. */
export const databaseMargin = 3;
export const filesMargin = 1.1;

/** The embedded engine is created by the restore itself, so its folder must be new or empty. */
const embeddedEnvironment: Environment = { engine: 'pglite', version: '18 (embedded)', encoding: 'UTF8', differences: [] };

/**
 * `db` is the open target server; for the embedded target it is undefined, because opening
 * an embedded database creates it — and a preflight writes nothing.
 */
export async function preflight(input: PreflightInput, db: StagedTarget | undefined): Promise<PreflightReport> {
  const index = await readIndex(input.archiveDir);
  const signedBy = checkSignature(index, input.trustedArchiveKeys);
  // The password's key derivation (scrypt: up to a second of CPU, on libuv's thread pool) runs
  // while the volumes are hashed; a damaged volume is still reported before a wrong password.
  const headerRead = readHeader(input.archiveDir, index, input.secret);
  headerRead.catch(() => undefined);
  for (const volume of index.volumes) await checkVolume(input.archiveDir, volume);

  const header = await headerRead;

  const license = decodeLicense(input.licenseKey, input.trustedLicenseKeys);
  checkLicenseFor(license, header.users.active, input.today);

  const tables = db ? await db.userTables() : await folderEntries(input.target.engine === 'pglite' ? input.target.dir : '');
  if (tables.length > 0) {
    throw new RepatriateError('REPAT_TARGET_NOT_EMPTY', `the target database is not empty: it has ${tables.length} ${db ? 'tables' : 'entries'} (${tables.slice(0, 3).join(', ')}${tables.length > 3 ? ', …' : ''})`, {
      hint: 'restore into a new, empty database; nothing was written',
    });
  }
  const entries = await folderEntries(input.dataDir);
  if (entries.length > 0) {
    throw new RepatriateError('REPAT_TARGET_NOT_EMPTY', `the data directory ${input.dataDir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''})`, {
      hint: 'give a new or empty folder as --data-dir; nothing was written',
    });
  }

  const sizes = index.sizes ?? { rows: index.volumes.reduce((a, v) => a + v.size, 0) * 4, files: 0, kernel: 0 };
  const needFiles = Math.ceil((sizes.files + sizes.kernel) * filesMargin);
  const needDatabase = Math.ceil(sizes.rows * databaseMargin);
  // What each file system must hold: files and kernel where the data directory is, rows where the database is.
  const demands = [{ what: 'data directory', dir: stagingFolder(input.dataDir), bytes: needFiles }];
  const databaseDir = input.target.engine === 'pglite' ? input.target.dir : await db?.dataDirectory();
  const reachable = databaseDir !== undefined && (input.target.engine === 'pglite' || (await access(databaseDir).then(() => true, () => false)));
  if (reachable) demands.push({ what: 'database', dir: databaseDir, bytes: needDatabase });
  const byDevice = new Map<number, { free: number; bytes: number; what: string[] }>();
  for (const demand of demands) {
    const fs = await freeBytes(demand.dir);
    const entry = byDevice.get(fs.device) ?? { free: fs.bytes, bytes: 0, what: [] };
    entry.bytes += demand.bytes;
    entry.what.push(demand.what);
    byDevice.set(fs.device, entry);
  }
  const described = [...byDevice.values()].map((d) => `${d.what.join(' and ')}: ${formatBytes(d.free)} free for ${formatBytes(d.bytes)}`);
  const short = [...byDevice.values()].find((d) => d.free < d.bytes);
  const needed = short?.bytes ?? [...byDevice.values()].reduce((a, d) => a + d.bytes, 0);
  const available = short?.free ?? Math.min(...[...byDevice.values()].map((d) => d.free));
  const measured = described.join('; ') + (reachable ? '' : '; the database server is not on this machine, it measures its own disk');
  if (available < needed) {
    throw new RepatriateError('REPAT_NO_SPACE', `not enough free disk for the restore: ${measured}`, {
      hint: 'free space on that file system or restore elsewhere; nothing was written',
    });
  }

  const environment = db ? await db.environment() : embeddedEnvironment;
  return { index, signedBy, header, license, environment, space: { needed, available, measured } };
}
