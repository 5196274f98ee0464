import { z } from 'zod';
import type { Db } from './db.js';
import { text } from './db.js';
import type { Installation } from './installation.js';
import { readRecord, writeRecord } from './state.js';
import { status, type TaskStatus } from './tasks.js';

/**
 * P3: the search index is not in the archive (the cloud's index mixes accounts' words); it is
 * rebuilt here from the restored content. Each source is read in id order, one batch at a time,
 * and written in batches, so memory holds one batch plus the stem dictionary (bounded by the
 * vocabulary, not by the data).
 */
const batchSize = 500;
const language = 'en';

interface Source {
  readonly module: string;
  readonly table: string;
  readonly kind: string;
  /** id, title, body; `t` is the table. */
  readonly select: string;
  readonly url: (id: number) => string;
}

const sources: readonly Source[] = [
  { module: 'crm', table: 'b_crm_company', kind: 'COMPANY', select: 't.id, t.title, t.comments AS body', url: (id) => `/crm/company/details/${id}/` },
  { module: 'crm', table: 'b_crm_contact', kind: 'CONTACT', select: "t.id, concat(coalesce(t.name, ''), ' ', coalesce(t.last_name, '')) AS title, t.comments AS body", url: (id) => `/crm/contact/details/${id}/` },
  { module: 'crm', table: 'b_crm_deal', kind: 'DEAL', select: 't.id, t.title, t.comments AS body', url: (id) => `/crm/deal/details/${id}/` },
  { module: 'tasks', table: 'b_tasks', kind: 'TASK', select: 't.id, t.title, t.description AS body', url: (id) => `/company/personal/user/0/tasks/task/view/${id}/` },
  { module: 'disk', table: 'b_disk_object', kind: 'FILE', select: "t.id, t.name AS title, '' AS body", url: (id) => `/disk/showFile/${id}/` },
  { module: 'landing', table: 'b_landing', kind: 'PAGE', select: 't.id, t.title, t.description AS body', url: (id) => `/sites/page/${id}/` },
];

export type SearchProgress = { readonly type: 'search'; readonly source: string; readonly documents: number; readonly total: number };

const recordSchema = z.object({ rebuiltAt: z.string(), documents: z.number(), stems: z.number() });

/** Words as the index keeps them: lower case, letters and digits, at most 50 characters. */
export function stemsOf(value: string): string[] {
  return (value.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? []).map((w) => w.slice(0, 50));
}

export async function searchStatus(inst: Installation): Promise<TaskStatus> {
  const documents = await inst.db.count('SELECT count(*) AS n FROM b_search_content');
  const record = await readRecord(inst.db, 'P3', recordSchema);
  if (record && documents > 0) return status('P3', 'done', `the index holds ${documents} documents (rebuilt ${record.rebuiltAt})`, record);
  return status('P3', 'todo', documents === 0 ? 'the search index is empty after the restore: rebuild it' : 'the index was not built here: rebuild it', { documents });
}

async function resetIdentity(db: Db, table: string): Promise<void> {
  // Ids were given here; PostgreSQL's identity must continue after them. MySQL's AUTO_INCREMENT does by itself.
  if (db.engine !== 'mysql') await db.exec(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${table}), false)`);
}

async function insertRows(db: Db, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
  if (rows.length === 0) return;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  await db.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}`, rows.flat());
}

export async function rebuildSearchIndex(inst: Installation, onProgress?: (event: SearchProgress) => void): Promise<{ readonly documents: number; readonly stems: number }> {
  const db = inst.db;
  await db.exec('DELETE FROM b_search_content_stem');
  await db.exec('DELETE FROM b_search_content');
  await db.exec('DELETE FROM b_search_stem');
  const dictionary = new Map<string, number>();
  let documents = 0;
  const now = inst.clock();
  for (const source of sources) {
    const total = await db.count(`SELECT count(*) AS n FROM ${source.table}`);
    let last = 0;
    let done = 0;
    for (;;) {
      const batch = await db.query<{ id: unknown; title: unknown; body: unknown }>(`SELECT ${source.select} FROM ${source.table} t WHERE t.id > ? ORDER BY t.id LIMIT ${batchSize}`, [last]);
      if (batch.length === 0) break;
      const contents: unknown[][] = [];
      const links: unknown[][] = [];
      const newStems: unknown[][] = [];
      for (const row of batch) {
        const id = Number(row.id);
        const title = text(row.title) ?? '';
        const body = text(row.body) ?? '';
        const contentId = ++documents;
        contents.push([contentId, now, source.module, `${source.kind}_${id}`, 0, source.url(id), title, body]);
        const words = stemsOf(`${title} ${body}`);
        const counts = new Map<string, number>();
        for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
        for (const [word, n] of counts) {
          let stemId = dictionary.get(word);
          if (stemId === undefined) {
            stemId = dictionary.size + 1;
            dictionary.set(word, stemId);
            newStems.push([stemId, word]);
          }
          links.push([contentId, language, stemId, (n / words.length).toFixed(4)]);
        }
        last = id;
      }
      await insertRows(db, 'b_search_stem', ['id', 'stem'], newStems);
      await insertRows(db, 'b_search_content', ['id', 'date_change', 'module_id', 'item_id', 'custom_rank', 'url', 'title', 'body'], contents);
      for (let i = 0; i < links.length; i += batchSize * 4) await insertRows(db, 'b_search_content_stem', ['search_content_id', 'language_id', 'stem', 'tf'], links.slice(i, i + batchSize * 4));
      done += batch.length;
      onProgress?.({ type: 'search', source: source.table, documents: done, total });
    }
  }
  await resetIdentity(db, 'b_search_content');
  await resetIdentity(db, 'b_search_stem');
  const result = { documents, stems: dictionary.size };
  await writeRecord(db, 'P3', { rebuiltAt: now.toISOString(), ...result }, now);
  return result;
}

export interface SearchHit {
  readonly module: string;
  readonly itemId: string;
  readonly title: string;
  readonly url: string;
  readonly score: number;
}

/** Documents that hold every word of the query, best first. */
export async function search(inst: Installation, query: string, limit = 20): Promise<SearchHit[]> {
  const words = [...new Set(stemsOf(query))].slice(0, 32);
  if (words.length === 0) return [];
  const stems = await inst.db.query<{ id: unknown }>(`SELECT id FROM b_search_stem WHERE stem IN (${words.map(() => '?').join(', ')})`, words);
  if (stems.length < words.length) return [];
  const ids = stems.map((s) => Number(s.id));
  const rows = await inst.db.query<{ module_id: string; item_id: string; title: unknown; url: unknown; score: unknown }>(
    `SELECT c.module_id, c.item_id, c.title, c.url, sum(cs.tf) AS score FROM b_search_content c JOIN b_search_content_stem cs ON cs.search_content_id = c.id
     WHERE cs.stem IN (${ids.map(() => '?').join(', ')}) GROUP BY c.id, c.module_id, c.item_id, c.title, c.url HAVING count(DISTINCT cs.stem) = ? ORDER BY score DESC, c.id LIMIT ${Math.max(1, Math.min(limit, 200))}`,
    [...ids, ids.length],
  );
  return rows.map((r) => ({ module: r.module_id, itemId: r.item_id, title: text(r.title) ?? '', url: text(r.url) ?? '', score: Number(r.score) }));
}
