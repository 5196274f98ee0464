import assert from 'node:assert/strict';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Db } from '../src/postmigrate/db.js';
import { taskStatus } from '../src/postmigrate/checklist.js';
import { openInstallation } from '../src/postmigrate/installation.js';
import type { TaskId, TaskStatus } from '../src/postmigrate/tasks.js';
import { redeemResetLink } from '../src/postmigrate/passwords.js';
import { feedPath } from '../src/postmigrate/updates.js';
import { openSnapshot } from '../src/platform/snapshot.js';
import { buildOnpremApp } from '../src/server/onprem/app.js';
import { openTarget, parseTarget } from '../src/restore/target.js';
import { buildArchive, night, restoreInstallation, type ArchiveFixture, type Installation } from './onprem-assistant-fixture.js';
import { cleanupDatabases, dropMariaDatabases, removeDir, runCli } from './helpers.js';
import { startSmtpCatcher, type SmtpCatcher } from './smtp.js';

/**
 * The assistant on real restored installations (PostgreSQL and MariaDB, the embedded engine for
 * the core path): the checklist, P1 passwords and sign-in, P2 wizard, P3 search, P4 updates,
 * P5 public address — through the built CLI and the HTTP API.
 */
const newAddress = 'https://intranet.globex.example';
const adminToken = 'test-admin-token-0123456789';

let f: ArchiveFixture;

before(async () => {
  f = await buildArchive('onprem-a');
});

after(async () => {
  await cleanupDatabases();
  await dropMariaDatabases();
  await removeDir(f.home);
});

async function withDb<T>(inst: Installation, work: (db: Db) => Promise<T>): Promise<T> {
  const staged = await openTarget(parseTarget(inst.db));
  const db = new Db(staged.client);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

async function onprem(inst: Installation, args: string[]): Promise<{ code: number; json: any; stderr: string }> {
  const result = await runCli(['onprem', ...args, '--db', inst.db, '--data-dir', inst.dataDir, '--json'], f.home);
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    json = undefined;
  }
  return { code: result.code, json, stderr: result.stderr };
}

/** One task's state, checked in-process (the CLI's `onprem <task> status` prints the same). */
async function taskState(inst: Installation, id: TaskId): Promise<TaskStatus> {
  const opened = await openInstallation({ db: inst.db, dataDir: inst.dataDir });
  try {
    return await taskStatus(opened, id);
  } finally {
    await opened.db.close();
  }
}

function stateOf(list: { tasks: { id: string; state: string; why: string }[] }, id: string): { state: string; why: string } {
  const task = list.tasks.find((t) => t.id === id);
  assert.ok(task, `status lists ${id}`);
  return task;
}

for (const engine of ['postgres', 'mysql'] as const) {
  describe(`assistant on ${engine === 'mysql' ? 'MariaDB' : 'PostgreSQL'}`, () => {
    let inst: Installation;
    let smtp: SmtpCatcher;

    /** The API on the same installation, for the checks that need no separate process. */
    const api = async (task: string, action: string, payload: Record<string, unknown> = {}): Promise<any> => {
      const app = await buildOnpremApp({ db: inst.db, dataDir: inst.dataDir, adminToken });
      try {
        const response = await app.inject({ method: 'POST', url: `/api/onprem/tasks/${task}/${action}`, headers: { authorization: `Bearer ${adminToken}` }, payload });
        assert.equal(response.statusCode, 200, response.body);
        return response.json();
      } finally {
        await app.close();
      }
    };

    before(async () => {
      inst = await restoreInstallation(f, engine, `onprem-${engine}`);
      smtp = await startSmtpCatcher();
    });

    after(async () => {
      await smtp.close();
    });

    test('P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 R5 onprem status lists every task by its ID with a state and why, from the real data', async () => {
      const result = await onprem(inst, ['status']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.json.tasks.map((t: { id: string }) => t.id), ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9', 'R5', 'P10', 'P11']);
      for (const t of result.json.tasks) {
        assert.ok(['todo', 'done', 'blocked'].includes(t.state), `${t.id} has a state`);
        assert.ok(t.why.length > 10, `${t.id} says why`);
      }
      assert.match(stateOf(result.json, 'P1').why, /^6 of 6 active users have no password/);
      assert.equal(stateOf(result.json, 'P2').state, 'done');
      assert.match(stateOf(result.json, 'P3').why, /search index is empty/);
      assert.match(stateOf(result.json, 'P4').why, /4 module updates are pending/);
      assert.match(stateOf(result.json, 'P5').why, /3 options .* still hold the cloud address https:\/\/globex\.cloud\.example/);
      assert.equal(stateOf(result.json, 'R5').state, 'todo');
      assert.match(stateOf(result.json, 'R5').why, /self-signed/);
      assert.equal(stateOf(result.json, 'P10').state, 'blocked');
      assert.match(stateOf(result.json, 'P10').why, /no trusted certificate/);
      assert.match(stateOf(result.json, 'P11').why, /1 of 1 marketplace apps/);
    });

    test('P1 P2 bad input: an unknown task (CLI exit 41, API 404), a missing token (401) and a folder that is no installation (exit 40) are refused with a hint; the API documents itself', async () => {
      const result = await onprem(inst, ['P12']);
      assert.equal(result.code, 41);
      assert.equal(result.json.error.code, 'REPAT_ONPREM_TASK_UNKNOWN');
      assert.match(result.json.error.hint, /P1, P2/);
      const app = await buildOnpremApp({ db: inst.db, dataDir: inst.dataDir, adminToken });
      try {
        const unknown = await app.inject({ method: 'POST', url: '/api/onprem/tasks/P12/run', headers: { authorization: `Bearer ${adminToken}` }, payload: {} });
        assert.equal(unknown.statusCode, 404);
        assert.equal(unknown.json().error.code, 'REPAT_ONPREM_TASK_UNKNOWN');
        const noToken = await app.inject({ method: 'GET', url: '/api/onprem/status' });
        assert.equal(noToken.statusCode, 401, 'the task routes need the administrator token');
        const wrongToken = await app.inject({ method: 'GET', url: '/api/onprem/status', headers: { authorization: 'Bearer guess' } });
        assert.equal(wrongToken.statusCode, 401);
        const openapi = await app.inject({ method: 'GET', url: '/api/onprem/openapi.json' });
        assert.equal(openapi.statusCode, 200);
        const paths = openapi.json().paths;
        assert.ok(paths['/api/onprem/sign-in'].post.requestBody && paths['/api/onprem/tasks/{id}/{action}'].post.responses['404'], 'every route documents its request and responses');
      } finally {
        await app.close();
      }
      const notRestored = await runCli(['onprem', 'status', '--db', inst.db, '--data-dir', path.join(f.home, 'not-an-installation'), '--json'], f.home);
      assert.equal(notRestored.code, 40);
      assert.match(JSON.parse(notRestored.stdout).error.message, /is not a restored installation/);
      assert.match(JSON.parse(notRestored.stdout).error.hint, /restore/);
    });

    test('P5 a wrong old address is refused and changes nothing; then imconnector, imopenlines and imbot get the new address, before → after, and the other places are listed', async () => {
      const optionsBefore = await withDb(inst, (db) => db.query("SELECT module_id, name, value FROM b_option ORDER BY module_id, name"));
      const wrong = await onprem(inst, ['P5', 'set', '--to', newAddress, '--from', 'https://other.cloud.example']);
      assert.equal(wrong.code, 45);
      assert.equal(wrong.json.error.code, 'REPAT_ONPREM_ADDRESS_MISMATCH');
      assert.ok(wrong.json.error.hint);
      assert.deepEqual(await withDb(inst, (db) => db.query("SELECT module_id, name, value FROM b_option ORDER BY module_id, name")), optionsBefore);

      const result = await onprem(inst, ['P5', 'set', '--to', newAddress]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(
        result.json.changes.map((c: { module: string; name: string; before: string; after: string }) => `${c.module}.${c.name} ${c.before} -> ${c.after}`),
        ['imbot.portal_url', 'imconnector.uri_client', 'imopenlines.portal_url'].map((o) => `${o} https://globex.cloud.example -> ${newAddress}`),
      );
      const stored = await withDb(inst, (db) => db.query<{ module_id: string; value: string }>("SELECT module_id, value FROM b_option WHERE module_id IN ('imconnector', 'imopenlines', 'imbot')"));
      assert.ok(stored.length >= 3 && stored.every((o) => !o.value?.includes('globex.cloud.example')));
      const places = result.json.remaining.map((p: { table: string; column: string }) => `${p.table}.${p.column}`);
      assert.ok(places.includes('b_option.value'), 'main.server_name and others still name the cloud host');
      assert.ok(places.includes('b_landing_block.content'), 'landing pages link to the cloud address');
      const option = result.json.remaining.find((p: { table: string }) => p.table === 'b_option');
      assert.ok(option.examples.includes('main.server_name') && option.examples.includes('intranet.portal_url'));
      const status = { json: await taskState(inst, 'P5') };
      assert.equal(status.json.state, 'done');
    });

    test('P9 P1 every active user gets a single-use reset link by SMTP; after the reset sign-in works, the link works once, the old cloud hash never existed here', async () => {
      const people = await withDb(inst, (db) => db.query<{ login: string; email: string; password: string }>('SELECT login, email, password FROM b_user WHERE active = TRUE AND external_auth_id IS NULL ORDER BY id'));
      assert.ok(people.length >= 4);
      const snapshot = await openSnapshot(f.home, night);
      let cloudHashes: string[];
      try {
        cloudHashes = (await snapshot.db.query<{ password: string }>('SELECT password FROM b_user WHERE tenant_id = 2')).map((r) => r.password);
      } finally {
        await snapshot.db.close();
      }
      assert.ok(cloudHashes.every((h) => h.startsWith('$6$')), 'the cloud had crypt hashes');
      const allPasswords = await withDb(inst, (db) => db.query<{ password: string }>('SELECT password FROM b_user'));
      assert.ok(allPasswords.every((r) => r.password === ''), 'no user has a password after the restore');
      assert.ok(!allPasswords.some((r) => cloudHashes.includes(r.password)));

      const blocked = await onprem(inst, ['P1', 'send']);
      assert.equal(blocked.code, 42, 'sending needs the SMTP server of P9 first');
      assert.match(blocked.json.error.hint, /P9 configure/);

      const configured = await onprem(inst, ['P9', 'configure', '--smtp', smtp.url, '--from', 'noreply@intranet.globex.example']);
      assert.equal(configured.code, 0, configured.stderr);
      const sent = await onprem(inst, ['P1', 'send']);
      assert.equal(sent.code, 0, sent.stderr);
      assert.deepEqual(sent.json.sent.map((s: { login: string }) => s.login).sort(), people.map((p) => p.login).sort());
      const admin = people.find((p) => p.login.startsWith('admin@'))!;
      const mail = await smtp.waitFor((m) => m.to.includes(admin.email));
      assert.equal(mail.from, 'noreply@intranet.globex.example');
      const link = /https:\/\/intranet\.globex\.example\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
      assert.ok(link, mail.text);
      const token = link[1]!;
      const stored = await withDb(inst, (db) => db.query<{ token_hash: string }>('SELECT token_hash FROM b_repatriate_password_reset'));
      assert.ok(stored.length === people.length && stored.every((r) => r.token_hash !== token && /^[0-9a-f]{64}$/.test(r.token_hash)), 'only hashes of the tokens are stored');

      const app = await buildOnpremApp({ db: inst.db, dataDir: inst.dataDir, adminToken });
      try {
        const before = await app.inject({ method: 'POST', url: '/api/onprem/sign-in', payload: { login: admin.login, password: 'new password 12345' } });
        assert.equal(before.statusCode, 401, 'nobody signs in before setting a password');
        const reset = await app.inject({ method: 'POST', url: '/api/onprem/password-reset', payload: { token, password: 'new password 12345' } });
        assert.equal(reset.statusCode, 200, reset.body);
        assert.equal(reset.json().login, admin.login);
        const again = await app.inject({ method: 'POST', url: '/api/onprem/password-reset', payload: { token, password: 'another password 678' } });
        assert.equal(again.statusCode, 410);
        assert.match(again.json().error.message, /used already/);
        const signedIn = await app.inject({ method: 'POST', url: '/api/onprem/sign-in', payload: { login: admin.login, password: 'new password 12345' } });
        assert.equal(signedIn.statusCode, 200, signedIn.body);
        assert.deepEqual(Object.keys(signedIn.json()).sort(), ['login', 'userId'], 'the answer carries no hash');
        const wrong = await app.inject({ method: 'POST', url: '/api/onprem/sign-in', payload: { login: admin.login, password: 'new password 1234X' } });
        assert.equal(wrong.statusCode, 401);
        assert.ok(!wrong.body.includes('argon2'));
        const unknownUser = await app.inject({ method: 'POST', url: '/api/onprem/sign-in', payload: { login: 'nobody@example.org', password: 'whatever 123' } });
        assert.deepEqual(unknownUser.json(), wrong.json(), 'an unknown login and a wrong password get the same answer');
      } finally {
        await app.close();
      }
      const hash = await withDb(inst, (db) => db.one<{ password: string }>('SELECT password FROM b_user WHERE login = ?', [admin.login]));
      assert.match(hash!.password, /^\$argon2id\$/);
      assert.ok(!cloudHashes.includes(hash!.password));
      const status = { json: await taskState(inst, 'P1') };
      assert.match(status.json.why, new RegExp(`^${people.length - 1} of ${people.length} active users have no password yet; ${people.length - 1} reset links`));
    });

    test('P1 an expired reset link is refused (injected clock), and an administrator can set a password by hand', async () => {
      const other = (await withDb(inst, (db) => db.query<{ login: string; email: string }>("SELECT login, email FROM b_user WHERE active = TRUE AND external_auth_id IS NULL AND login NOT LIKE 'admin@%' ORDER BY id")))[0]!;
      const mail = await smtp.waitFor((m) => m.to.includes(other.email));
      const token = /token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
      const later = new Date(Date.now() + 49 * 3600_000);
      const app = await buildOnpremApp({ db: inst.db, dataDir: inst.dataDir, adminToken, clock: () => later });
      try {
        const expired = await app.inject({ method: 'POST', url: '/api/onprem/password-reset', payload: { token, password: 'late password 12345' } });
        assert.equal(expired.statusCode, 410);
        assert.match(expired.json().error.message, /expired/);
        assert.ok(expired.json().error.hint);
        const signIn = await app.inject({ method: 'POST', url: '/api/onprem/sign-in', payload: { login: other.login, password: 'late password 12345' } });
        assert.equal(signIn.statusCode, 401, 'the expired link set nothing');
        const short = await app.inject({ method: 'POST', url: '/api/onprem/password-reset', payload: { token: 'x'.repeat(43), password: 'short' } });
        assert.equal(short.statusCode, 400);
      } finally {
        await app.close();
      }
      const early = await openInstallation({ db: inst.db, dataDir: inst.dataDir, clock: () => new Date(Date.now() + 47 * 3600_000) });
      try {
        assert.equal((await redeemResetLink(early, token, 'in time password 1')).login, other.login, 'the same link works before it expires');
      } finally {
        await early.db.close();
      }

      const passwordFile = path.join(f.home, `pw-${engine}.txt`);
      await writeFile(passwordFile, 'set by the admin 42\n');
      const third = (await withDb(inst, (db) => db.query<{ login: string }>("SELECT login FROM b_user WHERE active = TRUE AND external_auth_id IS NULL AND password = '' ORDER BY id")))[0]!;
      const set = await onprem(inst, ['P1', 'set-password', '--login', third.login, '--password-file', passwordFile]);
      assert.equal(set.code, 0, set.stderr);
      const bot = await onprem(inst, ['P1', 'set-password', '--login', 'bot_marta', '--password-file', passwordFile]);
      assert.equal(bot.code, 41, 'bots cannot get a password');
      const app2 = await buildOnpremApp({ db: inst.db, dataDir: inst.dataDir, adminToken });
      try {
        const ok = await app2.inject({ method: 'POST', url: '/api/onprem/sign-in', payload: { login: third.login, password: 'set by the admin 42' } });
        assert.equal(ok.statusCode, 200, ok.body);
      } finally {
        await app2.close();
      }
    });

    test('P2 the wizard finds the administrator without group membership and a deactivated group, repairs both, and a second run changes nothing', async () => {
      await withDb(inst, async (db) => {
        await db.query("DELETE FROM b_user_group WHERE group_id = (SELECT id FROM b_group WHERE string_id = 'ADMIN')");
        await db.query("UPDATE b_group SET active = FALSE WHERE string_id = 'EMPLOYEES'");
      });
      const broken = await onprem(inst, ['P2', 'status']);
      assert.equal(broken.json.state, 'todo');
      assert.match(broken.json.why, /EMPLOYEES group is deactivated.*no active user is in the ADMIN group \(the account owner is admin@globex/);
      const repaired = await onprem(inst, ['P2', 'repair']);
      assert.equal(repaired.code, 0, repaired.stderr);
      assert.equal(repaired.json.repaired.length, 2);
      assert.deepEqual(repaired.json.administrators.map((a: { login: string }) => a.login), ['admin@globex.cloud.example']);
      const rows = async (): Promise<unknown> => withDb(inst, async (db) => ({
        groups: await db.query('SELECT id, string_id, active FROM b_group ORDER BY id'),
        members: await db.query('SELECT user_id, group_id FROM b_user_group ORDER BY user_id, group_id'),
      }));
      const afterFirst = await rows();
      const second = await api('P2', 'repair');
      assert.deepEqual(second.repaired, []);
      assert.deepEqual(await rows(), afterFirst, 'idempotent: the second run changed nothing');
      assert.equal((await taskState(inst, 'P2')).state, 'done');

      await withDb(inst, (db) => db.query("DELETE FROM b_group WHERE string_id = 'ADMIN'"));
      assert.match((await taskState(inst, 'P2')).why, /the ADMIN group is missing/);
      const recreated = await api('P2', 'repair');
      assert.deepEqual(recreated.administrators.map((a: { login: string }) => a.login), ['admin@globex.cloud.example']);
      assert.equal((await taskState(inst, 'P2')).state, 'done');
    });

    test('P3 the search index is rebuilt from the restored content in batches with progress on stderr, and a search finds a restored deal', async () => {
      const deal = await withDb(inst, (db) => db.one<{ id: unknown; title: string }>("SELECT id, title FROM b_crm_deal WHERE title LIKE '% %' ORDER BY id DESC LIMIT 1"));
      const rebuilt = await onprem(inst, ['P3', 'rebuild']);
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      assert.ok(rebuilt.json.documents > 50 && rebuilt.json.stems > 50);
      const events = rebuilt.stderr.trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(events.some((e) => e.source === 'b_crm_deal' && e.documents === e.total), 'progress reaches the end of every source');
      const found = await onprem(inst, ['search', deal!.title]);
      assert.equal(found.code, 0, found.stderr);
      assert.ok(found.json.hits.some((h: { itemId: string }) => h.itemId === `DEAL_${Number(deal!.id)}`), JSON.stringify(found.json.hits));
      const app = await buildOnpremApp({ db: inst.db, dataDir: inst.dataDir, adminToken });
      try {
        const none = await app.inject({ method: 'GET', url: '/api/onprem/search?q=qqzzxxnonexistentword', headers: { authorization: `Bearer ${adminToken}` } });
        assert.deepEqual(none.json().hits, []);
      } finally {
        await app.close();
      }
      assert.equal((await taskState(inst, 'P3')).state, 'done');
      const again = await api('P3', 'rebuild');
      assert.equal(again.documents, rebuilt.json.documents, 'a rebuild starts from empty tables');
    });

    test('P4 every pending module update of the feed is applied in order (schema and data) with versions before/after; a second run changes nothing; a malformed feed is refused', async () => {
      // A run that died after the first step of the first update: that step must not run twice.
      await withDb(inst, (db) => db.exec(`ALTER TABLE b_user ADD COLUMN last_activity_date ${engine === 'mysql' ? 'datetime(6)' : 'timestamptz'} NULL`));
      const successBefore = await withDb(inst, (db) => db.count("SELECT count(*) AS n FROM b_crm_deal WHERE stage_id = 'SUCCESS'"));
      const applied = await onprem(inst, ['P4', 'apply']);
      assert.equal(applied.code, 0, applied.stderr);
      assert.deepEqual(applied.json.applied.map((u: { module: string; from: string; to: string }) => `${u.module} ${u.from}->${u.to}`), ['main 24.100.0->24.200.0', 'crm 24.200.0->24.300.0', 'tasks 24.100.0->24.200.0', 'im 24.100.0->24.200.0']);
      assert.deepEqual(applied.json.applied.map((u: { steps: number }) => u.steps), [1, 3, 1, 2], 'the column added before was left alone, the rest ran');
      assert.equal(applied.json.before.main, '24.100.0');
      assert.equal(applied.json.after.main, '24.200.0');
      assert.equal(applied.json.after.crm, '24.300.0');
      assert.match(await readFile(path.join(inst.dataDir, 'bitrix/modules/crm/install/version.php'), 'utf8'), /'VERSION' => '24\.300\.0'/);
      await withDb(inst, async (db) => {
        assert.ok(await db.hasColumn('b_user', 'last_activity_date'));
        assert.ok(await db.hasColumn('b_crm_deal', 'is_recurring'));
        assert.ok(await db.hasTable('b_tasks_favorite'));
        assert.ok(await db.hasColumn('b_im_chat', 'disappearing_time'));
        assert.equal((await db.one<{ value: string }>("SELECT value FROM b_option WHERE module_id = 'im' AND name = 'max_message_length'"))!.value, '20000');
        assert.equal(await db.count("SELECT count(*) AS n FROM b_crm_deal WHERE stage_id = 'SUCCESS'"), 0);
        assert.equal(await db.count('SELECT count(*) AS n FROM b_crm_deal WHERE is_recurring = FALSE'), await db.count('SELECT count(*) AS n FROM b_crm_deal'), 'the new column has its default in every row');
      });
      assert.ok(successBefore >= 0);
      const second = await api('P4', 'apply');
      assert.deepEqual(second.applied, []);
      assert.deepEqual(second.after, applied.json.after);
      assert.equal((await taskState(inst, 'P4')).state, 'done');

      const feed = await readFile(feedPath(inst.dataDir), 'utf8');
      await writeFile(feedPath(inst.dataDir), '{"base": "24.1", "releases": [{"version": 7}]}');
      try {
        const bad = await onprem(inst, ['P4', 'apply']);
        assert.equal(bad.code, 48);
        assert.match(bad.json.error.message, /malformed/);
      } finally {
        await writeFile(feedPath(inst.dataDir), feed);
      }
    });
  });
}

describe('assistant on the embedded engine', () => {
  test('P1 P2 P10 status and a password set by hand work on a PGlite installation; sign-in proves it; P10 is blocked while the restore is incomplete', async () => {
    const inst = await restoreInstallation(f, 'pglite', 'onprem-embedded');
    const status = await onprem(inst, ['status']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(stateOf(status.json, 'P2').state, 'done');
    assert.match(stateOf(status.json, 'P1').why, /^6 of 6/);
    const passwordFile = path.join(f.home, 'pw-embedded.txt');
    await writeFile(passwordFile, 'embedded password 77\n');
    const set = await onprem(inst, ['P1', 'set-password', '--login', 'admin@globex.cloud.example', '--password-file', passwordFile]);
    assert.equal(set.code, 0, set.stderr);
    const app = await buildOnpremApp({ db: inst.db, dataDir: inst.dataDir, adminToken });
    try {
      const ok = await app.inject({ method: 'POST', url: '/api/onprem/sign-in', payload: { login: 'admin@globex.cloud.example', password: 'embedded password 77' } });
      assert.equal(ok.statusCode, 200, ok.body);
      const p1 = await app.inject({ method: 'GET', url: '/api/onprem/tasks/P1', headers: { authorization: `Bearer ${adminToken}` } });
      assert.match(p1.json().why, /^5 of 6/);
    } finally {
      await app.close();
    }
    // A restore that never swapped in leaves no contents.json: the telephony request names that first.
    const contents = path.join(inst.dataDir, '.repatriate', 'contents.json');
    await rename(contents, `${contents}.away`);
    try {
      const p10 = await taskState(inst, 'P10');
      assert.equal(p10.state, 'blocked');
      assert.match(p10.why, /the restore is not complete/);
    } finally {
      await rename(`${contents}.away`, contents);
    }
  });
});
