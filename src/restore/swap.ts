import { mkdir, rename, rmdir } from 'node:fs/promises';
import type { Schema } from '../core/schema.js';
import { quoteIdent, type SqlClient } from '../engine/types.js';

/**
 * The atomic swap: the staging folder becomes the data directory (rename), then every staged
 * table moves to the public schema in one transaction. If the database step fails, the folder
 * goes back, so the target is as empty as before.
 */
export async function swapIn(db: SqlClient, schema: Schema, staging: { readonly schema: string; readonly dir: string }, dataDir: string): Promise<void> {
  await rmdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(staging.dir, dataDir);
  try {
    await db.exec('BEGIN');
    for (const table of schema.tables) await db.exec(`ALTER TABLE ${quoteIdent(staging.schema)}.${quoteIdent(table.name)} SET SCHEMA public`);
    await db.exec(`DROP SCHEMA ${quoteIdent(staging.schema)}`);
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    await rename(dataDir, staging.dir);
    await mkdir(dataDir, { recursive: true });
    throw error;
  }
}
