import { z } from 'zod';
import type { Db } from './db.js';
import type { TaskId } from './tasks.js';

/**
 * What the assistant remembers lives in the restored installation's own database, in
 * `b_repatriate_task` (one row per task, its last recorded outcome as JSON). The database
 * is what the customer backs up and what every face (CLI, API) opens, so the checklist moves
 * with the installation; files that must be files (certificates, keys) live in the data dir.
 */
const table = 'b_repatriate_task';

export async function ensureStateTable(db: Db): Promise<void> {
  // MySQL's TEXT stops at 64 kB; a long channel list must fit.
  const detail = db.engine === 'mysql' ? 'mediumtext' : 'text';
  await db.exec(`CREATE TABLE IF NOT EXISTS ${table} (task_id varchar(8) NOT NULL PRIMARY KEY, detail ${detail} NOT NULL, updated_at varchar(32) NOT NULL)`);
}

export async function readRecord<T>(db: Db, task: TaskId, schema: z.ZodType<T>): Promise<T | undefined> {
  if (!(await db.hasTable(table))) return undefined;
  const row = await db.one<{ detail: string }>(`SELECT detail FROM ${table} WHERE task_id = ?`, [task]);
  if (!row) return undefined;
  const parsed = schema.safeParse(JSON.parse(row.detail));
  return parsed.success ? parsed.data : undefined;
}

export async function writeRecord(db: Db, task: TaskId, detail: unknown, at: Date): Promise<void> {
  await ensureStateTable(db);
  const body = JSON.stringify(detail);
  const exists = (await db.count(`SELECT count(*) AS n FROM ${table} WHERE task_id = ?`, [task])) > 0;
  if (exists) await db.query(`UPDATE ${table} SET detail = ?, updated_at = ? WHERE task_id = ?`, [body, at.toISOString(), task]);
  else await db.query(`INSERT INTO ${table} (task_id, detail, updated_at) VALUES (?, ?, ?)`, [task, body, at.toISOString()]);
}
