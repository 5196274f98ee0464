import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { bool, bytes, char, date, int16, int32, int64, json, numeric, text, timestamp, timestamptz, varchar, type Table } from '../src/core/schema.js';
import { createDatabase } from '../src/engine/postgres/admin.js';
import { openPostgres } from '../src/engine/postgres/client.js';
import { createTableSql } from '../src/engine/postgres/ddl.js';
import { recordHashSumSql } from '../src/engine/postgres/record-hash.js';
import { rowDigestSql } from '../src/engine/postgres/row-digest.js';
import { Sum64 } from '../src/core/sum64.js';
import { openPglite } from '../src/engine/pglite/client.js';
import { quoteIdent, type SqlClient } from '../src/engine/types.js';
import { digestFromSum, RowDigest, type RowHash } from '../src/restore/digest.js';
import { mysqlStaged } from '../src/restore/staged.js';
import { openMysql } from '../src/engine/mysql/client.js';
import { createTableSql as createMysqlTableSql } from '../src/engine/mysql/ddl.js';
import { digestOverflowed, rowDigestSql as mysqlRowDigestSql } from '../src/engine/mysql/row-digest.js';
import { cleanupDatabases, dropMariaDatabases, emptyMariaDatabase, removeDir, scratchDatabase, tempDir } from './helpers.js';

// Every third row holds escapes, so rows rewritten into their digest text are split by chunks too.
const rows = Array.from({ length: 5000 }, (_, i) => `${i}\ttext ${'é'.repeat(i % 7)}\t\\N\t${'x'.repeat(i % 13)}\t${i % 3 === 0 ? String.raw`a\nb\\n\tc\r` : 'plain'}`);

function digestOf(lines: readonly string[], chunk: number, hash: RowHash = 'lookup3'): { rows: number; digest: string } {
  const d = new RowDigest(hash);
  const data = Buffer.from(lines.map((l) => `${l}\n`).join(''));
  for (let i = 0; i < data.length; i += chunk) d.update(data.subarray(i, i + chunk));
  return { digest: d.digest(), rows: d.rows };
}

test('R3 the reconcile digest counts rows and ignores their order and where chunks split them', () => {
  const a = digestOf(rows, 4096);
  assert.equal(a.rows, rows.length);
  assert.deepEqual(digestOf([...rows].reverse(), 7), a);
  assert.deepEqual(digestOf(rows, 1), a);
  assert.match(a.digest, /^[0-9a-f]{16}$/);
});

test('R3 the reconcile digest changes when one byte, one row or the split between two rows changes', () => {
  const base = digestOf(rows, 4096).digest;
  const flipped = [...rows];
  flipped[1234] = flipped[1234]!.replace('text', 'tExt');
  assert.notEqual(digestOf(flipped, 4096).digest, base);
  assert.notEqual(digestOf(rows.slice(1), 4096).digest, base);
  assert.notEqual(digestOf([...rows, rows[0]!], 4096).digest, base, 'a duplicated row');
  const joined = [...rows];
  joined.splice(10, 2, `${rows[10]}${rows[11]}`);
  assert.notEqual(digestOf(joined, 4096).digest, base);
  // Every single-bit flip of a short row changes its hash (no lane ignores a byte).
  const seen = new Set<string>();
  for (let bit = 0; bit < 8 * 11; bit++) {
    const bytes = Buffer.from('12\tabc\tdefg');
    bytes[bit >> 3]! ^= 1 << (bit & 7);
    const d = new RowDigest();
    d.update(Buffer.concat([bytes, Buffer.from('\n')]));
    seen.add(d.digest());
  }
  assert.equal(seen.size, 88);
});

test('R3 the digest text keeps apart what COPY text keeps apart: NULL and a text \\N, a tab in a value and between fields, an escaped backslash before n and a line break', () => {
  const variants = [
    String.raw`1	\N`,
    String.raw`1	\\N`,
    String.raw`1	a\tb`,
    String.raw`1	a	b`,
    String.raw`1	a\\nb`,
    String.raw`1	a\nb`,
    String.raw`1	a\\\nb`,
    String.raw`1	a\\`,
    String.raw`1	a\rb\fc\vd\be`,
    String.raw`1	a\rb\fc\vd\bf`,
  ];
  const digests = variants.map((line) => digestOf([line], 3).digest);
  assert.equal(new Set(digests).size, variants.length, digests.join(' '));
});

// Every neutral type, with the values COPY text escapes or pads: the server's own digest of its
// rows (src/engine/postgres/row-digest.ts) must equal this process's digest of the same rows.
const allTypes: Table = {
  name: 'digest_types',
  module: 'test',
  primaryKey: ['id'],
  indexes: [],
  foreignKeys: [],
  columns: [
    { name: 'id', type: int32(), nullable: false },
    { name: 'small', type: int16(), nullable: true },
    { name: 'big', type: int64(), nullable: true },
    { name: 'amount', type: numeric(12, 3), nullable: true },
    { name: 'code', type: char(6), nullable: true },
    { name: 'title', type: varchar(40), nullable: true },
    { name: 'body', type: text(), nullable: true },
    { name: 'flag', type: bool(), nullable: true },
    { name: 'day', type: date(), nullable: true },
    { name: 'at', type: timestamp(), nullable: true },
    { name: 'at_tz', type: timestamptz(), nullable: true },
    { name: 'doc', type: json(), nullable: true },
    { name: 'blob', type: bytes(), nullable: true },
  ],
};
const typedRows = [
  String.raw`1	-32768	9223372036854775807	-123456789.125	ab    	tab\there	line\nbreak\rand\\back\bslash\f\v	t	2024-02-29	2024-01-01 00:00:00.000001	1999-12-31 23:59:59.5+00	{"a": [1, "x\\ty"], "é": null}	\\x00ff10`,
  String.raw`2	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N`,
  String.raw`3	0	0	0.000	      			f	0001-01-01	2024-06-30 12:00:00	2024-06-30 12:00:00+00	[]	\\x`,
  `4\t7\t-1\t1.500\täöü   \t✓ 💶 κόσμε\t${'long '.repeat(400)}\tt\t2100-01-01\t2100-01-01 10:11:12.5\t2100-01-01 10:11:12+00\t"text"\t\\\\x41`,
];
// More columns than concat_ws takes arguments.
const wide: Table = { name: 'digest_wide', module: 'test', primaryKey: ['c0'], indexes: [], foreignKeys: [], columns: Array.from({ length: 150 }, (_, i) => ({ name: `c${i}`, type: i % 2 ? text() : int32(), nullable: true })) };
const wideRows = [0, 1, 2].map((r) => Array.from({ length: 150 }, (_, i) => (i === 0 ? String(r) : i % 2 ? `v${r}.${i}` : r === 1 ? '\\N' : String(i))).join('\t'));

async function serverDigests(db: SqlClient): Promise<void> {
  for (const [table, lines] of [[allTypes, typedRows], [wide, wideRows]] as const) {
    await db.exec(createTableSql(table));
    await db.copyIn(table.name, table.columns.map((c) => c.name), [Buffer.from(lines.map((l) => `${l}\n`).join(''))].values() as unknown as AsyncIterable<Uint8Array>);
    const sent = digestOf(lines, 4096);
    const back = new RowDigest();
    for await (const chunk of db.copyOut(`SELECT * FROM ${table.name}`)) back.update(chunk);
    assert.equal(back.digest(), sent.digest, `${table.name}: the test's rows are the server's own COPY text`);
    const [row] = await db.query<{ rows: string; sum: string }>(rowDigestSql(table.name, table.columns));
    assert.equal(Number(row!.rows), lines.length);
    assert.equal(digestFromSum(row!.sum), sent.digest, `${table.name}: the server's digest`);
    await db.exec(`UPDATE ${table.name} SET ${table.columns[1]!.name} = NULL WHERE ${table.columns[0]!.name} = 0 OR ${table.columns[0]!.name} = 4`);
    const [changed] = await db.query<{ sum: string }>(rowDigestSql(table.name, table.columns));
    assert.notEqual(digestFromSum(changed!.sum), sent.digest, `${table.name}: one changed value changes the server's digest`);
  }
}

test('R3 PostgreSQL computes the reconcile digest of its rows itself, equal to the digest of their COPY text', async (t) => {
  const url = scratchDatabase('digest');
  t.after(cleanupDatabases);
  await createDatabase(url);
  const db = await openPostgres(url);
  try {
    await serverDigests(db);
  } finally {
    await db.close();
  }
});

test('R3 PGlite computes the reconcile digest of its rows itself, equal to the digest of their COPY text', async (t) => {
  const dir = await tempDir('digest');
  t.after(() => removeDir(dir));
  const db = await openPglite(path.join(dir, 'db'));
  try {
    await serverDigests(db);
  } finally {
    await db.close();
  }
});

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

async function collect(rows: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of rows) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** A target's rows and sum of record hashes. */
async function targetRecordHash(db: SqlClient, table: Table): Promise<{ rows: number; digest: string }> {
  const [row] = await db.query<{ rows: string; sum: string }>(recordHashSumSql(table.name, table.columns));
  return { rows: Number(row!.rows), digest: digestFromSum(row!.sum) };
}

test('R3 the record hashes a PostgreSQL cloud exports with its rows equal those PostgreSQL and PGlite compute of the restored rows, whatever the source column types; one changed value changes them', async (t) => {
  const url = scratchDatabase('record-hash');
  const dir = await tempDir('record-hash');
  t.after(cleanupDatabases);
  t.after(() => removeDir(dir));
  await createDatabase(url);
  const cloud = await openPostgres(url);
  const pglite = await openPglite(path.join(dir, 'db'));
  try {
    for (const [table, lines] of [[allTypes, typedRows], [wide, wideRows]] as const) {
      // The cloud's own types differ where the build maps them: json (which has no hash function) for jsonb, bigint for integer, text for varchar.
      const cloudTable = `cloud_${table.name}`;
      await cloud.exec(createTableSql({ ...table, name: cloudTable }));
      if (table === allTypes) await cloud.exec(`ALTER TABLE ${cloudTable} ALTER doc TYPE json, ALTER id TYPE bigint, ALTER title TYPE text`);
      await cloud.copyIn(cloudTable, table.columns.map((c) => c.name), once(Buffer.from(lines.map((l) => `${l}\n`).join(''))));
      const query = { select: table.columns.map((c) => `t.${quoteIdent(c.name)} AS ${quoteIdent(c.name)}`).join(', '), table: cloudTable, where: 'TRUE' };

      const sum = new Sum64();
      const stripped: Buffer[] = [];
      for await (const chunk of cloud.exportRowsWithHash!(query, table.columns)) {
        stripped.push(Buffer.from(chunk.data));
        for (let i = 0; i < chunk.hashes.length; i += 2) sum.add(chunk.hashes[i]!, chunk.hashes[i + 1]!);
      }
      const rows = Buffer.concat(stripped);
      assert.ok(rows.equals(await collect(cloud.exportRows(query))), `${table.name}: the rows without their hashes are the plain export`);

      for (const [engine, db] of [['PostgreSQL', cloud], ['PGlite', pglite]] as const) {
        await db.exec(createTableSql(table));
        await db.copyIn(table.name, table.columns.map((c) => c.name), once(rows));
        assert.deepEqual(await targetRecordHash(db, table), { rows: lines.length, digest: sum.hex() }, `${engine}, ${table.name}: the target's record hashes equal the cloud's`);
        await db.exec(`UPDATE ${table.name} SET ${table.columns[1]!.name} = NULL WHERE ${table.columns[0]!.name} = 0 OR ${table.columns[0]!.name} = 4`);
        assert.notEqual((await targetRecordHash(db, table)).digest, sum.hex(), `${engine}, ${table.name}: one changed value changes the sum`);
      }
      await cloud.exec(`DROP TABLE ${table.name}`);
    }
  } finally {
    await cloud.close();
    await pglite.close();
  }
});

// MariaDB holds no date before the year 1000 (the load refuses one): the third row's date differs.
const mariaRows = typedRows.map((line) => line.replace('0001-01-01', '1000-01-01'));

test('R3 MariaDB computes the reconcile digest of its rows itself (CRC-32), equal to the digest of their COPY text and of their read-back', async (t) => {
  const name = await emptyMariaDatabase('digest');
  t.after(dropMariaDatabases);
  const db = await openMysql(`mysql://root@127.0.0.1:3306/${name}`);
  try {
    for (const [table, lines] of [[allTypes, mariaRows], [wide, wideRows]] as const) {
      await db.exec(createMysqlTableSql(table, name, db.capabilities));
      await db.copyIn(table.name, table.columns.map((c) => c.name), [Buffer.from(lines.map((l) => `${l}\n`).join(''))].values() as unknown as AsyncIterable<Uint8Array>);
      const sent = digestOf(lines, 4096, 'crc32');
      assert.notEqual(sent.digest, digestOf(lines, 4096).digest, 'CRC-32 is not lookup3');
      const back = new RowDigest('crc32');
      for await (const chunk of db.tableRows(undefined, table.name)) back.update(chunk);
      assert.equal(back.digest(), sent.digest, `${table.name}: the read-back's COPY text`);
      const [row] = await db.query<{ n: string; total: string }>(mysqlRowDigestSql(table.name, table.columns));
      assert.equal(digestOverflowed(row!.total), false);
      assert.equal(Number(row!.n), lines.length);
      assert.equal(digestFromSum(row!.total), sent.digest, `${table.name}: the server's digest`);
      const first = table.columns[0]!.name;
      const [some] = await db.query<{ n: string; total: string }>(mysqlRowDigestSql(table.name, table.columns, `\`${first}\` BETWEEN 1 AND 2`));
      assert.equal(Number(some!.n), 2, `${table.name}: a slice of the key`);
      await db.exec(`UPDATE \`${table.name}\` SET \`${table.columns[1]!.name}\` = NULL WHERE \`${first}\` = 0 OR \`${first}\` = 4`);
      const [changed] = await db.query<{ total: string }>(mysqlRowDigestSql(table.name, table.columns));
      assert.notEqual(digestFromSum(changed!.total), sent.digest, `${table.name}: one changed value changes the server's digest`);
    }
  } finally {
    await db.close();
  }
});

test('R3 a MariaDB row too long for the server to hash is read back and digested here, not left out of the sum', async (t) => {
  const name = await emptyMariaDatabase('digest_long');
  t.after(dropMariaDatabases);
  const db = await openMysql(`mysql://root@127.0.0.1:3306/${name}`);
  try {
    const [packet] = await db.query<{ bytes: string }>('SELECT CAST(@@max_allowed_packet AS CHAR) AS bytes');
    const table: Table = { name: 'long_rows', module: 'test', primaryKey: ['id'], indexes: [], foreignKeys: [], columns: [{ name: 'id', type: int32(), nullable: false }, { name: 'body', type: text(), nullable: true }] };
    await db.exec(createMysqlTableSql(table, name, db.capabilities));
    // Half the packet size of backslashes: each escaped doubles, the digest text exceeds the packet.
    await db.query(`INSERT INTO long_rows VALUES (1, 'short'), (2, REPEAT(CHAR(92), ${Math.ceil(Number(packet!.bytes) / 2) + 16}))`);
    const [row] = await db.query<{ n: string; total: string }>(mysqlRowDigestSql(table.name, table.columns));
    assert.equal(Number(row!.n), 2);
    assert.equal(digestOverflowed(row!.total), true);
    const [short] = await db.query<{ total: string }>(mysqlRowDigestSql(table.name, table.columns, '`id` = 1'));
    assert.equal(digestOverflowed(short!.total), false);
    // The reconcile reads such a table back and digests it here instead.
    const expected = digestOf(['1\tshort', `2\t${'\\\\'.repeat(Math.ceil(Number(packet!.bytes) / 2) + 16)}`], 4096, 'crc32');
    assert.deepEqual(await (await mysqlStaged([db])).readBack(table, 0), expected);
  } finally {
    await db.close();
  }
});
