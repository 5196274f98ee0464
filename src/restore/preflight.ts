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
  for (const volume of index.volumes) await checkVolume(input.archiveDir, volume);

  const header = await readHeader(input.archiveDir, index, input.secret);

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
  const files = await freeBytes(stagingFolder(input.dataDir));
  let needed = needFiles;
  let available = files.bytes;
  let measured = `data directory: ${formatBytes(files.bytes)} free for ${formatBytes(needFiles)}`;
  if (input.target.engine === 'pglite') {
    const database = await freeBytes(input.target.dir);
    if (database.device === files.device) {
      needed += needDatabase;
      measured = `one file system for data and database: ${formatBytes(files.bytes)} free for ${formatBytes(needed)}`;
    } else if (database.bytes < needDatabase) {
      needed = needDatabase;
      available = database.bytes;
      measured = `database folder: ${formatBytes(database.bytes)} free for ${formatBytes(needDatabase)}`;
    }
  } else {
    measured += '; the database server measures its own disk';
  }
  if (available < needed) {
    throw new RepatriateError('REPAT_NO_SPACE', `not enough free disk for the restore: ${measured}`, {
      hint: 'free space on that file system or restore elsewhere; nothing was written',
    });
  }

  const environment = db ? await db.environment() : embeddedEnvironment;
  return { index, signedBy, header, license, environment, space: { needed, available, measured } };
}
