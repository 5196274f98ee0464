import { encodeCopyRow } from '../../core/copy-text.js';
import { formatBytes } from '../../core/size.js';
import type { Progress } from '../../core/progress.js';
import { createForeignKeysSql, createIndexesSql, createTableSql, resetIdentitySql } from '../../engine/postgres/ddl.js';
import type { SqlClient } from '../../engine/types.js';
import type { FileStore } from '../filestore.js';
import { freezeGuardSql } from '../freeze.js';
import { cloudTable, cloudTables } from '../schema/cloud.js';
import { planTenants, type GeneratorOptions, type TenantPlan } from './plan.js';
import { tableSources, type TableSource } from './sources/index.js';
import type { Row } from './sources/common.js';
import { World, type UserKind } from './world.js';

/**
 * Creates the reference cloud in an empty database and file store: tables, then every table's
 * rows streamed through COPY, then indexes, foreign keys, sequences and the freeze guard.
 */
export interface GenerationReport {
  readonly tenants: readonly TenantPlan[];
  readonly tables: readonly { readonly table: string; readonly rows: number; readonly bytes: number }[];
  readonly rowBytes: number;
  /** Ground truth for tests and the assessment: the kinds of user each account was given. */
  readonly userKinds: readonly Record<UserKind, number>[];
  readonly seconds: number;
}

const chunkBytes = 256 * 1024;

async function* encodeChunks(rows: Iterable<Row> | AsyncIterable<Row>, width: number, tally: { rows: number; bytes: number }, onChunk: () => void): AsyncGenerator<string> {
  let chunk = '';
  const take = (row: Row): void => {
    if (row.length !== width) throw new Error(`generator produced ${row.length} values for ${width} columns`);
    chunk += encodeCopyRow(row);
    tally.rows++;
  };
  // Two copies of the loop on purpose: most generators are synchronous, and awaiting each of
  // millions of rows would cost more than the rest of the encoding.
  if (Symbol.iterator in rows) {
    for (const row of rows) {
      take(row);
      if (chunk.length >= chunkBytes) {
        tally.bytes += Buffer.byteLength(chunk);
        onChunk();
        yield chunk;
        chunk = '';
      }
    }
  } else {
    for await (const row of rows) {
      take(row);
      if (chunk.length >= chunkBytes) {
        tally.bytes += Buffer.byteLength(chunk);
        onChunk();
        yield chunk;
        chunk = '';
      }
    }
  }
  if (chunk.length > 0) {
    tally.bytes += Buffer.byteLength(chunk);
    yield chunk;
  }
}

function checkSource(source: TableSource): void {
  const table = cloudTable(source.table);
  const names = new Set(table.columns.map((c) => c.name));
  for (const column of source.columns) if (!names.has(column)) throw new Error(`${source.table}: the generator writes unknown column ${column}`);
  for (const column of table.columns) {
    if (!column.nullable && !column.default && !source.columns.includes(column.name)) {
      throw new Error(`${source.table}: the generator leaves required column ${column.name} out`);
    }
  }
}

export async function generateCloud(db: SqlClient, store: FileStore, options: GeneratorOptions, progress: Progress): Promise<GenerationReport> {
  const started = Date.now();
  const tenants = planTenants(options);
  const world = new World(options.seed, tenants, referencedTables());
  const sources = tableSources(store);
  const covered = new Set(sources.map((s) => s.table));
  for (const table of cloudTables) if (!covered.has(table.name)) throw new Error(`no generator for table ${table.name}`);
  sources.forEach(checkSource);

  for (const table of cloudTables) await db.exec(createTableSql(table));

  const tables: { table: string; rows: number; bytes: number }[] = [];
  for (const source of sources) {
    const tally = { rows: 0, bytes: 0 };
    const tableStart = Date.now();
    const report = (): void => {
      const seconds = (Date.now() - tableStart) / 1000;
      progress.update(`generating ${source.table}`, `${tally.rows.toLocaleString('en')} rows, ${formatBytes(tally.bytes)} (${formatBytes(tally.bytes / Math.max(seconds, 0.001))}/s)`);
    };
    await db.copyIn(source.table, source.columns, encodeChunks(source.rows(world), source.columns.length, tally, report));
    tables.push({ table: source.table, ...tally });
    progress.done(`generated ${source.table}`, `${tally.rows.toLocaleString('en')} rows, ${formatBytes(tally.bytes)}`);
  }

  progress.update('indexing', 'indexes, foreign keys, sequences, freeze guard');
  for (const table of cloudTables) for (const sql of createIndexesSql(table)) await db.exec(sql);
  for (const table of cloudTables) for (const sql of createForeignKeysSql(table)) await db.exec(sql);
  for (const table of cloudTables) for (const sql of resetIdentitySql(table)) await db.query(sql);
  for (const sql of freezeGuardSql()) await db.exec(sql);
  // A cloud in service is vacuumed. Without it the first reader of a snapshot would rewrite every
  // page to set hint bits, and no count could be answered from an index alone (no visibility map).
  progress.update('vacuuming', 'hint bits, visibility map, statistics');
  await db.exec('VACUUM (ANALYZE)');
  progress.done('indexed', `${cloudTables.length} tables`);

  return { tenants, tables, rowBytes: tables.reduce((a, t) => a + t.bytes, 0), userKinds: countUserKinds(world), seconds: (Date.now() - started) / 1000 };
}

/** Tables whose ids later rows pick from: foreign-key targets, and deals (activities name their owner without a key). */
function referencedTables(): Set<string> {
  return new Set([...cloudTables.flatMap((t) => t.foreignKeys.map((fk) => fk.refTable)), 'b_crm_deal']);
}

function countUserKinds(world: World): Record<UserKind, number>[] {
  const counts = world.tenants.map(() => ({ employee: 0, extranet: 0, invited: 0, deactivated: 0, bot: 0, system: 0, connector: 0 }));
  const users = world.registry('b_user');
  world.userKind.forEach((kind, i) => counts[users.tenantOf(i + 1)]![kind]++);
  return counts;
}
