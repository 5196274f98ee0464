import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { RepatriateError } from '../core/errors.js';
import type { Schema } from '../core/schema.js';

/**
 * The vendor's kernel store: `releases/<version>/release.json` (module versions, file list),
 * `releases/<version>/files/…`, the base release's `schema.json` (the on-premise structure), and
 * `feed.json`, the updates published after the base release.
 */

/** Where the installation's updater reads the update feed, relative to its data directory (P4). */
export const updateFeedPath = 'bitrix/updates/feed.json';
const releaseManifestSchema = z.object({
  version: z.string(),
  modules: z.record(z.string(), z.string()),
  files: z.array(z.object({ path: z.string(), size: z.number().int().nonnegative(), sha256: z.string() })),
});
export type KernelRelease = z.infer<typeof releaseManifestSchema> & {
  readonly filesDir: string;
  /** The store's update feed, shipped with the kernel so the restored installation can update itself (P4). */
  readonly feedFile: string | undefined;
};

export async function findKernelRelease(store: string, modules: Readonly<Record<string, string>>): Promise<KernelRelease> {
  const dir = path.join(store, 'releases');
  const versions = await readdir(dir).catch(() => [] as string[]);
  for (const version of versions.sort()) {
    const release = releaseManifestSchema.parse(JSON.parse(await readFile(path.join(dir, version, 'release.json'), 'utf8')));
    const same = Object.keys(release.modules).length === Object.keys(modules).length && Object.entries(modules).every(([m, v]) => release.modules[m] === v);
    if (same) {
      const feedFile = path.join(store, 'feed.json');
      return { ...release, filesDir: path.join(dir, version, 'files'), feedFile: (await stat(feedFile).catch(() => undefined))?.isFile() ? feedFile : undefined };
    }
  }
  throw new RepatriateError('REPAT_KERNEL_MISSING', `no kernel release in ${store} matches the account's module versions`, {
    hint: 'publish the on-premise release the cloud runs into the kernel store (for the reference cloud: `repatriate cloud init` writes it)',
  });
}

export async function readReleaseSchema(store: string, version: string): Promise<Schema> {
  const file = path.join(store, 'releases', version, 'schema.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Schema;
  } catch (cause) {
    throw new RepatriateError('REPAT_KERNEL_MISSING', `the on-premise structure of release ${version} is missing (${file})`, {
      hint: 'the kernel store must hold schema.json of the release the manifest targets',
      cause,
    });
  }
}
