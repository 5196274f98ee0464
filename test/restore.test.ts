import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ArchiveWriter } from '../src/archive/writer.js';
import { contentsName, tableOfPart, type ArchiveIndex, type Contents } from '../src/archive/format.js';
import { readIndex, readVolume } from '../src/archive/reader.js';
import { writeSignedIndex } from '../src/build/build.js';
import { loadOrCreateSigningKey } from '../src/core/keystore.js';
import { silentProgress } from '../src/core/progress.js';
import { createDatabase } from '../src/engine/postgres/admin.js';
import { openPostgres, recordHashesSince } from '../src/engine/postgres/client.js';
import { openPglite } from '../src/engine/pglite/client.js';
import { openMysql } from '../src/engine/mysql/client.js';
import type { SqlClient } from '../src/engine/types.js';
import { initCloud } from '../src/platform/cloud.js';
import { stagedLoad } from '../src/restore/load.js';
import { addDigests } from '../src/restore/digest.js';
import { postgresStaged, recommendedBufferPool, type StagedTarget } from '../src/restore/staged.js';
import { reconcile } from '../src/restore/reconcile.js';
import { swapIn } from '../src/restore/swap.js';
import { openTarget } from '../src/restore/target.js';
import type { Schema } from '../src/core/schema.js';
import { openSnapshot, takeSnapshot } from '../src/platform/snapshot.js';
import { cleanupDatabases, dropMariaDatabases, emptyMariaDatabase, removeDir, root, runCli, scratchDatabase, tempDir, treeChecksum } from './helpers.js';

const night = '2026-11-24';
const acme = 'https://acme.cloud.example';
const password = 'restore test password 7';

interface Fixture {
  home: string;
  archive: string;
  passwordFile: string;
  license: string;
}

async function issue(home: string, args: string[]): Promise<string> {
  const result = await runCli(['license', 'issue', ...args], home);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

async function emptyServerDatabase(label: string): Promise<string> {
  const url = scratchDatabase(label);
  await createDatabase(url);
  return url;
}

async function tables(url: string): Promise<string[]> {
  const db = await openPostgres(url);
  try {
    return (await db.query<{ t: string }>("SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")).map((r) => r.t);
  } finally {
    await db.close();
  }
}

/** Values of the account in the snapshot and in a restored target, for the round-trip checks (B5). */
const roundTrip: readonly { cloud: string; target: string }[] = [
  { cloud: "SELECT id, description, settings::text, start_time::text, completed FROM b_crm_activity WHERE tenant_id = 1 ORDER BY id", target: 'SELECT id, description, settings::text, start_time::text, completed FROM b_crm_activity ORDER BY id' },
  { cloud: 'SELECT id, opportunity::text, begindate::text AS begin_date, date_modify::text, comments FROM b_crm_deal WHERE tenant_id = 1 ORDER BY id', target: 'SELECT id, opportunity::text, begin_date::text, date_modify::text, comments FROM b_crm_deal ORDER BY id' },
  { cloud: "SELECT id, encode(thumb, 'hex') AS thumb, checksum, original_name FROM b_file WHERE tenant_id = 1 ORDER BY id", target: "SELECT id, encode(thumb, 'hex') AS thumb, checksum, original_name FROM b_file ORDER BY id" },
  { cloud: 'SELECT module_id, name, value, description FROM b_option WHERE tenant_id = 1 ORDER BY 1, 2', target: 'SELECT module_id, name, value, description FROM b_option ORDER BY 1, 2' },
  { cloud: 'SELECT id, personal_phone, personal_birthday::text FROM b_user WHERE tenant_id = 1 ORDER BY id', target: 'SELECT user_id AS id, personal_phone, personal_birthday::text FROM b_user_profile ORDER BY user_id' },
];

async function assertRoundTrip(home: string, target: SqlClient): Promise<void> {
  const snapshot = await openSnapshot(home, night);
  try {
    for (const q of roundTrip) {
      const expected = await snapshot.db.query(q.cloud);
      assert.ok(expected.length > 0, q.cloud);
      assert.deepEqual(await target.query(q.target), expected, q.target);
    }
    const [tricky] = await target.query<{ n: string }>(`SELECT count(*) AS n FROM b_option WHERE value LIKE E'%\\t%' AND value LIKE E'%\\n%' AND value LIKE E'%\\\\\\\\%'`);
    assert.equal(tricky!.n, '1', 'tabs, newlines and backslashes arrived byte for byte');
    const [empty] = await target.query<{ e: string; n: string }>("SELECT count(*) FILTER (WHERE value = '') AS e, count(*) FILTER (WHERE value IS NULL) AS n FROM b_option");
    assert.ok(Number(empty!.e) >= 1 && Number(empty!.n) >= 1, 'empty strings and NULLs stay distinct');
  } finally {
    await snapshot.db.close();
  }
}

/** R3: the reconcile's key slices of a large table digest disjoint rows that add up to the whole table. */
async function assertSlicesAddUp(target: StagedTarget, schema: Schema): Promise<void> {
  const table = schema.tables.find((t) => t.name === 'b_crm_activity')!;
  const whole = await target.readBack(table, 0);
  const [bounds] = await target.client.query<{ lowest: unknown; highest: unknown }>('SELECT min(id) AS lowest, max(id) AS highest FROM b_crm_activity');
  const range = { lowest: BigInt(String(bounds!.lowest)), highest: BigInt(String(bounds!.highest)) };
  if (target.keyRange) assert.deepEqual(await target.keyRange(table, 'id'), range);
  assert.ok(range.lowest < range.highest, 'the table has a range of ids');
  const middle = (range.lowest + range.highest) / 2n;
  const low = await target.readBack(table, 0, { column: 'id', lowest: range.lowest, highest: middle });
  const high = await target.readBack(table, 1, { column: 'id', lowest: middle + 1n, highest: range.highest });
  assert.ok(low.rows > 0 && high.rows > 0, 'both slices hold rows');
  assert.equal(low.rows + high.rows, whole.rows);
  assert.deepEqual(addDigests(low, high), whole);
  assert.notEqual(low.digest, whole.digest);
}

describe('restore', () => {
  let f: Fixture;

  before(async () => {
    const home = await tempDir('restore');
    await initCloud(home, { seed: 31, tenants: 2, size: 2e6, databaseUrl: scratchDatabase('restore-cloud') }, silentProgress);
    await takeSnapshot(home, night);
    const passwordFile = path.join(home, 'password.txt');
    await writeFile(passwordFile, password + '\n');
    const archive = path.join(home, 'archive');
    const built = await runCli(['build', '--account', acme, '--snapshot', night, '--out', archive, '--password-file', passwordFile, '--volume-size', '600kB'], home);
    assert.equal(built.code, 0, built.stderr);
    f = { home, archive, passwordFile, license: await issue(home, ['--edition', 'enterprise', '--seats', '500', '--until', '2099-12-31']) };
  });

  after(async () => {
    await cleanupDatabases();
    await dropMariaDatabases();
    await removeDir(f.home);
  });

  const restoreArgs = (db: string, dataDir: string, extra: string[] = [], archive = f.archive, license = f.license): string[] =>
    ['restore', archive, '--license', license, '--password-file', f.passwordFile, '--db', db, '--data-dir', dataDir, '--json', ...extra];

  test('R1 R3 B5 restore into PostgreSQL needs only archive, license and password; every table, value and file arrives', async () => {
    const url = await emptyServerDatabase('r-pg');
    const dataDir = path.join(f.home, 'pg-data');
    const result = await runCli(restoreArgs(url, dataDir), f.home);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.reconcile.ok, true);
    assert.equal(report.reconcile.checksum, 'record hash', "PostgreSQL's record hashes against the cloud's in contents.json");
    assert.ok(report.reconcile.tables.every((t: { rows: number; expectedRows: number; digestMatches: boolean }) => t.rows === t.expectedRows && t.digestMatches));
    assert.ok(report.reconcile.files.expected > 60 && report.reconcile.files.matching === report.reconcile.files.expected);
    assert.ok((await readdir(path.join(dataDir, 'upload'))).length > 0, 'public files (R3)');
    assert.ok((await readFile(path.join(dataDir, 'bitrix/modules/main/install/version.php'), 'utf8')).includes('24.100.0'), 'kernel files (R3)');
    assert.ok((await tables(url)).every((t) => t.startsWith('public.')), 'no staging schema is left');
    const db = await openPostgres(url);
    try {
      await assertRoundTrip(f.home, db);
      const [fk] = await db.query<{ n: string }>("SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f'");
      assert.ok(Number(fk!.n) > 40, 'foreign keys were created after the rows');
      const [next] = await db.query<{ id: string }>("INSERT INTO b_crm_deal (title, stage_id, date_create, date_modify) VALUES ('after restore', 'NEW', now(), now()) RETURNING id");
      const [max] = await db.query<{ m: string }>('SELECT max(id) AS m FROM b_crm_deal WHERE title <> $1', ['after restore']);
      assert.ok(Number(next!.id) > Number(max!.m), 'sequences continue past the highest id');
    } finally {
      await db.close();
    }
  });

  test('R1 R3 B5 restore into the embedded engine', async () => {
    const dir = path.join(f.home, 'embedded');
    const result = await runCli(restoreArgs(path.join(dir, 'db'), path.join(dir, 'data')), f.home);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).reconcile.ok, true);
    assert.equal(JSON.parse(result.stdout).reconcile.checksum, 'record hash');
    const db = await openPglite(path.join(dir, 'db'));
    try {
      await assertRoundTrip(f.home, db);
    } finally {
      await db.close();
    }
  });

  test('R1 R3 B5 restore of the PostgreSQL cloud into MariaDB: every table, value and file arrives, one RENAME TABLE swaps it in', async () => {
    const database = await emptyMariaDatabase('r_maria');
    const dataDir = path.join(f.home, 'maria-data');
    const result = await runCli(restoreArgs(`mysql://root@127.0.0.1:3306/${database}`, dataDir), f.home);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.reconcile.ok, true, "row counts and the server's own digests equal the archive's");
    assert.equal(report.reconcile.checksum, 'row text', 'MariaDB computes no record hashes');
    assert.equal(report.environment.engine, 'mysql');
    const schema = JSON.parse(await readFile(path.join(dataDir, '.repatriate', 'schema.json'), 'utf8')) as Schema;
    const target = await openTarget({ engine: 'mysql', url: `mysql://root@127.0.0.1:3306/${database}` }, 2);
    try {
      const [pool] = await target.client.query<{ bytes: string }>('SELECT CAST(@@GLOBAL.innodb_buffer_pool_size AS CHAR) AS bytes');
      const poolDifference = (report.environment.differences as string[]).find((d) => d.startsWith('innodb_buffer_pool_size '));
      assert.equal(poolDifference !== undefined, Number(pool!.bytes) < recommendedBufferPool, `R2 a small InnoDB buffer pool is listed as a difference: ${poolDifference}`);
      await assertSlicesAddUp(target, schema);
    } finally {
      await target.close();
    }
    const maria = await openMysql(`mysql://root@127.0.0.1:3306/${database}`);
    const snapshot = await openSnapshot(f.home, night);
    try {
      const [databases] = await maria.query<{ n: number }>("SELECT count(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '%repatriate_staging'");
      assert.equal(Number(databases!.n), 0, 'the staging database is gone');
      const cloud = await snapshot.db.query<{ id: string; description: string | null; opportunity: string | null }>(
        'SELECT a.id, a.description, NULL AS opportunity FROM b_crm_activity a WHERE a.tenant_id = 1 ORDER BY a.id',
      );
      const restored = await maria.query<{ id: string; description: string | null }>('SELECT id, description FROM b_crm_activity ORDER BY id');
      assert.deepEqual(restored.map((r) => [String(r.id), r.description]), cloud.map((r) => [r.id, r.description]), 'text with tabs, newlines, backslashes, unicode, empty vs NULL');
      const deals = await maria.query<{ id: string; opportunity: string | null; begin_date: string | null; date_modify: string }>('SELECT id, opportunity, begin_date, date_modify FROM b_crm_deal ORDER BY id');
      const cloudDeals = await snapshot.db.query<{ id: string; opportunity: string | null; begindate: string | null; date_modify: string }>(
        "SELECT id, opportunity::text AS opportunity, begindate::text AS begindate, to_char(date_modify, 'YYYY-MM-DD HH24:MI:SS.US') AS date_modify FROM b_crm_deal WHERE tenant_id = 1 ORDER BY id",
      );
      assert.deepEqual(deals.map((d) => [String(d.id), d.opportunity, d.begin_date, d.date_modify]), cloudDeals.map((d) => [d.id, d.opportunity, d.begindate, d.date_modify]), 'numerics exact, dates and microseconds kept');
      const thumbs = await maria.query<{ id: string; thumb: string | null }>('SELECT id, LOWER(HEX(thumb)) AS thumb FROM b_file ORDER BY id');
      const cloudThumbs = await snapshot.db.query<{ id: string; thumb: string | null }>("SELECT id, encode(thumb, 'hex') AS thumb FROM b_file WHERE tenant_id = 1 ORDER BY id");
      assert.deepEqual(thumbs.map((t) => [String(t.id), t.thumb]), cloudThumbs.map((t) => [t.id, t.thumb]), 'binaries exact');
    } finally {
      await snapshot.db.close();
      await maria.close();
    }
  });

  test('R3 a table part larger than the memory bound streams into its lane: the staged rows equal those of buffered parts', async () => {
    const index = await readIndex(f.archive);
    const results = [];
    for (const maxBufferedPart of [undefined, 0]) {
      const target = await openTarget({ engine: 'postgres', url: await emptyServerDatabase('r-stream') }, 2);
      try {
        const loaded = await stagedLoad(target, f.archive, index, { passphrase: password }, path.join(f.home, `stream-${maxBufferedPart ?? 'buffered'}`), maxBufferedPart === undefined ? {} : { maxBufferedPart });
        await target.lanes[0]!.exec('SET search_path = repatriate_staging');
        const staged = [];
        for (const t of loaded.schema.tables) staged.push({ table: t.name, ...(await target.readBack(t, 0)) });
        await target.lanes[1]!.exec('SET search_path = repatriate_staging');
        await assertSlicesAddUp(target, loaded.schema);
        results.push({ loaded: loaded.tables, staged });
      } finally {
        await target.close();
      }
    }
    const [buffered, streamed] = results;
    assert.ok(Object.values(buffered!.loaded).reduce((sum, t) => sum + t.rows, 0) > 1000);
    assert.deepEqual(streamed!.loaded, buffered!.loaded, 'the digests taken while loading');
    assert.deepEqual(streamed!.staged, buffered!.staged, 'what the server holds in staging');
    for (const t of streamed!.staged) assert.deepEqual({ rows: t.rows, digest: t.digest }, streamed!.loaded[t.table], t.table);
  });

  test('R3 a PostgreSQL server without record hashes (before 14) is reconciled by the rows\' text digest, although the archive carries record hashes', async () => {
    assert.equal(recordHashesSince, 140000, 'hash_record_extended came with PostgreSQL 14');
    const url = await emptyServerDatabase('r-nohash');
    const connected = await openPostgres(url);
    assert.ok(connected.exportRowsWithHash, 'this PostgreSQL (15) computes record hashes');
    // The same server, as an older one presents itself: its client offers no record hashes.
    const older = Object.assign(Object.create(connected) as SqlClient, { exportRowsWithHash: undefined });
    const target = postgresStaged([older]);
    try {
      assert.equal(target.recordHash, undefined, 'a target without record hashes does not offer them to the reconcile');
      const index = await readIndex(f.archive);
      const dataDir = path.join(f.home, 'nohash-data');
      const loaded = await stagedLoad(target, f.archive, index, { passphrase: password }, path.join(f.home, 'nohash-staging'), { rowHashes: true });
      assert.ok(loaded.recordHashes, 'the archive carries record hashes');
      await swapIn(target, loaded.schema, path.join(f.home, 'nohash-staging'), dataDir);
      const report = await reconcile(target, loaded, dataDir);
      assert.equal(report.checksum, 'row text');
      assert.equal(report.ok, true, 'every table digested by its text matches the digests taken while loading');
      assert.ok(report.tables.some((t) => t.rows > 1000));
    } finally {
      await target.close();
    }
  });

  test('R2 B5 a value MariaDB cannot hold exactly is named by table, column and row before anything is visible; staging is dropped', async () => {
    const home = await tempDir('restore-range');
    try {
      const url = scratchDatabase('range-cloud');
      await initCloud(home, { seed: 32, tenants: 2, size: 1e6, databaseUrl: url }, silentProgress);
      const cloud = await openPostgres(url);
      await cloud.exec("UPDATE b_crm_deal SET begindate = '0099-01-01' WHERE id = (SELECT min(id) FROM b_crm_deal WHERE tenant_id = 1)");
      await cloud.close();
      await takeSnapshot(home, night);
      const pw = path.join(home, 'pw.txt');
      await writeFile(pw, password + '\n');
      const archive = path.join(home, 'archive');
      assert.equal((await runCli(['build', '--account', acme, '--snapshot', night, '--out', archive, '--password-file', pw], home)).code, 0);
      const license = await issue(home, ['--edition', 'enterprise', '--seats', '500', '--until', '2099-12-31']);
      const database = await emptyMariaDatabase('r_range');
      const dataDir = path.join(home, 'data');
      const result = await runCli(['restore', archive, '--license', license, '--password-file', pw, '--db', `mysql://root@127.0.0.1:3306/${database}`, '--data-dir', dataDir, '--json'], home);
      assert.equal(result.code, 23, result.stdout + result.stderr);
      assert.match(JSON.parse(result.stdout).error.message, /b_crm_deal.*begin_date.*row \d+/s);
      const maria = await openMysql(`mysql://root@127.0.0.1:3306/${database}`);
      try {
        const [n] = await maria.query<{ n: number }>("SELECT count(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE 'repat_t_%r_range%'");
        assert.equal(Number(n!.n), 0, 'nothing stays, not even in staging');
      } finally {
        await maria.close();
      }
      assert.deepEqual(await readdir(home).then((e) => e.filter((n) => n.includes('data'))), []);
    } finally {
      await removeDir(home);
    }
  });

  test('R2 B3 --dry-run runs every check and verifies the whole archive, and writes nothing', async () => {
    const url = await emptyServerDatabase('r-dry');
    const dataDir = path.join(f.home, 'dry-data');
    const result = await runCli(restoreArgs(url, dataDir, ['--dry-run']), f.home);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.dryRun, true);
    assert.ok(report.verified.rows > 1000);
    assert.deepEqual(await tables(url), []);
    assert.deepEqual(await readdir(path.dirname(dataDir)).then((e) => e.filter((n) => n.includes('dry-data'))), []);
  });

  /** Runs a restore that must fail in preflight or load, and proves the target is exactly as before. */
  async function refused(label: string, prepare: (target: { url: string; dataDir: string }) => Promise<string[]>, code: number, message: RegExp): Promise<void> {
    const url = await emptyServerDatabase(label);
    const dataDir = path.join(f.home, `${label}-data`);
    await mkdir(dataDir);
    const args = await prepare({ url, dataDir });
    const tablesBefore = await tables(url);
    const folderBefore = await treeChecksum(dataDir);
    const siblingsBefore = (await readdir(f.home)).sort();
    const result = await runCli(args, f.home);
    assert.equal(result.code, code, `${label}: ${result.stdout}${result.stderr}`);
    const error = JSON.parse(result.stdout).error;
    assert.match(error.message, message, label);
    assert.ok(error.hint.length > 0, `${label} names the fix`);
    assert.deepEqual(await tables(url), tablesBefore, `${label}: the database is as before`);
    assert.equal(await treeChecksum(dataDir), folderBefore, `${label}: the data directory is as before`);
    assert.deepEqual((await readdir(f.home)).sort(), siblingsBefore, `${label}: no staging folder is left`);
  }

  test('R2 a target database that is not empty is refused and left as it was', async () => {
    await refused('notempty-db', async ({ url, dataDir }) => {
      const db = await openPostgres(url);
      await db.exec('CREATE TABLE customer_notes (id int)');
      await db.close();
      return restoreArgs(url, dataDir);
    }, 22, /target database is not empty: it has 1 tables \(public\.customer_notes\)/);
  });

  test('R2 a data directory that is not empty is refused and left as it was', async () => {
    await refused('notempty-dir', async ({ url, dataDir }) => {
      await writeFile(path.join(dataDir, 'keep.txt'), 'mine');
      return restoreArgs(url, dataDir);
    }, 22, /data directory .* is not empty \(keep\.txt\)/);
  });

  test('R2 M3 M4 license checks: too few seats, expired subscription, not an on-premise key, not signed by the vendor', async () => {
    const cases: [string, () => Promise<string>, number, RegExp][] = [
      ['seats', () => issue(f.home, ['--edition', 'standard', '--seats', '3', '--until', '2099-12-31']), 21, /has 3 seats; the account has \d+ active users/],
      ['expired', () => issue(f.home, ['--edition', 'enterprise', '--seats', '500', '--until', '2020-01-31']), 20, /subscription .* ended on 2020-01-31/],
      ['trial', () => issue(f.home, ['--edition', 'enterprise', '--seats', '500', '--until', '2099-12-31', '--kind', 'trial']), 20, /is a trial key/],
      ['forged', async () => f.license.slice(0, -4) + (f.license.endsWith('AAAA') ? 'BBBB' : 'AAAA'), 20, /not signed by a trusted vendor key/],
      ['garbage', async () => 'not-a-license', 20, /malformed/],
    ];
    for (const [label, key, code, message] of cases) {
      const license = await key();
      await refused(`license-${label}`, async ({ url, dataDir }) => restoreArgs(url, dataDir, [], f.archive, license), code, message);
    }
  });

  test('R2 R4 a wrong password is refused before anything is written', async () => {
    await refused('wrongpw', async ({ url, dataDir }) => {
      const wrong = path.join(f.home, 'wrong.txt');
      await writeFile(wrong, 'not the password\n');
      return ['restore', f.archive, '--license', f.license, '--password-file', wrong, '--db', url, '--data-dir', dataDir, '--json'];
    }, 13, /the password does not open the archive/);
  });

  test('R4 a flipped byte, a truncated or missing volume, an unknown format version are refused; the target stays empty', async () => {
    const variants: [string, (dir: string) => Promise<void>, number, RegExp][] = [
      ['flipped', async (dir) => {
        const file = path.join(dir, 'vol-0001.age');
        const bytes = await readFile(file);
        bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
        await writeFile(file, bytes);
      }, 12, /does not match its SHA-256/],
      ['truncated', async (dir) => {
        const volumes = (await readdir(dir)).filter((n) => n.endsWith('.age')).sort();
        await truncate(path.join(dir, volumes.at(-1)!), 100);
      }, 11, /has 100 bytes, the index says/],
      ['missing', (dir) => rm(path.join(dir, 'vol-0000.age')), 11, /volume vol-0000\.age is missing/],
      ['version', async (dir) => {
        const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'));
        await writeFile(path.join(dir, 'index.json'), JSON.stringify({ ...index, format: 99 }));
      }, 10, /format version 99/],
    ];
    for (const [label, damage, code, message] of variants) {
      const copy = path.join(f.home, `damaged-${label}`);
      await cp(f.archive, copy, { recursive: true });
      await damage(copy);
      await refused(`damaged-${label}`, async ({ url, dataDir }) => restoreArgs(url, dataDir, [], copy), code, message);
      await rm(copy, { recursive: true });
    }
  });

  /** The archive's members in order, contents.json apart. */
  async function archiveMembers(): Promise<{ index: ArchiveIndex; members: { name: string; body: Buffer }[]; contents: Contents }> {
    const index = JSON.parse(await readFile(path.join(f.archive, 'index.json'), 'utf8')) as ArchiveIndex;
    const members: { name: string; body: Buffer }[] = [];
    let contents: Contents | undefined;
    for (const volume of index.volumes) {
      for await (const member of readVolume(path.join(f.archive, volume.name), { passphrase: password })) {
        const chunks: Buffer[] = [];
        for await (const chunk of member.stream) chunks.push(chunk);
        if (member.name === contentsName) contents = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Contents;
        else members.push({ name: member.name, body: Buffer.concat(chunks) });
      }
    }
    return { index, members, contents: contents! };
  }

  test('R3 R4 an archive whose header announces record hashes that contents.json does not hold is refused; the target stays empty', async () => {
    await refused('no-row-hashes', async ({ url, dataDir }) => {
      // The same members re-encrypted and signed by the vendor, the parts with their rows but without their record hashes.
      const { index, members, contents } = await archiveMembers();
      assert.ok(contents.members.some((m) => m.rowHash), 'the archive carries record hashes');
      const copy = path.join(f.home, 'no-row-hashes-archive');
      await mkdir(copy);
      const writer = new ArchiveWriter({ dir: copy, archiveId: index.archiveId, encryption: { kind: 'passphrase', passphrase: password, scryptLogN: 10 }, volumeSize: 1 << 30, mtime: new Date(0) });
      for (const m of members) {
        const entry = contents.members.find((e) => e.name === m.name)!;
        if (entry.rows === undefined) await writer.addBuffer(m.name, m.body);
        else await writer.addStream(m.name, m.body.length, (async function* () { yield m.body; })(), { rows: entry.rows, raw: entry.raw ?? 0 });
      }
      const { volumes } = await writer.close(contents.tables);
      await writeSignedIndex(copy, { archiveId: index.archiveId, createdAt: index.createdAt, retentionDays: 14, encryption: 'passphrase', volumes, sizes: index.sizes, signingKey: await loadOrCreateSigningKey(path.join(f.home, 'vendor')) });
      return restoreArgs(url, dataDir, [], copy);
    }, 12, /header\.json says the table parts carry record hashes, but contents\.json lists none/);
  });

  test('R4 a signed archive whose table part follows the files is refused; the target stays empty', async () => {
    await refused('reordered', async ({ url, dataDir }) => {
      // The same members, re-encrypted and signed by the vendor, with the last table part moved after the first file.
      const { index, members } = await archiveMembers();
      const lastPart = members.findLastIndex((m) => tableOfPart(m.name) !== undefined);
      const firstFile = members.findIndex((m) => m.name.startsWith('files/'));
      assert.ok(lastPart > 0 && firstFile > lastPart, 'the archive holds table parts, then files');
      const [moved] = members.splice(lastPart, 1);
      members.splice(firstFile, 0, moved!);
      const copy = path.join(f.home, 'reordered-archive');
      await mkdir(copy);
      const writer = new ArchiveWriter({ dir: copy, archiveId: index.archiveId, encryption: { kind: 'passphrase', passphrase: password, scryptLogN: 10 }, volumeSize: 1 << 30, mtime: new Date(0) });
      for (const m of members) await writer.addBuffer(m.name, m.body);
      const { volumes } = await writer.close({});
      await writeSignedIndex(copy, { archiveId: index.archiveId, createdAt: index.createdAt, retentionDays: 14, encryption: 'passphrase', volumes, sizes: index.sizes, signingKey: await loadOrCreateSigningKey(path.join(f.home, 'vendor')) });
      return restoreArgs(url, dataDir, [], copy);
    }, 12, /tables\/.+ follows the files; every table part comes before them/);
  });

  test('R2 not enough free disk is refused before anything is written', async () => {
    const disk = path.join(f.home, 'tiny-disk');
    await mkdir(disk);
    const mount = spawnSyncOk('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
    assert.ok(mount, 'mount a tiny tmpfs');
    try {
      const url = await emptyServerDatabase('nospace');
      const dataDir = path.join(disk, 'data');
      const result = await runCli(restoreArgs(url, dataDir), f.home);
      assert.equal(result.code, 9, result.stderr);
      assert.match(JSON.parse(result.stdout).error.message, /not enough free disk for the restore/);
      assert.deepEqual(await readdir(disk), []);
      assert.deepEqual(await tables(url), []);
    } finally {
      spawnSyncOk('umount', [disk]);
    }
  });

  test('B4 a restore killed with SIGKILL during the load restarts staging with the same command; the result equals an uninterrupted restore', async () => {
    const uninterrupted = await emptyServerDatabase('r-whole');
    const whole = await runCli(restoreArgs(uninterrupted, path.join(f.home, 'whole-data')), f.home);
    assert.equal(whole.code, 0, whole.stderr);

    const url = await emptyServerDatabase('r-killed');
    const dataDir = path.join(f.home, 'killed-data');
    const child = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), ...restoreArgs(url, dataDir)], { env: { ...process.env, REPATRIATE_HOME: f.home }, stdio: 'ignore' });
    const probe = await openPostgres(url);
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const [row] = await probe.query<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'repatriate_staging'");
        if (Number(row!.n) > 10 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await probe.close();
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    assert.ok((await tables(url)).every((t) => t.startsWith('repatriate_staging.')), 'nothing is visible in the target before the swap');
    assert.deepEqual(await readdir(dataDir).catch(() => []), [], 'the data directory is still empty');

    const again = await runCli(restoreArgs(url, dataDir), f.home);
    assert.equal(again.code, 0, again.stderr);
    const digests = (out: string): unknown => JSON.parse(out).reconcile.tables.map((t: { table: string; rows: number; digestMatches: boolean }) => [t.table, t.rows, t.digestMatches]);
    assert.deepEqual(digests(again.stdout), digests(whole.stdout));
    assert.ok((await tables(url)).every((t) => t.startsWith('public.')));
  });
});

function spawnSyncOk(command: string, args: string[]): boolean {
  return spawnSync(command, args).status === 0;
}
