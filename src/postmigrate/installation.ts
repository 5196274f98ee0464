import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { RepatriateError } from '../core/errors.js';
import { metadataFolder } from '../restore/load.js';
import { describeTarget, openTarget, parseTarget } from '../restore/target.js';
import { Db } from './db.js';

/**
 * A restored installation as the assistant sees it: its database, its data directory, and the
 * archive's own description the restore left in `<data-dir>/.repatriate/` (header, exclusion
 * ledger). The assistant keeps its files (certificates, its signing key, request files) in
 * `<data-dir>/.repatriate/assistant/`.
 */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

const headerSchema = z.object({
  account: z.object({ address: z.string(), id: z.number() }),
  release: z.string(),
  modules: z.record(z.string(), z.string()),
  snapshot: z.object({ night: z.string() }),
});
export type ArchiveHeader = z.infer<typeof headerSchema>;

const ledgerSchema = z.object({
  tables: z.array(z.object({
    table: z.string(),
    rows: z.number().nullable(),
    reason: z.string(),
    task: z.string().nullable(),
    // Rows the manifest names (the apps of b_rest_app); older ledgers only count them.
    listed: z.array(z.object({ code: z.string(), name: z.string() })).optional(),
  })),
});
export type ExclusionLedger = z.infer<typeof ledgerSchema>;

export interface Installation {
  readonly db: Db;
  readonly dataDir: string;
  readonly description: string;
  readonly header: ArchiveHeader;
  readonly ledger: ExclusionLedger;
  /** Whether the restore finished: the swap puts contents.json in place only with everything else. */
  readonly restoreComplete: boolean;
  readonly clock: Clock;
}

export function assistantDir(dataDir: string): string {
  return path.join(dataDir, metadataFolder, 'assistant');
}

async function readJson<T>(file: string, schema: z.ZodType<T>, what: string): Promise<T> {
  let body: string;
  try {
    body = await readFile(file, 'utf8');
  } catch (cause) {
    throw new RepatriateError('REPAT_ONPREM_NOT_RESTORED', `${path.dirname(path.dirname(file))} is not a restored installation: ${what} is missing (${file})`, {
      hint: 'give the --data-dir a `repatriate restore` filled, together with its --db',
      cause,
    });
  }
  const parsed = schema.safeParse(JSON.parse(body));
  if (!parsed.success) throw new RepatriateError('REPAT_ONPREM_NOT_RESTORED', `${file} is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { hint: 'restore the archive again into an empty target' });
  return parsed.data;
}

export async function openInstallation(options: { db: string; dataDir: string; clock?: Clock }): Promise<Installation> {
  const dataDir = path.resolve(options.dataDir);
  const meta = path.join(dataDir, metadataFolder);
  const header = await readJson(path.join(meta, 'header.json'), headerSchema, 'the archive header');
  const ledger = await readJson(path.join(meta, 'excluded.json'), ledgerSchema, 'the exclusion ledger');
  const restoreComplete = await access(path.join(meta, 'contents.json')).then(() => true, () => false);
  const target = parseTarget(options.db);
  const staged = await openTarget(target);
  const db = new Db(staged.client);
  if (!(await db.hasTable('b_user'))) {
    await db.close();
    throw new RepatriateError('REPAT_ONPREM_NOT_RESTORED', `${describeTarget(target)} holds no restored installation (no table b_user)`, {
      hint: 'give the --db the restore wrote into',
    });
  }
  return { db, dataDir, description: describeTarget(target), header, ledger, restoreComplete, clock: options.clock ?? systemClock };
}
