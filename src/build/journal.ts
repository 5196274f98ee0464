import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { contentsEntrySchema, volumeRecordSchema } from '../archive/format.js';

/**
 * The build journal, rewritten after each completed volume. `kill -9` at any moment leaves
 * either the previous journal or the new one (write, then rename), so the same command
 * resumes after the last complete volume.
 */
export const journalName = '.build-journal.json';

const journalSchema = z.object({
  /** 2: the exclusion ledger follows the kernel. A journal of another layout is not resumed. */
  format: z.literal(2),
  /** What the build was asked to do; a different request never resumes this one. */
  request: z.string(),
  archiveId: z.string().uuid(),
  createdAt: z.string(),
  volumes: z.array(volumeRecordSchema),
  members: z.array(contentsEntrySchema),
});
export type Journal = z.infer<typeof journalSchema>;

export async function readJournal(dir: string): Promise<Journal | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, journalName), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = journalSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

export async function writeJournal(dir: string, journal: Journal): Promise<void> {
  const file = path.join(dir, journalName);
  await writeFile(`${file}.tmp`, JSON.stringify(journal));
  await rename(`${file}.tmp`, file);
}

export async function removeJournal(dir: string): Promise<void> {
  await rm(path.join(dir, journalName), { force: true });
}
