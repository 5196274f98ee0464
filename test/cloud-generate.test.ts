import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentProgress } from '../src/core/progress.js';
import { quoteIdent } from '../src/engine/types.js';
import { initCloud, openCloud, type Cloud, type InitResult } from '../src/platform/cloud.js';
import { cloudTables, cloudTable } from '../src/platform/schema/cloud.js';
import { isAccountTable, tenantJoin } from '../src/platform/schema/tenancy.js';
import { cloudStats } from '../src/platform/stats.js';
import { cleanupDatabases, removeDir, scratchDatabase, tableChecksums, tempDir, treeChecksum } from './helpers.js';

const options = { seed: 7, tenants: 4, size: 8e6 };

describe('reference cloud generator', () => {
  let home: string;
  let generated: InitResult;
  let cloud: Cloud;

  before(async () => {
    home = await tempDir('gen');
    generated = await initCloud(home, { ...options, databaseUrl: scratchDatabase('gen') }, silentProgress);
    cloud = await openCloud(home);
  });

  after(async () => {
    await cloud.db.close();
    await cleanupDatabases();
    await removeDir(home);
  });

  test('the schema has at least 30 tables across the product modules, with composite, foreign and self-referencing keys', () => {
    assert.ok(cloudTables.length >= 30, `${cloudTables.length} tables`);
    const modules = new Set(cloudTables.map((t) => t.module));
    for (const m of ['main', 'intranet', 'crm', 'tasks', 'disk', 'im', 'imconnector', 'imopenlines', 'imbot', 'pull', 'landing', 'voximplant', 'mail', 'rest', 'search']) {
      assert.ok(modules.has(m), `module ${m}`);
    }
    assert.ok(cloudTables.some((t) => t.primaryKey.length > 1), 'a composite primary key');
    assert.ok(cloudTable('b_intranet_department').foreignKeys.some((fk) => fk.refTable === 'b_intranet_department'), 'department tree');
    assert.ok(cloudTable('b_tasks').foreignKeys.some((fk) => fk.refTable === 'b_tasks'), 'subtasks');
    const kinds = new Set(cloudTables.flatMap((t) => t.columns.map((c) => c.type.kind)));
    for (const k of ['int16', 'int32', 'int64', 'numeric', 'varchar', 'text', 'bool', 'timestamp', 'timestamptz', 'date', 'json', 'bytes']) assert.ok(kinds.has(k as never), `type ${k}`);
    assert.ok(cloudTables.some((t) => t.tenant.kind === 'via'), 'a table that reaches its account only through a foreign key');
  });

  test('M4 users of every kind exist in every account, and stats classify them as the generator made them', async () => {
    const stats = await cloudStats(cloud.db);
    assert.equal(stats.accounts.length, options.tenants);
    for (const [i, account] of stats.accounts.entries()) {
      for (const kind of ['employee', 'extranet', 'invited', 'deactivated', 'bot', 'system', 'connector'] as const) {
        assert.ok(account.users[kind] > 0, `${account.address} has ${kind} users`);
      }
      assert.deepEqual(account.users, generated.report.userKinds[i]);
    }
  });

  test('skew: the largest account holds at least ten times the rows of the smallest', async () => {
    const stats = await cloudStats(cloud.db);
    const rows = stats.accounts.map((a) => a.rows).sort((a, b) => a - b);
    assert.ok(rows.at(-1)! >= 10 * rows[0]! * 0.9, `rows per account ${rows.join(', ')}`);
    assert.ok(rows.at(-1)! / rows[0]! < 14, 'and not wildly more');
  });

  test('accounts are interleaved in every large table, row by row and block by block', async () => {
    for (const name of ['b_im_message', 'b_crm_activity', 'b_tasks', 'b_search_content']) {
      const join = tenantJoin(cloudTable(name))!;
      const [switches] = await cloud.db.query<{ changes: string; n: string }>(
        `SELECT count(*) FILTER (WHERE tenant <> prev) AS changes, count(*) AS n FROM (SELECT ${join.tenant} AS tenant, lag(${join.tenant}) OVER (ORDER BY t.id) AS prev FROM ${join.from}) s`,
      );
      assert.ok(Number(switches!.changes) > Number(switches!.n) * 0.3, `${name}: ${switches!.changes} account changes in ${switches!.n} rows`);
      const [blocks] = await cloud.db.query<{ mixed: string; total: string }>(
        `SELECT count(*) FILTER (WHERE accounts > 1) AS mixed, count(*) AS total FROM (SELECT (t.ctid::text::point)[0] AS block, count(DISTINCT ${join.tenant}) AS accounts FROM ${join.from} GROUP BY 1) b`,
      );
      assert.ok(Number(blocks!.mixed) >= Number(blocks!.total) * 0.9, `${name}: ${blocks!.mixed} of ${blocks!.total} heap blocks hold several accounts`);
    }
  });

  test('M10 every secret column carries a canary in every value', async () => {
    let checked = 0;
    for (const table of cloudTables) {
      for (const column of table.secrets) {
        const [row] = await cloud.db.query<{ filled: string; canaries: string }>(
          `SELECT count(${quoteIdent(column)}) AS filled, count(*) FILTER (WHERE ${quoteIdent(column)} LIKE '%CANARY-SECRET-%') AS canaries FROM ${quoteIdent(table.name)}`,
        );
        assert.ok(Number(row!.filled) > 0, `${table.name}.${column} has values`);
        assert.equal(row!.canaries, row!.filled, `${table.name}.${column}: every value holds a canary`);
        checked++;
      }
    }
    assert.ok(checked >= 12, `${checked} secret columns checked`);
  });

  test('text is realistic: tabs, newlines, backslashes, unicode, and empty strings distinct from NULL', async () => {
    const count = async (where: string): Promise<number> =>
      Number((await cloud.db.query<{ n: string }>(`SELECT count(*) AS n FROM b_crm_activity WHERE ${where}`))[0]!.n);
    assert.ok((await count(`description LIKE E'%\\t%'`)) > 0, 'tabs');
    assert.ok((await count(`description LIKE E'%\\n%'`)) > 0, 'newlines');
    assert.ok((await count(`description LIKE E'%\\\\\\\\%'`)) > 0, 'backslashes');
    assert.ok((await count(`description ~ '[äöüßЁ-ё]'`)) > 0, 'unicode');
    assert.ok((await count(`description = ''`)) > 0, 'empty strings');
    assert.ok((await count('description IS NULL')) > 0, 'NULLs');
    const [binary] = await cloud.db.query<{ n: string }>('SELECT count(*) AS n FROM b_file WHERE thumb IS NOT NULL AND length(thumb) > 0');
    assert.ok(Number(binary!.n) > 0, 'binary values');
  });

  test('references never cross accounts: every foreign key between account tables stays inside one account', async () => {
    let checked = 0;
    for (const table of cloudTables.filter(isAccountTable)) {
      const child = tenantJoin(table, 'c')!;
      for (const fk of table.foreignKeys) {
        const target = cloudTable(fk.refTable);
        if (!isAccountTable(target) || fk.columns.length !== 1) continue;
        const parent = tenantJoin(target, 'p')!;
        const [row] = await cloud.db.query<{ n: string; linked: string }>(
          `SELECT count(*) FILTER (WHERE ${child.tenant} <> ${parent.tenant}) AS n, count(*) AS linked FROM ${child.from} JOIN ${parent.from} ON p.${quoteIdent(fk.refColumns[0]!)} = c.${quoteIdent(fk.columns[0]!)}`,
        );
        assert.equal(row!.n, '0', `${table.name}.${fk.columns[0]} -> ${fk.refTable} crosses accounts`);
        if (Number(row!.linked) > 0) checked++;
      }
    }
    assert.ok(checked >= 30, `${checked} foreign keys checked`);
  });

  test('uploaded files exist in the store with the size and SHA-256 the database records', async () => {
    const { createHash } = await import('node:crypto');
    const { readFile } = await import('node:fs/promises');
    const rows = await cloud.db.query<{ host: string; subdir: string; file_name: string; file_size: string; checksum: string }>(
      'SELECT t.address AS host, f.subdir, f.file_name, f.file_size, f.checksum FROM b_file f JOIN cloud_tenant t ON t.id = f.tenant_id',
    );
    assert.ok(rows.length > 10);
    const sizes = new Set<number>();
    for (const row of rows) {
      const content = await readFile(`${cloud.paths.files}/${new URL(row.host).host}/upload/${row.subdir}/${row.file_name}`);
      assert.equal(content.length, Number(row.file_size));
      assert.equal(createHash('sha256').update(content).digest('hex'), row.checksum);
      sizes.add(Math.round(Math.log10(content.length)));
    }
    assert.ok(sizes.size >= 3, 'file sizes span several orders of magnitude');
  });

  test('determinism: the same seed gives byte-identical rows and files, on the server and embedded; another seed does not', async () => {
    const reference = await tableChecksums(cloud.db);
    const referenceFiles = await treeChecksum(cloud.paths.files);

    const again = await tempDir('gen-again');
    const embedded = await tempDir('gen-embedded');
    const other = await tempDir('gen-other');
    try {
      await initCloud(again, { ...options, databaseUrl: scratchDatabase('again') }, silentProgress);
      await initCloud(embedded, options, silentProgress);
      await initCloud(other, { ...options, seed: 8, databaseUrl: scratchDatabase('other') }, silentProgress);
      for (const [dir, same] of [[again, true], [embedded, true], [other, false]] as const) {
        const c = await openCloud(dir);
        try {
          const sums = await tableChecksums(c.db);
          const files = await treeChecksum(c.paths.files);
          if (same) {
            assert.deepEqual(sums, reference, `${c.config.database.engine} cloud rows equal`);
            assert.equal(files, referenceFiles, 'files equal');
          } else {
            assert.notDeepEqual(sums, reference);
            assert.notEqual(files, referenceFiles);
          }
        } finally {
          await c.db.close();
        }
      }
    } finally {
      await Promise.all([again, embedded, other].map(removeDir));
    }
  });
});
