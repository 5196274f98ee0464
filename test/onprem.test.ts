import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { findTable, type Schema } from '../src/core/schema.js';
import { createDatabase } from '../src/engine/postgres/admin.js';
import { openPostgres } from '../src/engine/postgres/client.js';
import { createForeignKeysSql, createIndexesSql, createTableSql } from '../src/engine/postgres/ddl.js';
import { releaseMatching, releases, baseModuleVersions, type UpdateStep } from '../src/platform/kernel/releases.js';
import { writeKernelStore } from '../src/platform/kernel/write.js';
import { cloudTables } from '../src/platform/schema/cloud.js';
import { onPremiseSchema, structureDifferences } from '../src/platform/schema/onprem.js';
import { cleanupDatabases, removeDir, scratchDatabase, tempDir } from './helpers.js';

describe('on-premise structure and kernel releases', () => {
  after(cleanupDatabases);
  const schema: Schema = onPremiseSchema();

  test('M9 the on-premise structure has no tenant column and no cloud-only table', () => {
    for (const table of schema.tables) {
      assert.ok(!table.columns.some((c) => c.name === 'tenant_id'), `${table.name} has no tenant column`);
      for (const index of table.indexes) assert.ok(!index.columns.includes('tenant_id'), index.name);
    }
    for (const cloudOnly of cloudTables.filter((t) => t.cloudOnly)) assert.ok(!schema.tables.some((t) => t.name === cloudOnly.name), cloudOnly.name);
    assert.deepEqual(findTable(schema, 'b_option').primaryKey, ['module_id', 'name']);
    assert.deepEqual(findTable(schema, 'b_user').indexes.find((i) => i.unique)?.columns, ['login']);
  });

  test('M9 release 24.1 differs from the cloud: a renamed column, cloud-only tables, a split table, a changed default', () => {
    const kinds = new Set(structureDifferences.map((d) => d.kind));
    for (const kind of ['renameColumn', 'cloudOnlyTable', 'splitTable', 'changeDefault'] as const) assert.ok(kinds.has(kind), kind);
    const deal = findTable(schema, 'b_crm_deal');
    assert.ok(deal.columns.some((c) => c.name === 'begin_date') && !deal.columns.some((c) => c.name === 'begindate'));
    const profile = findTable(schema, 'b_user_profile');
    assert.deepEqual(profile.columns.map((c) => c.name), ['user_id', 'personal_birthday', 'personal_phone', 'personal_city']);
    assert.ok(!findTable(schema, 'b_user').columns.some((c) => c.name === 'personal_phone'));
    assert.deepEqual(findTable(schema, 'b_tasks').columns.find((c) => c.name === 'allow_time_tracking')?.default, { kind: 'literal', value: true });
  });

  test('M9 the on-premise structure of 24.1 and every update step of the feed apply to a real PostgreSQL', async () => {
    const url = scratchDatabase('onprem');
    await createDatabase(url);
    const db = await openPostgres(url);
    try {
      for (const table of schema.tables) await db.exec(createTableSql(table));
      for (const table of schema.tables) for (const sql of [...createIndexesSql(table), ...createForeignKeysSql(table)]) await db.exec(sql);
      const [count] = await db.query<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'");
      assert.equal(Number(count!.n), schema.tables.length);

      // Every step names tables and columns that exist by the time it runs.
      const tables = new Map(schema.tables.map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
      const check = (step: UpdateStep): void => {
        if (step.op === 'createTable') {
          assert.ok(!tables.has(step.table.name));
          tables.set(step.table.name, new Set(step.table.columns.map((c) => c.name)));
          return;
        }
        const table = step.op === 'setOption' ? 'b_option' : step.table;
        assert.ok(tables.has(table), `${step.op} on ${table}`);
        if (step.op === 'addColumn') tables.get(table)!.add(step.column.name);
        if (step.op === 'createIndex') for (const c of step.columns) assert.ok(tables.get(table)!.has(c), c);
        if (step.op === 'updateRows') for (const c of [...Object.keys(step.set), ...Object.keys(step.where)]) assert.ok(tables.get(table)!.has(c), c);
      };
      for (const release of releases) for (const update of release.updates) update.steps.forEach(check);
    } finally {
      await db.close();
    }
  });

  test('P4 the update feed holds two later releases whose module updates change schema and data', async () => {
    const dir = await tempDir('kernel');
    try {
      await writeKernelStore(dir);
      const feed = JSON.parse(await readFile(path.join(dir, 'feed.json'), 'utf8')) as { base: string; releases: { version: string; updates: { steps: UpdateStep[] }[] }[] };
      assert.equal(feed.base, '24.1');
      assert.deepEqual(feed.releases.map((r) => r.version), ['24.2', '24.3']);
      for (const release of feed.releases) {
        const ops = new Set(release.updates.flatMap((u) => u.steps.map((s) => s.op)));
        assert.ok(ops.has('addColumn') || ops.has('createTable'), `${release.version} changes the schema`);
        assert.ok(ops.has('setOption') || ops.has('updateRows'), `${release.version} changes data`);
      }

      for (const release of releases) {
        const manifest = JSON.parse(await readFile(path.join(dir, 'releases', release.version, 'release.json'), 'utf8')) as {
          modules: Record<string, string>;
          files: { path: string; size: number; sha256: string }[];
        };
        assert.deepEqual(manifest.modules, release.modules);
        assert.ok(manifest.files.length > 40);
        for (const file of manifest.files) {
          const content = await readFile(path.join(dir, 'releases', release.version, 'files', file.path));
          assert.equal(content.length, file.size);
          assert.equal(createHash('sha256').update(content).digest('hex'), file.sha256, file.path);
        }
        const version = await readFile(path.join(dir, 'releases', release.version, 'files/bitrix/modules/crm/install/version.php'), 'utf8');
        assert.ok(version.includes(`'VERSION' => '${release.modules['crm']}'`));
      }
      assert.equal(releaseMatching(baseModuleVersions)?.version, '24.1', 'the cloud modules match release 24.1');
      assert.equal(releaseMatching({ ...baseModuleVersions, crm: '0.0.1' }), undefined);
    } finally {
      await removeDir(dir);
    }
  });
});
