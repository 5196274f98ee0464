import assert from 'node:assert/strict';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { RepatriateError } from '../src/core/errors.js';
import { silentProgress } from '../src/core/progress.js';
import { FileStore } from '../src/platform/filestore.js';
import { initCloud, withCloud } from '../src/platform/cloud.js';
import { listSnapshots, openSnapshot, takeSnapshot } from '../src/platform/snapshot.js';
import { cleanupDatabases, removeDir, scratchDatabase, tableChecksums, tempDir, treeChecksum } from './helpers.js';

const engines = [
  { name: 'PostgreSQL server', database: () => ({ databaseUrl: scratchDatabase('snap') }) },
  { name: 'embedded PGlite', database: () => ({}) },
] as const;

async function firstFile(dir: string): Promise<string> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) return path.join(entry.parentPath, entry.name);
  }
  throw new Error(`no file under ${dir}`);
}

describe('nightly snapshots', () => {
  after(cleanupDatabases);

  for (const engine of engines) {
    test(`M7 later writes never show in an existing snapshot (${engine.name})`, async () => {
      const home = await tempDir('snap');
      try {
        await initCloud(home, { seed: 3, tenants: 2, size: 2e6, ...engine.database() }, silentProgress);
        const liveBefore = await withCloud(home, async (c) => ({ rows: await tableChecksums(c.db), files: await treeChecksum(c.paths.files) }));

        const meta = await takeSnapshot(home, '2026-11-24');
        assert.equal(meta.at, '2026-11-24');
        assert.ok(meta.files.count > 0);

        // Write to the live cloud: rows changed, added and deleted; a file replaced, one deleted, one added.
        await withCloud(home, async (c) => {
          await c.db.exec("UPDATE b_crm_deal SET title = 'changed after the snapshot' WHERE id IN (SELECT id FROM b_crm_deal ORDER BY id LIMIT 5)");
          await c.db.exec("INSERT INTO b_im_message (tenant_id, chat_id, message, date_create) SELECT tenant_id, id, 'new message', now() FROM b_im_chat LIMIT 3");
          await c.db.exec('DELETE FROM b_tasks_checklist_item WHERE id IN (SELECT id FROM b_tasks_checklist_item ORDER BY id LIMIT 3)');
          const replaced = await firstFile(c.paths.files);
          const host = path.relative(c.paths.files, replaced).split(path.sep)[0]!;
          await c.files.write(host, path.relative(c.files.accountDir(host), replaced), [Buffer.from('replaced after the snapshot')]);
          await writeFile(path.join(c.files.accountDir(host), 'added-after-snapshot.txt'), 'new');
          const all = await readdir(c.paths.files, { withFileTypes: true, recursive: true });
          const victim = all.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).find((f) => f !== replaced)!;
          await rm(victim);
        });
        const liveAfter = await withCloud(home, async (c) => ({ rows: await tableChecksums(c.db), files: await treeChecksum(c.paths.files) }));
        assert.notDeepEqual(liveAfter.rows, liveBefore.rows, 'the live cloud did change');
        assert.notEqual(liveAfter.files, liveBefore.files);

        const snapshot = await openSnapshot(home, '2026-11-24');
        try {
          assert.deepEqual(await tableChecksums(snapshot.db), liveBefore.rows, 'snapshot rows are those of the night');
          assert.equal(await treeChecksum(snapshot.filesDir), liveBefore.files, 'snapshot files are those of the night');
          await assert.rejects(snapshot.db.exec("UPDATE b_crm_deal SET title = 'x'"), /read-only/, 'the snapshot refuses writes');
        } finally {
          await snapshot.db.close();
        }

        await assert.rejects(takeSnapshot(home, '2026-11-24'), (e: unknown) => e instanceof RepatriateError && e.code === 'REPAT_SNAPSHOT_EXISTS');
        await takeSnapshot(home, '2026-11-25');
        assert.deepEqual((await listSnapshots(home)).map((s) => s.at), ['2026-11-24', '2026-11-25']);
        await assert.rejects(openSnapshot(home, '2026-11-01'), (e: unknown) => e instanceof RepatriateError && e.code === 'REPAT_SNAPSHOT_MISSING');
      } finally {
        await removeDir(home);
      }
    });
  }

  test('a file store write is atomic: a failed write leaves the old file and no temporary file', async () => {
    const dir = await tempDir('store');
    try {
      const store = new FileStore(dir);
      await store.write('acme.cloud.example', 'disk/a/report.pdf', [Buffer.from('original')]);
      const failing = (function* () {
        yield Buffer.from('partial');
        throw new Error('disk full');
      })();
      await assert.rejects(store.write('acme.cloud.example', 'disk/a/report.pdf', failing), /disk full/);
      const folder = path.join(store.accountDir('acme.cloud.example'), 'disk/a');
      assert.deepEqual(await readdir(folder), ['report.pdf']);
      assert.equal(await treeChecksum(folder), await (async () => {
        const other = await tempDir('store-ref');
        await new FileStore(other).write('x', 'report.pdf', [Buffer.from('original')]);
        const sum = await treeChecksum(path.join(other, 'x', 'upload'));
        await removeDir(other);
        return sum;
      })());
    } finally {
      await removeDir(dir);
    }
  });
});
