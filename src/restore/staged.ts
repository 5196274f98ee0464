import type { Schema, Table } from '../core/schema.js';
import { RepatriateError } from '../core/errors.js';
import * as pgDdl from '../engine/postgres/ddl.js';
import * as myDdl from '../engine/mysql/ddl.js';
import type { MysqlClient } from '../engine/mysql/client.js';
import { quoteIdent, type SqlClient } from '../engine/types.js';
import type { Environment } from './target.js';

/**
 * What a restore needs from a target engine, beyond reading and writing rows: where staging
 * lives, how tables, keys and sequences are made there, and the atomic swap into the target.
 * PostgreSQL and PGlite stage in a schema of the same database; MySQL/MariaDB in a sibling
 * database, swapped with one RENAME TABLE.
 */
export interface StagedTarget {
  readonly client: SqlClient;
  /** Tables a restore would collide with (the staging area is not one of them). */
  userTables(): Promise<string[]>;
  environment(): Promise<Environment>;
  /** Where the server keeps its data, when it says so (to measure its disk if it is local). */
  dataDirectory(): Promise<string | undefined>;
  /** Removes whatever an earlier, interrupted attempt left in staging. */
  dropStaging(): Promise<void>;
  createStaging(): Promise<void>;
  createTable(table: Table): Promise<void>;
  /** Streams a table part (COPY text) into the staged table; `firstRow` numbers rows in messages. */
  load(table: Table, rows: AsyncIterable<Uint8Array>, firstRow: number): Promise<void>;
  /** Keys, indexes, foreign keys and sequences, after the rows. */
  finish(schema: Schema): Promise<void>;
  /** Makes every staged table visible in the target at once. */
  swap(schema: Schema): Promise<void>;
}

export const postgresStagingSchema = 'repatriate_staging';

export function postgresStaged(client: SqlClient): StagedTarget {
  const schema = postgresStagingSchema;
  return {
    client,
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
    load: (table, rows) => client.copyIn({ schema, name: table.name }, table.columns.map((c) => c.name), rows),
    async finish(s) {
      for (const t of s.tables) for (const sql of [...pgDdl.addPrimaryKeySql(t, schema), ...pgDdl.createIndexesSql(t, schema)]) await client.exec(sql);
      for (const t of s.tables) for (const sql of pgDdl.createForeignKeysSql(t, schema)) await client.exec(sql);
      for (const t of s.tables) for (const sql of pgDdl.resetIdentitySql(t, schema)) await client.query(sql);
    },
    async swap(s) {
      try {
        await client.exec('BEGIN');
        for (const t of s.tables) await client.exec(`ALTER TABLE ${quoteIdent(schema)}.${quoteIdent(t.name)} SET SCHEMA public`);
        await client.exec(`DROP SCHEMA ${quoteIdent(schema)}`);
        await client.exec('COMMIT');
      } catch (error) {
        await client.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
  };
}

export async function mysqlStaged(client: MysqlClient): Promise<StagedTarget> {
  const [current] = await client.query<{ db: string | null }>('SELECT DATABASE() AS db');
  const target = current?.db;
  if (!target) throw new RepatriateError('REPAT_USAGE', 'the MySQL/MariaDB URL names no database', { hint: 'write mysql://user@host:3306/database' });
  const staging = myDdl.stagingDatabase(target);
  const caps = client.capabilities;
  const rowsLoaded = new Map<string, number>();
  return {
    client: client as unknown as SqlClient,
    async userTables() {
      const rows = await client.query<{ name: string }>('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1');
      return rows.map((r) => `${target}.${r.name}`);
    },
    async environment() {
      const [row] = await client.query<{ version: string; charset: string; mode: string; packet: string }>(
        'SELECT VERSION() AS version, @@character_set_database AS charset, @@GLOBAL.sql_mode AS mode, @@GLOBAL.max_allowed_packet AS packet',
      );
      const differences: string[] = [];
      if (!/^(10\.(1[1-9]|[6-9])|1[1-9]\.)/.test(row!.version) && !/^8\./.test(row!.version)) differences.push(`server ${row!.version}; recommended MariaDB 10.6+ or MySQL 8`);
      if (row!.charset !== 'utf8mb4') differences.push(`database character set ${row!.charset}; recommended utf8mb4 (tables are created utf8mb4 regardless)`);
      if (!row!.mode.includes('STRICT_TRANS_TABLES')) differences.push(`server sql_mode lacks STRICT_TRANS_TABLES (${row!.mode || 'empty'}); the restore sets a strict session mode itself`);
      if (Number(row!.packet) < 16 * 1024 * 1024) differences.push(`max_allowed_packet ${row!.packet}; recommended 16 MB or more`);
      return { engine: 'mysql', version: row!.version, encoding: row!.charset, differences };
    },
    async dataDirectory() {
      const rows = await client.query<{ dir: string }>('SELECT @@datadir AS dir').catch(() => []);
      return rows[0]?.dir;
    },
    dropStaging: () => client.exec(`DROP DATABASE IF EXISTS ${myDdl.quoteMy(staging)}`),
    createStaging: () => client.exec(myDdl.createDatabaseSql(staging, caps)),
    createTable: (table) => client.exec(myDdl.createTableSql(table, staging, caps)),
    async load(table, rows, firstRow) {
      rowsLoaded.set(table.name, (rowsLoaded.get(table.name) ?? 0) + (await client.loadCopyText(staging, table.name, table.columns, rows, { firstRow })));
    },
    async finish(s) {
      for (const t of s.tables) for (const sql of myDdl.createIndexesSql(t, staging, caps)) await client.exec(sql);
      await client.exec('SET SESSION foreign_key_checks = 0');
      try {
        for (const t of s.tables) for (const sql of myDdl.createForeignKeysSql(t, staging)) await client.exec(sql);
      } finally {
        await client.exec('SET SESSION foreign_key_checks = 1');
      }
      for (const t of s.tables) {
        for (const check of myDdl.foreignKeyCheckSql(t, staging)) {
          const [row] = await client.query<{ n: string | number }>(check.sql);
          const dangling = Number(row?.n ?? 0);
          if (dangling > 0) {
            throw new RepatriateError('REPAT_ARCHIVE_CONTENTS', `${dangling} rows of ${t.name} reference rows of ${check.refTable} the archive does not hold (foreign key ${check.name})`, {
              hint: 'the archive is inconsistent although its hashes match; ask the vendor for a new build. Nothing was swapped in.',
            });
          }
        }
      }
      for (const t of s.tables) {
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
  };
}
