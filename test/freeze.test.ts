import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { silentProgress } from '../src/core/progress.js';
import { initCloud, withCloud } from '../src/platform/cloud.js';
import { setAccountState } from '../src/platform/freeze.js';
import { cleanupDatabases, removeDir, runCli, scratchDatabase, tempDir } from './helpers.js';

/** Runs SQL through the real psql client, as an operator or a rogue script would. */
function psql(url: string, sql: string): { ok: boolean; output: string } {
  const result = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-X', '-q', '-c', sql], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

// One write of each kind per table: a tenant column, a one-hop and a two-hop foreign-key path.
const writes = (account: number): string[] => [
  `UPDATE b_crm_deal SET title = 'edited' WHERE tenant_id = ${account}`,
  `INSERT INTO b_crm_deal (tenant_id, title, stage_id, date_create, date_modify) VALUES (${account}, 'new deal', 'NEW', now(), now())`,
  `DELETE FROM b_im_message WHERE id = (SELECT min(id) FROM b_im_message WHERE tenant_id = ${account})`,
  `UPDATE b_user_group SET date_active_to = now() WHERE user_id IN (SELECT id FROM b_user WHERE tenant_id = ${account})`,
  `DELETE FROM b_landing_block WHERE lid IN (SELECT l.id FROM b_landing l JOIN b_landing_site s ON s.id = l.site_id WHERE s.tenant_id = ${account})`,
  `UPDATE b_option SET value = 'x' WHERE tenant_id = ${account} AND module_id = 'main' AND name = 'site_name'`,
];

describe('freeze', () => {
  let home: string;
  let url: string;

  before(async () => {
    home = await tempDir('freeze');
    url = scratchDatabase('freeze');
    await initCloud(home, { seed: 5, tenants: 2, size: 2e6, databaseUrl: url }, silentProgress);
  });

  after(async () => {
    await cleanupDatabases();
    await removeDir(home);
  });

  test('M7 a frozen account refuses every write in plain SQL, enforced by the database; other accounts keep working', async () => {
    const frozen = await runCli(['cloud', 'freeze', '--account', 'https://acme.cloud.example', '--json'], home);
    assert.equal(frozen.code, 0, frozen.stderr);
    assert.equal(JSON.parse(frozen.stdout).status, 'frozen');

    for (const sql of writes(1)) {
      const result = psql(url, sql);
      assert.equal(result.ok, false, `refused: ${sql}`);
      assert.match(result.output, /RP001/);
      assert.match(result.output, /account 1 is frozen for migration/);
    }
    for (const sql of writes(2)) {
      const result = psql(url, sql);
      assert.equal(result.ok, true, `${sql}\n${result.output}`);
    }

    const thawed = await runCli(['cloud', 'unfreeze', '--account', 'https://acme.cloud.example'], home);
    assert.equal(thawed.code, 0, thawed.stderr);
    for (const sql of writes(1)) assert.equal(psql(url, sql).ok, true, sql);
  });

  test('M7 the embedded cloud enforces the freeze the same way', async () => {
    const embedded = await tempDir('freeze-embedded');
    try {
      await initCloud(embedded, { seed: 5, tenants: 2, size: 1e6 }, silentProgress);
      await withCloud(embedded, async (c) => {
        await setAccountState(c.db, 'https://globex.cloud.example', 'frozen');
        for (const sql of writes(2)) await assert.rejects(c.db.exec(sql), /account 2 is frozen for migration/, sql);
        for (const sql of writes(1)) await c.db.exec(sql);
      });
    } finally {
      await removeDir(embedded);
    }
  });

  test('freezing an unknown account fails with a clear message and exit code 4', async () => {
    const result = await runCli(['cloud', 'freeze', '--account', 'https://nobody.cloud.example'], home);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /repatriate: error: no account https:\/\/nobody\.cloud\.example/);
    assert.match(result.stderr, /hint: /);
  });
});
