import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { int32, text, type Column } from '../src/core/schema.js';
import { Sum64 } from '../src/core/sum64.js';
import { createDatabase } from '../src/engine/postgres/admin.js';
import { openPostgres } from '../src/engine/postgres/client.js';
import { CopyOutReader } from '../src/engine/postgres/copy-out.js';
import { recordHashSumSql } from '../src/engine/postgres/record-hash.js';
import type { SqlClient } from '../src/engine/types.js';
import { digestFromSum } from '../src/restore/digest.js';
import { cleanupDatabases, scratchDatabase } from './helpers.js';

const run = promisify(execFile);

// Rows of every size: most short, some with escapes, every 997th far larger than a socket read (64 KiB), so messages split between reads.
const columns: readonly Column[] = [
  { name: 'id', type: int32(), nullable: false },
  { name: 'short', type: text(), nullable: true },
  { name: 'big', type: text(), nullable: true },
];
const fill = `CREATE TABLE wide (id int4 PRIMARY KEY, short text, big text);
INSERT INTO wide SELECT i, CASE WHEN i % 5 = 0 THEN NULL WHEN i % 3 = 0 THEN E'tab\\there\\nline ' || i ELSE repeat(md5(i::text), i % 9) END,
  CASE WHEN i % 997 = 0 THEN repeat(md5(i::text), 2000 + i % 3000) END FROM generate_series(1, 60000) i;`;
const rowsSql = 'SELECT t.id AS id, t.short AS short, t.big AS big FROM wide t';

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer[]> {
  const all: Buffer[] = [];
  for await (const chunk of chunks) all.push(Buffer.from(chunk));
  return all;
}

async function withWideTable(t: { after(fn: () => Promise<void>): void }): Promise<{ url: string; db: SqlClient }> {
  const url = scratchDatabase('copy-out');
  t.after(cleanupDatabases);
  await createDatabase(url);
  const db = await openPostgres(url);
  t.after(() => db.close());
  await db.exec(fill);
  return { url, db };
}

test("M9 a COPY read off the connection equals psql's COPY output byte for byte, rows larger than a socket read included, in chunks of whole rows", async (t) => {
  const { url, db } = await withWideTable(t);
  const chunks = await collect(db.copyOut(`${rowsSql} ORDER BY id`));
  const { stdout } = await run('psql', ['-X', '-q', '-d', url, '-c', `COPY (${rowsSql} ORDER BY id) TO STDOUT`], { encoding: 'buffer', maxBuffer: 1 << 30 });
  assert.ok(stdout.length > 10 * 1024 * 1024, `the table is larger than a few socket reads (${stdout.length} bytes)`);
  assert.ok(Buffer.concat(chunks).equals(stdout), 'the same bytes as psql');
  assert.ok(chunks.length > 1, 'the rows come in more than one chunk');
  assert.ok(chunks.every((c) => c.at(-1) === 10), 'every chunk ends at a row end');
});

test('M9 rows exported with record hashes are the plain rows, and their hashes sum to what the server computes of the table', async (t) => {
  const { db } = await withWideTable(t);
  const query = { select: 't.id AS id, t.short AS short, t.big AS big', table: 'wide', where: 'TRUE' };
  const sum = new Sum64();
  const data: Buffer[] = [];
  let hashed = 0;
  for await (const chunk of db.exportRowsWithHash!(query, columns)) {
    data.push(Buffer.from(chunk.data));
    for (let i = 0; i < chunk.hashes.length; i += 2) sum.add(chunk.hashes[i]!, chunk.hashes[i + 1]!);
    hashed += chunk.hashes.length / 2;
  }
  assert.ok(Buffer.concat(data).equals(Buffer.concat(await collect(db.exportRows(query)))), 'without their hashes, the rows are the plain export');
  assert.equal(hashed, 60000, 'one hash per row');
  const [server] = await db.query<{ rows: string; sum: string }>(recordHashSumSql('wide', columns));
  assert.equal(sum.hex(), digestFromSum(server!.sum));
});

test("M9 a COPY that fails midway rejects with the server's message, and the connection answers the next query", async (t) => {
  const { db } = await withWideTable(t);
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of db.copyOut('SELECT i, 1 / (i - 150000) FROM generate_series(1, 200000) i')) seen.push(chunk.length);
    })(),
    /division by zero/,
  );
  assert.ok(seen.length > 0, 'rows came before the failure');
  assert.deepEqual(await db.query('SELECT 42 AS answer'), [{ answer: 42 }]);
});

test('M9 a reader that stops after its first rows leaves the connection usable for the next COPY', async (t) => {
  const { db } = await withWideTable(t);
  for await (const chunk of db.copyOut(`${rowsSql} ORDER BY id`)) {
    assert.ok(chunk.length > 0);
    break;
  }
  assert.deepEqual(await db.query('SELECT count(*)::int AS rows FROM wide'), [{ rows: 60000 }]);
  const again = Buffer.concat(await collect(db.copyOut('SELECT id FROM wide ORDER BY id LIMIT 3')));
  assert.equal(again.toString(), '1\n2\n3\n');
});

test('M9 a row without a record hash stops the export with a clear message, and the connection stays usable', async (t) => {
  const url = scratchDatabase('copy-out-bad');
  await createDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Hooks run in the order they are added: the connection ends before its database is dropped.
  t.after(() => client.end());
  t.after(cleanupDatabases);
  const reader = client.query(new CopyOutReader("COPY (SELECT i, 'no hash here' FROM generate_series(1, 50000) i) TO STDOUT", true));
  await assert.rejects(collect(reader as AsyncIterable<Uint8Array>), /an exported row has no record hash after its values/);
  const { rows } = await client.query<{ answer: number }>('SELECT 42 AS answer');
  assert.deepEqual(rows, [{ answer: 42 }]);
});
