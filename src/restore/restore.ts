import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { verifyArchive, type VerifyReport } from '../archive/verify.js';
import type { StagedTarget } from './staged.js';
import { resetStaging, stagedLoad, type LoadEvent } from './load.js';
import { preflight, type PreflightInput, type PreflightReport } from './preflight.js';
import { reconcile, type ReconcileReport } from './reconcile.js';
import { swapIn } from './swap.js';
import { folderEntries, openTarget, stagingFolder, type TargetSpec } from './target.js';

/**
 * Connections to a server target: parts load, indexes build and the reconcile reads on this
 * many at once. Into PostgreSQL two keep both cores of a small server busy (the client
 * decrypts on its own; a third changed nothing). Into MariaDB two LOAD DATAs left a third of
 * two cores idle, waiting on InnoDB; with three, the 1 GB benchmark account restored in 44.5
 * instead of 48.6 s (four: 45.4 s).
 */
const loadLanes = (target: TargetSpec): number => (target.engine === 'mysql' ? 3 : 2);

/** Progress of a restore: the load's events, then the swap and the reconcile's read-back. */
export type RestoreEvent = LoadEvent | { readonly type: 'swap' } | { readonly type: 'reconcile'; readonly tables: number };

export interface RestoreRequest extends PreflightInput {
  readonly dryRun: boolean;
  readonly onEvent?: (event: RestoreEvent) => void;
}

export type RestoreResult =
  | { readonly dryRun: true; readonly preflight: PreflightReport; readonly verified: VerifyReport }
  | { readonly dryRun: false; readonly preflight: PreflightReport; readonly reconcile: ReconcileReport };

/**
 * A restore: preflight (writes nothing), then a staged load and the atomic swap, then the
 * reconcile. Until the swap, a failure leaves the target as it was.
 */
export async function restore(request: RestoreRequest): Promise<RestoreResult> {
  const embeddedExisted = request.target.engine === 'pglite' && (await folderEntries(path.dirname(request.target.dir))).includes(path.basename(request.target.dir));
  const server = request.target.engine === 'pglite' ? undefined : await openTarget(request.target, loadLanes(request.target));
  let db: StagedTarget | undefined = server;
  try {
    const checked = await preflight(request, server);
    if (request.dryRun) {
      const verified = await verifyArchive(request.archiveDir, request.trustedArchiveKeys, request.secret);
      return { dryRun: true, preflight: checked, verified };
    }
    // A value MySQL/MariaDB cannot hold exactly is found while its part loads into staging
    // (src/engine/mysql/load.ts): the load stops there and staging is dropped, before the swap.
    db ??= await openTarget(request.target, loadLanes(request.target));
    const stagingDir = stagingFolder(request.dataDir);
    let loaded;
    try {
      loaded = await stagedLoad(db, request.archiveDir, checked.index, request.secret, stagingDir, {
        rowHashes: checked.header.rowHashes === true,
        ...(request.onEvent ? { onEvent: request.onEvent } : {}),
      });
      request.onEvent?.({ type: 'swap' });
      await swapIn(db, loaded.schema, stagingDir, request.dataDir);
    } catch (error) {
      await resetStaging(db, stagingDir).catch(() => undefined);
      if (request.target.engine === 'pglite') {
        // The embedded database did not exist before this restore: remove it, leaving the target as it was.
        await db.close().catch(() => undefined);
        db = undefined;
        await rm(request.target.dir, { recursive: true, force: true });
        if (embeddedExisted) await mkdir(request.target.dir);
      }
      throw error;
    }
    request.onEvent?.({ type: 'reconcile', tables: loaded.schema.tables.length });
    return { dryRun: false, preflight: checked, reconcile: await reconcile(db, loaded, request.dataDir) };
  } finally {
    await db?.close();
  }
}
