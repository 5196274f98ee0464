import { mkdir, rename, rmdir } from 'node:fs/promises';
import type { Schema } from '../core/schema.js';
import type { StagedTarget } from './staged.js';

/**
 * The atomic swap: the staging folder becomes the data directory (rename), then the engine
 * makes every staged table visible at once (one transaction, or one RENAME TABLE). If the
 * database step fails, the folder goes back, so the target is as empty as before.
 */
export async function swapIn(db: StagedTarget, schema: Schema, stagingDir: string, dataDir: string): Promise<void> {
  await rmdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(stagingDir, dataDir);
  try {
    await db.swap(schema);
  } catch (error) {
    await rename(dataDir, stagingDir);
    await mkdir(dataDir, { recursive: true });
    throw error;
  }
}
