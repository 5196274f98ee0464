import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bool, bytes, char, date, int16, int32, int64, json, numeric, text, timestamp, timestamptz, varchar, type Table } from '../src/core/schema.js';
import { RowDigest } from '../src/restore/digest.js';
import { checkValues } from '../src/engine/mysql/check.js';
import { openMysql, type MysqlClient } from '../src/engine/mysql/client.js';
import {
  createDatabaseSql, createForeignKeysSql, foreignKeyCheckSql, createIndexesSql, createTableSql, quoteMy, resetIdentitySql, stagingDatabase, swapSql,
} from '../src/engine/mysql/ddl.js';
import { mysqlField, rewriteEscapes } from '../src/engine/mysql/load.js';

const base = process.env['REPATRIATE_TEST_MYSQL'] ?? 'mysql://root@127.0.0.1:3306/';
let counter = 0;
const scratch = (): string => `repat_t_mysql_${process.pid}_${++counter}`;
const created: string[] = [];
let db: MysqlClient;

before(async () => {
  db = await openMysql(base);
});

after(async () => {
  for (const name of created) await db.exec(`DROP DATABASE IF EXISTS ${quoteMy(name)}`);
  await db.close();
});

async function newDatabase(name = scratch()): Promise<string> {
  created.push(name);
  await db.exec(`DROP DATABASE IF EXISTS ${quoteMy(name)}`);
  await db.exec(createDatabaseSql(name, db.capabilities));
  return name;
}

async function* chunked(text: string, size = 7): AsyncIterable<Uint8Array> {
  // Small chunks split rows, escapes and UTF-8 sequences anywhere.
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(rows: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of rows) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

const sortLines = (textRows: string): string[] => textRows.split('\n').filter((l) => l.length > 0).sort();

const kinds: Table = {
  name: 'kinds',
  module: 'main',
  columns: [
    { name: 'id', type: int64(), nullable: false, identity: true },
    { name: 'small', type: int16(), nullable: false, default: { kind: 'literal', value: 100 } },
    { name: 'medium', type: int32(), nullable: true },
    { name: 'amount', type: numeric(12, 2), nullable: true },
    { name: 'code', type: char(5), nullable: true, default: { kind: 'literal', value: 'EUR' } },
    { name: 'short', type: varchar(5), nullable: true },
    { name: 'body', type: text(), nullable: true },
    { name: 'active', type: bool(), nullable: false, default: { kind: 'literal', value: false } },
    { name: 'born', type: date(), nullable: true },
    { name: 'seen', type: timestamp(), nullable: true },
    { name: 'created', type: timestamptz(), nullable: false, default: { kind: 'now' } },
    { name: 'doc', type: json(), nullable: true },
    { name: 'blob', type: bytes(), nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [{ name: 'ix_kinds_body', columns: ['body'], unique: false }],
  foreignKeys: [],
};

const child: Table = {
  name: 'child',
  module: 'main',
  columns: [
    { name: 'id', type: int32(), nullable: false },
    { name: 'kind_id', type: int64(), nullable: true },
    { name: 'slug', type: varchar(1000), nullable: false },
  ],
  primaryKey: ['id'],
  indexes: [{ name: 'ux_child_slug', columns: ['slug'], unique: true }],
  foreignKeys: [{ name: 'fk_child_kind', columns: ['kind_id'], refTable: 'kinds', refColumns: ['id'], onDelete: 'cascade' }],
};

// COPY text exactly as PostgreSQL writes it (→ TAB): escapes \\ \t \n \r \b \f \v, \N NULL,
// bytea as \\x…, timestamps without trailing fraction zeros, jsonb text.
const kindsRows = [
  ['1', '-32768', '2147483647', '9999999999.99', 'ab   ', 'abcde', 'tab\\there\\nnew\\rcr\\\\back \\\\N literal', 't', '1000-01-01',
    '2019-01-27 16:21:17.63315', '2019-01-27 16:21:17+00', '{"a": [1, 2], "b": "ü😀", "q": "say \\\\"hi\\\\" \\\\\\\\ done"}', '\\\\x005c0a09ff0d'],
  ['2', '32767', '\\N', '-0.01', '\\N', '', '', 'f', '9999-12-31', '9999-12-31 23:59:59.999999', '1970-01-01 00:00:00.000001+00', '\\N', '\\\\x'],
  ['0', '0', '-2147483648', '0.00', 'é😀   ', 'ü😀日本語', 'a\\bb\\fc\\vd', 't', '2000-02-29', '2000-02-29 00:00:00', '2019-01-27 16:21:17.5+00', '[]', '\\N'],
  ['3', '-1', '7', '-9999999999.99', '\\N', 'NULL', 'NULL', 'f', '\\N', '\\N', '2024-02-29 23:59:59.1+00', '{"": null, "x": {"y": 1.50}}', '\\\\x5c5c'],
  ['9223372036854775807', '1', '\\N', '\\N', '     ', ' a b ', '😀 emoji \\\\t not a tab', 't', '1999-12-31', '1999-12-31 23:59:59.000001', '2038-01-19 03:14:08+00', '"\\\\u0000 no"', '\\\\x00'],
];
const kindsText = kindsRows.map((r) => r.join('\t')).join('\n') + '\n';
const childText = '1\t1\tslug-a\n2\t\\N\tslug-a \n3\t0\t' + 'x'.repeat(1000) + '\n';

/** Identity, boolean and UTC timestamps without a bytea: into MariaDB, with the rewrite in place, a LOAD DATA without any SET clause. */
const stamps: Table = {
  name: 'stamps',
  module: 'main',
  columns: [
    { name: 'id', type: int64(), nullable: false, identity: true },
    { name: 'flag', type: bool(), nullable: true },
    { name: 'at', type: timestamptz(), nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [],
  foreignKeys: [],
};
const stampsText = '0\tt\t2019-01-27 16:21:17+00\n7\tf\t\\N\n8\t\\N\t1970-01-01 00:00:00.000001+00\n9\tt\t9999-12-31 23:59:59.999999+00\n';

for (const convertInPlace of [false, true]) test(`B5 MariaDB round trip keeps text, numerics, timestamps, binaries and JSON exact (booleans and UTC timestamps ${convertInPlace ? 'rewritten in place' : 'converted by the server'})`, async () => {
  const database = await newDatabase();
  await db.exec(createTableSql(kinds, database, db.capabilities));
  await db.exec(createTableSql(child, database, db.capabilities));
  await db.exec(createTableSql(stamps, database, db.capabilities));
  const loaded = await db.loadCopyText(database, 'kinds', kinds.columns, chunked(kindsText), { convertInPlace });
  assert.equal(loaded, kindsRows.length);
  assert.equal(await db.loadCopyText(database, 'child', child.columns, chunked(childText, 64), { convertInPlace }), 3);
  assert.equal(await db.loadCopyText(database, 'stamps', stamps.columns, chunked(stampsText, 5), { convertInPlace }), 4);
  // Id 0 stays 0 (NO_AUTO_VALUE_ON_ZERO), the timestamp is the UTC one to the microsecond, NULLs stay NULL.
  const stamped = await db.query<{ id: string; flag: number | null; at: string | null }>(`SELECT CAST(id AS CHAR) AS id, flag, CAST(at AS CHAR) AS at FROM ${quoteMy(database)}.stamps ORDER BY id`);
  assert.deepEqual(
    stamped.map((r) => [r.id, r.flag === null ? null : Number(r.flag), r.at]),
    [['0', 1, '2019-01-27 16:21:17.000000'], ['7', 0, null], ['8', null, '1970-01-01 00:00:00.000001'], ['9', 1, '9999-12-31 23:59:59.999999']],
  );
  assert.deepEqual(sortLines(await collect(db.tableRows(database, 'stamps'))), sortLines(stampsText));

  // Values as MariaDB holds them (not only as they come back).
  const [row] = await db.query<Record<string, unknown>>(
    `SELECT body, HEX(\`blob\`) AS hex, active, created, CHAR_LENGTH(short) AS len, doc FROM ${quoteMy(database)}.kinds WHERE id = 1`,
  );
  assert.equal(row!['body'], 'tab\there\nnew\rcr\\back \\N literal');
  assert.equal(row!['hex'], '005C0A09FF0D');
  assert.equal(Number(row!['active']), 1);
  assert.equal(row!['created'], '2019-01-27 16:21:17.000000');
  const [third] = await db.query<Record<string, unknown>>(`SELECT body, short, code FROM ${quoteMy(database)}.kinds WHERE id = 0`);
  assert.equal(third!['body'], 'a\bb\fc\vd');
  assert.equal(third!['short'], 'ü😀日本語');
  const [empty] = await db.query<Record<string, unknown>>(`SELECT short, code, \`blob\` FROM ${quoteMy(database)}.kinds WHERE id = 2`);
  assert.equal(empty!['short'], '');
  assert.equal(empty!['code'], null);
  assert.deepEqual(empty!['blob'], Buffer.alloc(0));

  // Read back as COPY text: byte for byte the input (order aside).
  assert.deepEqual(sortLines(await collect(db.tableRows(database, 'kinds'))), sortLines(kindsText));
  assert.deepEqual(sortLines(await collect(db.tableRows(database, 'child'))), sortLines(childText));

  // Indexes after the rows: the long unique VARCHAR keeps its full value (hash), 'slug-a' and
  // 'slug-a ' stay two keys as in PostgreSQL; identity moves past the highest id.
  for (const t of [kinds, child]) for (const sql of createIndexesSql(t, database, db.capabilities)) await db.exec(sql);
  for (const sql of createForeignKeysSql(child, database)) await db.exec(sql);
  for (const sql of resetIdentitySql(kinds, database)) {
    const [alter] = await db.query<{ sql: string }>(sql);
    await db.exec(alter!.sql);
  }
  // The highest BIGINT id was loaded: like PostgreSQL's exhausted identity, no next id.
  await assert.rejects(db.exec(`INSERT INTO ${quoteMy(database)}.kinds (small) VALUES (1)`), /out of range|auto-increment/i);
  await assert.rejects(db.exec(`INSERT INTO ${quoteMy(database)}.child (id, slug) VALUES (9, '${'x'.repeat(1000)}')`), /Duplicate/);
  await assert.rejects(db.exec(`INSERT INTO ${quoteMy(database)}.child (id, kind_id, slug) VALUES (10, 77, 'z')`), /foreign key/i);
});

test('B5 R4 MariaDB foreign keys added without checks are proven by one anti-join each: dangling references are counted', async () => {
  const database = await newDatabase();
  await db.exec(createTableSql(kinds, database, db.capabilities));
  await db.exec(createTableSql(child, database, db.capabilities));
  await db.loadCopyText(database, 'child', child.columns, chunked(childText));
  await db.exec('SET SESSION foreign_key_checks = 0');
  for (const sql of createForeignKeysSql(child, database)) await db.exec(sql);
  await db.exec('SET SESSION foreign_key_checks = 1');
  const dangling = async (): Promise<number[]> =>
    Promise.all(foreignKeyCheckSql(child, database).map(async (check) => Number((await db.query<{ n: string }>(check.sql))[0]!.n)));
  // kinds is empty: child rows 1 and 3 point nowhere, row 2's NULL reference is no reference.
  assert.deepEqual(await dangling(), [2]);
  await db.loadCopyText(database, 'kinds', kinds.columns, chunked(kindsText));
  assert.deepEqual(await dangling(), [0]);
});

test('B5 MariaDB identity continues past the highest loaded id', async () => {
  const database = await newDatabase();
  const t: Table = { ...kinds, name: 'ids', indexes: [] };
  await db.exec(createTableSql(t, database, db.capabilities));
  await db.loadCopyText(database, 'ids', t.columns, chunked(kindsRows.slice(0, 4).map((r) => r.join('\t')).join('\n') + '\n'));
  for (const sql of resetIdentitySql(t, database)) {
    const [alter] = await db.query<{ sql: string }>(sql);
    await db.exec(alter!.sql);
  }
  await db.exec(`INSERT INTO ${quoteMy(database)}.ids (small) VALUES (5)`);
  const rows = await db.query<{ id: string; small: number; code: string; active: number; created: string }>(`SELECT id, small, code, active, created FROM ${quoteMy(database)}.ids WHERE small = 5`);
  assert.equal(rows[0]!.id, '4');
  assert.equal(rows[0]!.code, 'EUR');
  assert.equal(Number(rows[0]!.active), 0);
  assert.match(rows[0]!.created, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  // the 0 id loaded as 0 (NO_AUTO_VALUE_ON_ZERO), not as a fresh id
  assert.equal((await db.query(`SELECT id FROM ${quoteMy(database)}.ids WHERE id = 0`)).length, 1);
});

const limits: Table = {
  name: 'limits',
  module: 'main',
  columns: [
    { name: 'id', type: int32(), nullable: false },
    { name: 'd', type: date(), nullable: true },
    { name: 'n', type: numeric(5, 2), nullable: true },
    { name: 'v', type: varchar(5), nullable: true },
    { name: 'ts', type: timestamptz(), nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [],
  foreignKeys: [],
};

test('B5 MariaDB refuses values it cannot hold exactly, naming table, column and row, and loads nothing', async () => {
  const database = await newDatabase();
  await db.exec(createTableSql(limits, database, db.capabilities));
  const good = '1\t2020-01-01\t999.99\tü😀日本語\t2020-01-01 00:00:00+00\n';
  const bad = [
    good,
    '2\t0099-01-01\t1.00\ta\t\\N\n',
    '3\t2020-01-01\t1234.56\ta\t\\N\n',
    '4\t2020-01-01\t1.00\tabcdef\t\\N\n',
    '5\t\\N\tNaN\t\\N\t\\N\n',
    '6\t\\N\t1.001\t\\N\tinfinity\n',
    '7\t10000-01-01\t\\N\t\\N\t0099-01-01 00:00:00+00\n',
  ].join('');

  await assert.rejects(checkValues('limits', limits.columns, chunked(bad)), (error: Error) => {
    assert.match(error.message, /table limits, column d, row 2: '0099-01-01' is outside 1000-01-01\.\.9999-12-31/);
    assert.match(error.message, /table limits, column n, row 3: '1234\.56' has 4 digits before the point; DECIMAL\(5,2\) holds 3/);
    assert.match(error.message, /table limits, column v, row 4: the value is 6 characters long; VARCHAR\(5\) holds 5/);
    assert.match(error.message, /column n, row 5: 'NaN' is a special numeric value/);
    assert.match(error.message, /column n, row 6: '1\.001' has 3 digits after the point/);
    assert.match(error.message, /and 3 more/);
    assert.equal((error as { code?: string }).code, 'REPAT_TARGET_UNSUPPORTED');
    return true;
  });
  await assert.rejects(db.loadCopyText(database, 'limits', limits.columns, chunked(bad)), /table limits, column d, row 2: '0099-01-01'/);
  assert.equal((await db.query(`SELECT id FROM ${quoteMy(database)}.limits`)).length, 0);
  // A table loaded in parts: rows are numbered from the part's first row.
  await assert.rejects(db.loadCopyText(database, 'limits', limits.columns, chunked('8\t\\N\t\\N\tabcdefg\t\\N\n'), { firstRow: 101 }), /column v, row 101/);
  assert.equal((await db.query(`SELECT id FROM ${quoteMy(database)}.limits`)).length, 0);
  assert.equal(await checkValues('limits', limits.columns, chunked(good)), 1);
  assert.equal(await db.loadCopyText(database, 'limits', limits.columns, chunked(good)), 1);
});

test('B5 MariaDB load fails on any warning rather than converting silently', async () => {
  const database = await newDatabase();
  await db.exec(createTableSql(limits, database, db.capabilities));
  // 2020-02-30 passes the range check but is no date: strict mode refuses it, nothing stays.
  await assert.rejects(db.loadCopyText(database, 'limits', limits.columns, chunked('1\t2020-01-01\t\\N\t\\N\t\\N\n2\t2020-02-30\t\\N\t\\N\t\\N\n')), /Incorrect date value|warning/i);
  assert.equal((await db.query(`SELECT id FROM ${quoteMy(database)}.limits`)).length, 0);
  // Columns that claim more than the table holds: the check passes 1.001, MariaDB rounds it
  // with a note, and the note alone fails the load.
  const claimed = limits.columns.map((c) => (c.name === 'n' ? { ...c, type: numeric(6, 3) } : c));
  await assert.rejects(db.loadCopyText(database, 'limits', claimed, chunked('1\t\\N\t1.001\t\\N\t\\N\n')), /raised 1 warning\(s\): Note 1265: Data truncated for column 'n'/);
  assert.equal((await db.query(`SELECT id FROM ${quoteMy(database)}.limits`)).length, 0);
});

test('B5 PostgreSQL-only escapes (\\f \\v \\ooo \\xhh, \\N inside a value) become the bytes PostgreSQL reads', () => {
  const field = (s: string): string => mysqlField(Buffer.from(s, 'latin1')).toString('latin1');
  assert.equal(field('\\N'), '\\N');
  assert.equal(field('a\\Nb'), 'aNb');
  assert.equal(field('\\f\\v\\b'), '\f\v\b');
  assert.equal(field('\\101\\x42\\x4'), 'AB\x04');
  assert.equal(field('\\011\\x5c\\012\\015\\Z'), '\\t\\\\\\n\\rZ');
  assert.equal(field('\\\\x00\\t\\n\\r'), '\\\\x00\\t\\n\\r');
});

test('B5 a segment of COPY text is rewritten exactly as field-by-field mysqlField would, touching only fields with an escape LOAD DATA reads differently', () => {
  const pieces = ['a', 'é', 'xyz', '\\\\', '\\t', '\\n', '\\r', '\\N', '\\f', '\\v', '\\b', '\\101', '\\x4', '\\x4a', '\\Z', '\\\\x00ff', '7', ''];
  let seed = 7;
  const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  const lines: string[] = [];
  for (let l = 0; l < 3000; l++) {
    const fields: string[] = [];
    for (let f = 0, n = 1 + random(5); f < n; f++) fields.push(random(4) === 0 ? '\\N' : Array.from({ length: random(5) }, () => pieces[random(pieces.length)]).join(''));
    lines.push(fields.join('\t'));
  }
  const text = Buffer.from(lines.join('\n') + '\n', 'latin1');
  const expected = Buffer.concat(lines.map((line) => Buffer.concat([...line.split('\t').flatMap((field, i) => [...(i > 0 ? [Buffer.from('\t')] : []), mysqlField(Buffer.from(field, 'latin1'))]), Buffer.from('\n')])));
  const out: Buffer[] = [];
  const size = rewriteEscapes(text, out);
  assert.ok(Buffer.concat(out).equals(expected));
  assert.equal(size, expected.length);
  const plain = Buffer.from('1\t\\\\x00ff\ta\\tb\t\\N\n2\tc\n', 'latin1');
  const untouched: Buffer[] = [];
  rewriteEscapes(plain, untouched);
  assert.equal(untouched.length, 1, 'a segment whose escapes LOAD DATA reads alike passes as one slice');
  assert.equal(untouched[0]!.buffer, plain.buffer);
});

test('B5 MariaDB restore: staging database, one RENAME TABLE swap, reconcile digest equals the archive', async () => {
  const target = await newDatabase();
  const staging = stagingDatabase(target);
  created.push(staging);
  await db.exec(`DROP DATABASE IF EXISTS ${quoteMy(staging)}`);
  await db.exec(createDatabaseSql(staging, db.capabilities));
  const tables = [kinds, child];
  const expected = new Map<string, string>();
  for (const t of tables) await db.exec(createTableSql(t, staging, db.capabilities));
  for (const [t, body] of [[kinds, kindsText], [child, childText]] as const) {
    const digest = new RowDigest();
    digest.update(Buffer.from(body));
    expected.set(t.name, digest.digest());
    await db.loadCopyText(staging, t.name, t.columns, chunked(body, 1024));
  }
  const indexNames = async (): Promise<string[]> =>
    (await db.query<{ name: string }>(`SELECT DISTINCT CONCAT(TABLE_NAME, '.', INDEX_NAME) AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '${staging}' ORDER BY 1`)).map((r) => r.name);
  for (const t of tables) for (const sql of createIndexesSql(t, staging, db.capabilities)) await db.exec(sql);
  const built = await indexNames();
  assert.ok(built.includes('child.fk_child_kind'), 'the index the foreign key needs is built with the other indexes, on the lanes');
  for (const t of tables) for (const sql of createForeignKeysSql(t, staging)) await db.exec(sql);
  assert.deepEqual(await indexNames(), built, 'adding the foreign keys built no index');
  await db.exec(swapSql(tables.map((t) => t.name), staging, target));
  await db.exec(`DROP DATABASE ${quoteMy(staging)}`);

  // reconcile.ts reads through exportRows with the target as the current database.
  await db.exec(`USE ${quoteMy(target)}`);
  for (const t of tables) {
    const digest = new RowDigest();
    for await (const chunk of db.exportRows({ select: '*', table: t.name, where: 'TRUE' })) digest.update(chunk);
    assert.equal(digest.digest(), expected.get(t.name), t.name);
  }
  // The foreign key moved with the tables.
  await assert.rejects(db.exec(`INSERT INTO child (id, kind_id, slug) VALUES (10, 77, 'z')`), /foreign key/i);
  await db.exec(`DELETE FROM kinds WHERE id = 1`);
  assert.equal((await db.query('SELECT id FROM child WHERE kind_id = 1')).length, 0);
});
