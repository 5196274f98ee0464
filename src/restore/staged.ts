import type { Schema, Table } from '../core/schema.js';
import { RepatriateError } from '../core/errors.js';
import { formatBytes } from '../core/size.js';
import * as pgDdl from '../engine/postgres/ddl.js';
import { recordHashSumSql } from '../engine/postgres/record-hash.js';
import { rowDigestSql } from '../engine/postgres/row-digest.js';
import * as myDdl from '../engine/mysql/ddl.js';
import { digestOverflowed, rowDigestSql as mysqlRowDigestSql } from '../engine/mysql/row-digest.js';
import type { MysqlClient } from '../engine/mysql/client.js';
import { quoteIdent, type SqlClient } from '../engine/types.js';
import { digestFromSum, RowDigest, type DigestedRows, type RowHash } from './digest.js';
import { Lanes } from './lanes.js';
import type { DecoderPlacement } from './part-decoder.js';
import type { Environment } from './target.js';

/** The bounds of an integer key column. */
export interface KeyRange {
  readonly lowest: bigint;
  readonly highest: bigint;
}

/** The rows whose integer key column lies in a range, bounds included. */
export interface KeySlice extends KeyRange {
  readonly column: string;
}

const sliceSql = (slice: KeySlice, quote: (name: string) => string): string => `${quote(slice.column)} BETWEEN ${slice.lowest} AND ${slice.highest}`;

const parseRange = (row: { lowest: string | null; highest: string | null } | undefined): KeyRange | undefined =>
  row?.lowest === null || row?.lowest === undefined || row.highest === null ? undefined : { lowest: BigInt(row.lowest), highest: BigInt(row.highest) };

/** A table's rows as the reconcile compares them: how many, and their order-independent digest (digest.ts). */
export type TableDigest = DigestedRows;

/**
 * What a restore needs from a target engine, beyond reading and writing rows: where staging
 * lives, how tables, keys and sequences are made there, and the atomic swap into the target.
 * PostgreSQL and PGlite stage in a schema of the same database; MySQL/MariaDB in a sibling
 * database, swapped with one RENAME TABLE.
 */
export interface StagedTarget {
  /** The connection for everything that is not spread over lanes. */
  readonly client: SqlClient;
  /** One connection per lane (the first is `client`): table parts, index builds and reads run on them at once. */
  readonly lanes: readonly SqlClient[];
  /** Where the lanes decompress and digest their table parts (part-decoder.ts). */
  readonly decoders: DecoderPlacement;
  /** The row hash of the reconcile digest: one the server computes itself (digest.ts). */
  readonly rowHash: RowHash;
  /** Tables a restore would collide with (the staging area is not one of them). */
  userTables(): Promise<string[]>;
  environment(): Promise<Environment>;
  /** Where the server keeps its data, when it says so (to measure its disk if it is local). */
  dataDirectory(): Promise<string | undefined>;
  /** Removes whatever an earlier, interrupted attempt left in staging. */
  dropStaging(): Promise<void>;
  createStaging(): Promise<void>;
  createTable(table: Table): Promise<void>;
  /**
   * Streams a table part (COPY text) into the staged table on connection `lane`. `firstRow`
   * numbers the part's first row in messages; it is asked for only when a message needs it
   * (the parts before may still be loading on another lane).
   */
  load(table: Table, rows: AsyncIterable<Uint8Array>, firstRow: () => Promise<number>, lane: number): Promise<void>;
  /** Keys, indexes, foreign keys and sequences, after the rows; `rows` (per table) orders the work, largest first. */
  finish(schema: Schema, rows: Readonly<Record<string, number>>): Promise<void>;
  /** Makes every staged table visible in the target at once. */
  swap(schema: Schema): Promise<void>;
  /**
   * After the swap: the lowest and highest value of `column` in `table` (undefined when it is
   * empty), for an engine where reading a slice of the key reads only that slice's rows.
   */
  keyRange?(table: Table, column: string): Promise<KeyRange | undefined>;
  /** After the swap: the rows the target holds in `table` (or in a slice of its key), counted and digested, on connection `lane`. */
  readBack(table: Table, lane: number, slice?: KeySlice): Promise<TableDigest>;
  /**
   * After the swap: the rows the target holds in `table` (or a slice), counted, and their
   * record hashes summed (src/engine/postgres/record-hash.ts), for an engine that computes them.
   */
  recordHash?(table: Table, lane: number, slice?: KeySlice): Promise<TableDigest>;
  close(): Promise<void>;
}

/** Tables by rows loaded, largest first: the longest jobs start first, so the lanes end together. */
function largestFirst(schema: Schema, rows: Readonly<Record<string, number>>): Table[] {
  return [...schema.tables].sort((a, b) => (rows[b.name] ?? 0) - (rows[a.name] ?? 0));
}

const closeAll = async (clients: readonly { close(): Promise<void> }[]): Promise<void> => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
};

export const postgresStagingSchema = 'repatriate_staging';

/**
 * PostgreSQL and PGlite. After the rows, every index (the primary key's too, attached to its
 * constraint afterwards) is one CREATE INDEX job: CREATE INDEX takes a SHARE lock, so builds on
 * the same table run on both lanes at once, where ADD PRIMARY KEY would lock the table for
 * its whole build. Foreign keys are added NOT VALID on one connection (catalogue only) and then
 * validated on the lanes, table by table: VALIDATE CONSTRAINT's locks do not conflict between
 * tables, where concurrent ADD FOREIGN KEYs on a shared parent would wait for each other or deadlock.
 */
export function postgresStaged(clients: readonly SqlClient[]): StagedTarget {
  const schema = postgresStagingSchema;
  const client = clients[0]!;
  /** A query's one row of `rows` and `sum` (the server's sum of its rows' hashes) as a table digest. */
  const serverSum = async (lane: number, sql: string): Promise<TableDigest> => {
    const [row] = await clients[lane]!.query<{ rows: string; sum: string }>(sql);
    return { rows: Number(row!.rows), digest: digestFromSum(row!.sum) };
  };
  return {
    client,
    lanes: clients,
    // The server parses COPY on its own cores; the main thread is left to decrypt and feed it.
    decoders: 'thread',
    rowHash: 'lookup3',
    async userTables() {
      const rows = await client.query<{ name: string }>(
        `SELECT schemaname || '.' || tablename AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema', '${schema}') ORDER BY 1`,
      );
      return rows.map((r) => r.name);
    },
    async environment() {
      const [row] = await client.query<{ version: string; num: string; encoding: string; scs: string }>(
        "SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num, current_setting('server_encoding') AS encoding, current_setting('standard_conforming_strings') AS scs",
      );
      const differences: string[] = [];
      if (Number(row!.num) < 150000) differences.push(`PostgreSQL ${row!.version}; recommended 15 or newer`);
      if (row!.scs !== 'on') differences.push(`standard_conforming_strings is ${row!.scs}; recommended on`);
      if (row!.encoding !== 'UTF8') {
        throw new RepatriateError('REPAT_TARGET_UNSUPPORTED', `the target database uses encoding ${row!.encoding}; the archive holds UTF-8 text that it cannot store exactly`, {
          hint: "create the database with ENCODING UTF8 (CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0)",
        });
      }
      return { engine: client.engine, version: row!.version, encoding: row!.encoding, differences };
    },
    async dataDirectory() {
      if (client.engine === 'pglite') return undefined;
      const rows = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir").catch(() => []);
      return rows[0]?.dir;
    },
    dropStaging: () => client.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`),
    createStaging: () => client.exec(`CREATE SCHEMA ${quoteIdent(schema)}`),
    createTable: (table) => client.exec(pgDdl.createTableSql(table, schema, false)),
    async load(table, rows, _firstRow, lane) {
      const c = clients[lane]!;
      // A part's commit need not wait for its WAL to reach the disk: the swap's own commit does,
      // and WAL is flushed in order, so everything staged is durable once the swap is.
      if (c.engine === 'postgres') await c.exec('SET synchronous_commit = off');
      await c.copyIn({ schema, name: table.name }, table.columns.map((cl) => cl.name), rows);
    },
    async finish(s, rows) {
      // Sorting for the index builds happens in the server's memory, not ours; the default 64 MB spills to disk.
      if (client.engine === 'postgres') for (const c of clients) await c.exec("SET maintenance_work_mem = '256MB'");
      const tables = largestFirst(s, rows);
      await Lanes.run(clients.length, tables.flatMap((t) => [...pgDdl.primaryKeyIndexSql(t, schema), ...pgDdl.createIndexesSql(t, schema)].map((sql) => (lane: number) => clients[lane]!.exec(sql))));
      for (const t of tables) for (const sql of pgDdl.attachPrimaryKeySql(t, schema)) await client.exec(sql);
      for (const t of tables) for (const sql of pgDdl.createForeignKeysSql(t, schema, true)) await client.exec(sql);
      // A table's keys are validated one after the other on one lane: VALIDATE CONSTRAINT locks its
      // table against another VALIDATE (b_im_message's second key waited 0.6 s for its first).
      await Lanes.run(
        clients.length,
        tables.map((t) => async (lane: number) => {
          for (const sql of pgDdl.validateForeignKeysSql(t, schema)) await clients[lane]!.exec(sql);
        }),
      );
      for (const t of tables) for (const sql of pgDdl.resetIdentitySql(t, schema)) await client.query(sql);
    },
    async swap(s) {
      try {
        if (client.engine === 'postgres') await client.exec('SET synchronous_commit = on');
        await client.exec('BEGIN');
        for (const t of s.tables) await client.exec(`ALTER TABLE ${quoteIdent(schema)}.${quoteIdent(t.name)} SET SCHEMA public`);
        await client.exec(`DROP SCHEMA ${quoteIdent(schema)}`);
        await client.exec('COMMIT');
      } catch (error) {
        await client.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    // No keyRange: a slice of a heap table is a scan of the whole table, and the server already
    // spreads a large table's digest over parallel workers (sliced, a 650 MB archive restored 1.04x slower).
    // The server digests its own rows (row-digest.ts, record-hash.ts): nothing but one row comes back.
    readBack: (table, lane, slice) => serverSum(lane, rowDigestSql(table.name, table.columns, slice && sliceSql(slice, quoteIdent))),
    // A server without record hashes (PostgreSQL before 14) is reconciled by the rows' text digest.
    ...(client.exportRowsWithHash ? { recordHash: (table: Table, lane: number, slice?: KeySlice) => serverSum(lane, recordHashSumSql(table.name, table.columns, slice && sliceSql(slice, quoteIdent))) } : {}),
    close: () => closeAll(clients),
  };
}

/**
 * MariaDB's default pool (128 MiB) holds a tenth of a 1 GB account's tables; the benchmark
 * account restored in 43.2 s with it and in 39.0 s with a pool of 2 GiB.
 */
export const recommendedBufferPool = 1_000_000_000;

/**
 * MySQL/MariaDB: a staging database beside the target. Tables are created with their primary
 * key (ddl.ts); after the rows, each table's secondary indexes are one ALTER, run on the lanes
 * for different tables at once. Foreign keys are added in place without checks on one
 * connection (ALTERs naming a shared parent would wait on its metadata lock), then proven by
 * anti-joins, which only read, on the lanes.
 */
export async function mysqlStaged(clients: readonly MysqlClient[]): Promise<StagedTarget> {
  const client = clients[0]!;
  const [current] = await client.query<{ db: string | null }>('SELECT DATABASE() AS db');
  const target = current?.db;
  if (!target) throw new RepatriateError('REPAT_USAGE', 'the MySQL/MariaDB URL names no database', { hint: 'write mysql://user@host:3306/database' });
  const staging = myDdl.stagingDatabase(target);
  const caps = client.capabilities;
  return {
    client: client as unknown as SqlClient,
    lanes: clients as unknown as SqlClient[],
    // LOAD DATA keeps both cores busy in the server: decoder threads only took CPU from it
    // (a 650 MB archive loaded in 73.9 s with them, 67.0 s without, and peak RSS rose 46 MB).
    decoders: 'main',
    rowHash: 'crc32',
    async userTables() {
      const rows = await client.query<{ name: string }>('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1');
      return rows.map((r) => `${target}.${r.name}`);
    },
    async environment() {
      const [row] = await client.query<{ version: string; charset: string; mode: string; packet: string; pool: string }>(
        'SELECT VERSION() AS version, @@character_set_database AS charset, @@GLOBAL.sql_mode AS mode, @@GLOBAL.max_allowed_packet AS packet, CAST(@@GLOBAL.innodb_buffer_pool_size AS CHAR) AS pool',
      );
      const differences: string[] = [];
      if (!/^(10\.(1[1-9]|[6-9])|1[1-9]\.)/.test(row!.version) && !/^8\./.test(row!.version)) differences.push(`server ${row!.version}; recommended MariaDB 10.6+ or MySQL 8`);
      if (row!.charset !== 'utf8mb4') differences.push(`database character set ${row!.charset}; recommended utf8mb4 (tables are created utf8mb4 regardless)`);
      if (!row!.mode.includes('STRICT_TRANS_TABLES')) differences.push(`server sql_mode lacks STRICT_TRANS_TABLES (${row!.mode || 'empty'}); the restore sets a strict session mode itself`);
      if (Number(row!.packet) < 16 * 1024 * 1024) differences.push(`max_allowed_packet ${row!.packet}; recommended 16 MB or more`);
      if (Number(row!.pool) < recommendedBufferPool) {
        differences.push(`innodb_buffer_pool_size ${formatBytes(Number(row!.pool))}; recommended 1 GB or more (with less, InnoDB writes pages out while rows load and reads them back for the indexes and the reconcile)`);
      }
      return { engine: 'mysql', version: row!.version, encoding: row!.charset, differences };
    },
    async dataDirectory() {
      const rows = await client.query<{ dir: string }>('SELECT @@datadir AS dir').catch(() => []);
      return rows[0]?.dir;
    },
    dropStaging: () => client.exec(`DROP DATABASE IF EXISTS ${myDdl.quoteMy(staging)}`),
    createStaging: () => client.exec(myDdl.createDatabaseSql(staging, caps)),
    createTable: (table) => client.exec(myDdl.createTableSql(table, staging, caps)),
    async load(table, rows, firstRow, lane) {
      // The rows are the lane decoder's own buffers, digested before they arrive here.
      await clients[lane]!.loadCopyText(staging, table.name, table.columns, rows, { firstRow, convertInPlace: caps.flavor === 'mariadb' });
    },
    async finish(s, rows) {
      const tables = largestFirst(s, rows);
      await Lanes.run(clients.length, tables.flatMap((t) => myDdl.createIndexesSql(t, staging, caps).map((sql) => (lane: number) => clients[lane]!.exec(sql))));
      await client.exec('SET SESSION foreign_key_checks = 0');
      try {
        for (const t of tables) for (const sql of myDdl.createForeignKeysSql(t, staging)) await client.exec(sql);
      } finally {
        await client.exec('SET SESSION foreign_key_checks = 1');
      }
      const checks = tables.flatMap((t) =>
        myDdl.foreignKeyCheckSql(t, staging).map((check) => async (lane: number) => {
          const [row] = await clients[lane]!.query<{ n: string | number }>(check.sql);
          const dangling = Number(row?.n ?? 0);
          if (dangling > 0) {
            throw new RepatriateError('REPAT_ARCHIVE_CONTENTS', `${dangling} rows of ${t.name} reference rows of ${check.refTable} the archive does not hold (foreign key ${check.name})`, {
              hint: 'the archive is inconsistent although its hashes match; ask the vendor for a new build. Nothing was swapped in.',
            });
          }
        }),
      );
      await Lanes.run(clients.length, checks);
      for (const t of tables) {
        for (const query of myDdl.resetIdentitySql(t, staging)) {
          const [statement] = await client.query<{ sql: string }>(query);
          if (statement?.sql) await client.exec(statement.sql);
        }
      }
    },
    async swap(s) {
      await client.exec(myDdl.swapSql(s.tables.map((t) => t.name), staging, target));
      await client.exec(`DROP DATABASE ${myDdl.quoteMy(staging)}`);
    },
    async keyRange(table, column) {
      const c = myDdl.quoteMy(column);
      const [row] = await client.query<{ lowest: string | null; highest: string | null }>(`SELECT CAST(MIN(${c}) AS CHAR) AS lowest, CAST(MAX(${c}) AS CHAR) AS highest FROM ${myDdl.quoteMy(table.name)}`);
      return parseRange(row);
    },
    async readBack(table, lane, slice) {
      const where = slice && sliceSql(slice, myDdl.quoteMy);
      // MariaDB digests its own rows (src/engine/mysql/row-digest.ts): nothing but one row comes
      // back. Not MySQL: its REGEXP_REPLACE refuses the binary strings that query escapes.
      if (caps.flavor === 'mariadb') {
        const [row] = await clients[lane]!.query<{ n: string; total: string }>(mysqlRowDigestSql(table.name, table.columns, where));
        if (!digestOverflowed(row!.total)) return { rows: Number(row!.n), digest: digestFromSum(row!.total) };
      }
      // Re-encoded as COPY text by the server and export.ts, digested here (on MariaDB: a row too long for its string functions).
      const digest = new RowDigest('crc32');
      for await (const chunk of clients[lane]!.tableRows(undefined, table.name, where)) digest.update(chunk);
      const sum = digest.digest(); // first: it counts a last row without its line end
      return { rows: digest.rows, digest: sum };
    },
    close: () => closeAll(clients),
  };
}
