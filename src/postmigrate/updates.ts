import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { RepatriateError } from '../core/errors.js';
import type { Column, Table } from '../core/schema.js';
import * as myDdl from '../engine/mysql/ddl.js';
import * as pgDdl from '../engine/postgres/ddl.js';
import type { Db } from './db.js';
import type { Installation } from './installation.js';
import { updateFeedPath } from '../build/kernel.js';
import { writeRecord } from './state.js';
import { status, type TaskStatus } from './tasks.js';

/**
 * P4: the kernel's update feed (`<data-dir>/bitrix/updates/feed.json`, as the vendor publishes
 * it; the archive's kernel brings the one of build time) lists releases after the base, each with module updates made of engine-neutral steps.
 * The installed version of a module is the one in its `install/version.php`. Updates run in
 * feed order; every step checks before it changes (a column, table or index that exists is
 * left alone), and a module's version moves only after all its steps, so a run that stopped
 * half-way is simply run again.
 */
export const feedPath = (dataDir: string): string => path.join(dataDir, updateFeedPath);

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const columnSchema = z.custom<Column>((v) => typeof v === 'object' && v !== null && typeof (v as Column).name === 'string' && typeof (v as Column).type === 'object');
const tableSchema = z.custom<Table>((v) => typeof v === 'object' && v !== null && typeof (v as Table).name === 'string' && Array.isArray((v as Table).columns));
const stepSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('addColumn'), table: z.string(), column: columnSchema }),
  z.object({ op: z.literal('createTable'), table: tableSchema }),
  z.object({ op: z.literal('createIndex'), table: z.string(), name: z.string(), columns: z.array(z.string()).min(1), unique: z.boolean() }),
  z.object({ op: z.literal('setOption'), module: z.string(), name: z.string(), value: z.string() }),
  z.object({ op: z.literal('updateRows'), table: z.string(), set: z.record(z.string(), scalar), where: z.record(z.string(), scalar) }),
]);
type Step = z.infer<typeof stepSchema>;
const updateSchema = z.object({ module: z.string(), from: z.string(), to: z.string(), description: z.string(), steps: z.array(stepSchema) });
type ModuleUpdate = z.infer<typeof updateSchema>;
const feedSchema = z.object({ base: z.string(), releases: z.array(z.object({ version: z.string(), date: z.string(), updates: z.array(updateSchema) })) });
type Feed = z.infer<typeof feedSchema>;

const identifier = /^[a-z_][a-z0-9_]*$/;

async function readFeed(dataDir: string): Promise<Feed | undefined> {
  let body: string;
  try {
    body = await readFile(feedPath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  let parsed;
  try {
    parsed = feedSchema.safeParse(JSON.parse(body));
  } catch (cause) {
    throw new RepatriateError('REPAT_ONPREM_UPDATE_FAILED', `the update feed ${feedPath(dataDir)} is not JSON`, { hint: 'download the feed again from the vendor', cause });
  }
  if (!parsed.success) throw new RepatriateError('REPAT_ONPREM_UPDATE_FAILED', `the update feed ${feedPath(dataDir)} is malformed: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`, { hint: 'download the feed again from the vendor' });
  return parsed.data;
}

const versionFile = (dataDir: string, module: string): string => path.join(dataDir, 'bitrix', 'modules', module, 'install', 'version.php');

export async function installedVersions(inst: Installation): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const module of Object.keys(inst.header.modules)) {
    const body = await readFile(versionFile(inst.dataDir, module), 'utf8').catch(() => '');
    const match = /'VERSION'\s*=>\s*'([^']+)'/.exec(body);
    versions[module] = match?.[1] ?? inst.header.modules[module]!;
  }
  return versions;
}

async function writeVersion(dataDir: string, module: string, version: string): Promise<void> {
  const file = versionFile(dataDir, module);
  const body = await readFile(file, 'utf8').catch(() => "<?php\n$arModuleVersion = ['VERSION' => '0'];\n");
  await writeFile(file, body.replace(/('VERSION'\s*=>\s*')[^']+(')/, `$1${version}$2`));
}

export interface PendingUpdate {
  readonly release: string;
  readonly module: string;
  readonly from: string;
  readonly to: string;
  readonly description: string;
}

function pendingUpdates(feed: Feed, versions: Record<string, string>): { pending: PendingUpdate[]; updates: { release: string; update: ModuleUpdate }[] } {
  const current = { ...versions };
  const pending: PendingUpdate[] = [];
  const updates: { release: string; update: ModuleUpdate }[] = [];
  for (const release of feed.releases) {
    for (const update of release.updates) {
      if (current[update.module] !== update.from) continue;
      current[update.module] = update.to;
      pending.push({ release: release.version, module: update.module, from: update.from, to: update.to, description: update.description });
      updates.push({ release: release.version, update });
    }
  }
  return { pending, updates };
}

export async function updatesStatus(inst: Installation): Promise<TaskStatus> {
  const feed = await readFeed(inst.dataDir);
  if (!feed) return status('P4', 'blocked', `no update feed at ${feedPath(inst.dataDir)}: download it from the vendor's update server into that place`);
  const { pending } = pendingUpdates(feed, await installedVersions(inst));
  if (pending.length === 0) return status('P4', 'done', 'every module is at the newest version of the feed', { versions: await installedVersions(inst) });
  return status('P4', 'todo', `${pending.length} module updates are pending (${pending.map((p) => `${p.module} ${p.from} → ${p.to}`).join(', ')})`, { pending });
}

/** The column definition an engine renders for a neutral column, taken from its CREATE TABLE. */
function columnDdl(db: Db, table: string, column: Column): string {
  const probe: Table = { name: table, module: 'probe', columns: [column], primaryKey: [], indexes: [], foreignKeys: [] };
  const create = db.engine === 'mysql' ? myDdl.createTableSql(probe) : pgDdl.createTableSql(probe);
  return create.slice(create.indexOf('(\n  ') + 4, create.lastIndexOf('\n)'));
}

async function applyStep(db: Db, step: Step): Promise<boolean> {
  const ddl = db.engine === 'mysql' ? myDdl : pgDdl;
  switch (step.op) {
    case 'addColumn':
      if (await db.hasColumn(step.table, step.column.name)) return false;
      await db.exec(`ALTER TABLE "${step.table}" ADD COLUMN ${columnDdl(db, step.table, step.column)}`);
      return true;
    case 'createTable':
      if (await db.hasTable(step.table.name)) return false;
      await db.exec(ddl.createTableSql(step.table));
      for (const sql of [...ddl.createIndexesSql(step.table), ...ddl.createForeignKeysSql(step.table)]) await db.exec(sql);
      return true;
    case 'createIndex': {
      if (await db.hasIndex(step.table, step.name)) return false;
      const columns = await db.query<{ name: string }>(db.engine === 'mysql'
        ? 'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?'
        : 'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?', [step.table]);
      const missing = step.columns.filter((c) => !columns.some((col) => col.name === c));
      if (missing.length > 0) throw new Error(`index ${step.name} names columns ${step.table} does not have: ${missing.join(', ')}`);
      const table: Table = { name: step.table, module: 'update', columns: [], primaryKey: [], indexes: [{ name: step.name, columns: step.columns, unique: step.unique }], foreignKeys: [] };
      // MySQL needs the column types to size index prefixes; a plain CREATE INDEX is exact for the types an update indexes.
      const sql = db.engine === 'mysql'
        ? `CREATE ${step.unique ? 'UNIQUE ' : ''}INDEX "${step.name}" ON "${step.table}" (${step.columns.map((c) => `"${c}"`).join(', ')})`
        : pgDdl.createIndexesSql(table)[0]!;
      await db.exec(sql);
      return true;
    }
    case 'setOption': {
      const exists = await db.count('SELECT count(*) AS n FROM b_option WHERE module_id = ? AND name = ?', [step.module, step.name]);
      if (exists > 0) await db.query('UPDATE b_option SET value = ? WHERE module_id = ? AND name = ?', [step.value, step.module, step.name]);
      else await db.query('INSERT INTO b_option (module_id, name, value) VALUES (?, ?, ?)', [step.module, step.name, step.value]);
      return true;
    }
    case 'updateRows': {
      const names = [step.table, ...Object.keys(step.set), ...Object.keys(step.where)];
      const bad = names.find((n) => !identifier.test(n));
      if (bad) throw new Error(`"${bad}" is not a table or column name`);
      const set = Object.keys(step.set).map((c) => `"${c}" = ?`).join(', ');
      const where = Object.entries(step.where).map(([c, v]) => (v === null ? `"${c}" IS NULL` : `"${c}" = ?`)).join(' AND ');
      await db.query(`UPDATE "${step.table}" SET ${set}${where ? ` WHERE ${where}` : ''}`, [...Object.values(step.set), ...Object.values(step.where).filter((v) => v !== null)]);
      return true;
    }
  }
}

export interface UpdateReport {
  readonly before: Readonly<Record<string, string>>;
  readonly after: Readonly<Record<string, string>>;
  readonly applied: readonly (PendingUpdate & { readonly steps: number })[];
}

export async function applyUpdates(inst: Installation, onUpdate?: (update: PendingUpdate) => void): Promise<UpdateReport> {
  const feed = await readFeed(inst.dataDir);
  if (!feed) throw new RepatriateError('REPAT_ONPREM_BLOCKED', `no update feed at ${feedPath(inst.dataDir)}`, { hint: "download the feed from the vendor's update server into that place" });
  const before = await installedVersions(inst);
  const { updates } = pendingUpdates(feed, before);
  const applied: (PendingUpdate & { steps: number })[] = [];
  for (const { release, update } of updates) {
    const entry = { release, module: update.module, from: update.from, to: update.to, description: update.description };
    onUpdate?.(entry);
    let steps = 0;
    for (const step of update.steps) {
      try {
        if (await applyStep(inst.db, step)) steps++;
      } catch (cause) {
        throw new RepatriateError('REPAT_ONPREM_UPDATE_FAILED', `update ${update.module} ${update.from} → ${update.to} failed at step ${step.op}: ${(cause as Error).message}`, {
          hint: 'fix the cause and run the updates again: finished updates stay applied, this one repeats',
          cause,
        });
      }
    }
    await writeVersion(inst.dataDir, update.module, update.to);
    applied.push({ ...entry, steps });
  }
  const after = await installedVersions(inst);
  const now = inst.clock();
  if (applied.length > 0) await writeRecord(inst.db, 'P4', { appliedAt: now.toISOString(), before, after }, now);
  return { before, after, applied };
}
