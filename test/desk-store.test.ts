import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { migrations } from '../src/workflow/store/migrations.js';
import { openDeskStore } from '../src/workflow/store/store.js';
import { appendAudit, listAudit } from '../src/workflow/audit.js';
import { canMove, requestStates, transition } from '../src/workflow/states.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errorCodes, RepatriateError, type ErrorCode } from '../src/core/errors.js';
import { cleanupStores, scratchStore, storeKinds } from './desk-helpers.js';
import { root } from './helpers.js';

after(cleanupStores);

for (const kind of storeKinds) {
  describe(`desk store on ${kind}`, () => {
    test('M13 versioned migrations run once, in order, and again find nothing to do', async () => {
      const location = await scratchStore(kind, 'mig');
      const store = await openDeskStore(location);
      const versions = await store.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(versions.map((v) => v.version), migrations.map((m) => m.version));
      await store.close();
      const again = await openDeskStore(location);
      const count = await again.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
      assert.equal(Number(count[0]!.n), migrations.length, 'reopening applies nothing twice');
      await again.close();
    });

    test('M13 the audit trail is append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
      const store = await openDeskStore(await scratchStore(kind, 'audit'));
      try {
        await store.transaction((sql) => appendAudit(sql, new Date('2026-11-25T10:00:00Z'), { actor: 'cli:test', action: 'test.write', subject: 'x:1', details: { a: 1 } }));
        await assert.rejects(store.query("UPDATE audit SET actor = 'someone else'"), /append-only/);
        await assert.rejects(store.query('DELETE FROM audit'), /append-only/);
        await assert.rejects(store.query('TRUNCATE audit'), /append-only/);
        const rows = await store.transaction((sql) => listAudit(sql));
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.actor, 'cli:test');
        assert.deepEqual(rows[0]!.details, { a: 1 });
        assert.equal(rows[0]!.at, '2026-11-25T10:00:00.000Z');
      } finally {
        await store.close();
      }
    });

    test('M13 a failed unit of work leaves nothing behind (transaction rollback)', async () => {
      const store = await openDeskStore(await scratchStore(kind, 'tx'));
      try {
        await assert.rejects(store.transaction(async (sql) => {
          await appendAudit(sql, new Date(), { actor: 'cli:test', action: 'half', subject: 'x:1' });
          throw new Error('boom');
        }), /boom/);
        const rows = await store.query('SELECT * FROM audit');
        assert.equal(rows.length, 0);
        // Concurrent units of work run one after another on the one connection.
        await Promise.all([1, 2, 3, 4].map((i) => store.transaction((sql) => appendAudit(sql, new Date(), { actor: 'cli:test', action: `p${i}`, subject: 'x:1' }))));
        assert.equal((await store.query('SELECT * FROM audit')).length, 4);
      } finally {
        await store.close();
      }
    });
  });
}

describe('request state machine', () => {
  test('M13 every legal move passes and every other move is refused with the states named', () => {
    const legal = [
      ['draft', 'submitted'], ['submitted', 'checks'], ['submitted', 'rejected'], ['checks', 'approved'], ['checks', 'rejected'],
      ['approved', 'scheduled'], ['approved', 'rejected'], ['scheduled', 'scheduled'], ['scheduled', 'frozen'], ['scheduled', 'rejected'],
      ['frozen', 'building'], ['building', 'ready'], ['building', 'failed'], ['failed', 'building'], ['ready', 'downloaded'], ['ready', 'expired'], ['downloaded', 'expired'], ['expired', 'purged'],
    ];
    const allowed = new Set(legal.map(([a, b]) => `${a}>${b}`));
    let refused = 0;
    for (const from of requestStates) {
      for (const to of requestStates) {
        if (allowed.has(`${from}>${to}`)) {
          assert.equal(transition(from, to), to);
          assert.ok(canMove(from, to));
        } else {
          assert.throws(() => transition(from, to), (e: unknown) => e instanceof RepatriateError && e.code === 'REPAT_DESK_STATE' && e.message.includes(from) && e.message.includes(to));
          refused++;
        }
      }
    }
    assert.equal(refused, requestStates.length ** 2 - legal.length);
  });
});

describe('desk error codes', () => {
  test('M13 every desk error code has its own exit code (30–39) and docs/errors.md documents it', () => {
    const documented = new Map<string, number>();
    for (const line of readFileSync(path.join(root, 'docs/errors.md'), 'utf8').split('\n')) {
      const row = /^\|\s*(\d+)\s*\|\s*`(REPAT_[A-Z_]+)`\s*\|/.exec(line);
      if (row) documented.set(row[2]!, Number(row[1]));
    }
    // The builds' codes (issue 7) have their own range, 50–59, checked in desk-builds.test.ts.
    const desk = (Object.keys(errorCodes) as ErrorCode[]).filter((c) => (c.startsWith('REPAT_DESK_') || c === 'REPAT_LICENSE_UNREGISTERED' || c === 'REPAT_SIGNATURE_INVALID') && errorCodes[c].exit < 50);
    assert.equal(desk.length, 9);
    for (const code of desk) {
      assert.ok(errorCodes[code].exit >= 30 && errorCodes[code].exit <= 39, `${code} exits in 30–39`);
      assert.equal(documented.get(code), errorCodes[code].exit, `docs/errors.md documents ${code}`);
    }
  });
});
