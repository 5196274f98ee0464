import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { silentProgress } from '../src/core/progress.js';
import { initCloud, withCloud } from '../src/platform/cloud.js';
import { takeSnapshot } from '../src/platform/snapshot.js';
import { readArchive } from './archive-helpers.js';
import { createDatabase } from '../src/engine/postgres/admin.js';
import { cleanupDatabases, removeDir, runCli, scratchDatabase, startCli, tempDir } from './helpers.js';

const acme = 'https://acme.cloud.example';
const night = '2026-11-24';

describe('desk commands', () => {
  let home: string;
  const file = async (name: string, text: string): Promise<string> => {
    const f = path.join(home, name);
    await writeFile(f, text + '\n', { mode: 0o600 });
    return f;
  };

  before(async () => {
    home = await tempDir('desk-cli');
    await initCloud(home, { seed: 5, tenants: 3, size: 2e6 }, silentProgress);
  });
  after(() => removeDir(home));

  test('M2 M10 cloud set-password stores an argon2id hash in the secret column, and no built archive carries it', async () => {
    const set = await runCli(['cloud', 'set-password', '--account', acme, '--login', 'admin@acme.cloud.example', '--password-file', await file('admin.pw', 'acme admin password'), '--json'], home);
    assert.equal(set.code, 0, set.stderr);
    assert.ok(!set.stdout.includes('acme admin password'), 'the password is not printed');
    const hash = await withCloud(home, async (c) => (await c.db.query<{ password: string }>("SELECT password FROM b_user WHERE login = 'admin@acme.cloud.example'"))[0]!.password);
    assert.match(hash, /^\$argon2id\$/);
    const unknown = await runCli(['cloud', 'set-password', '--account', acme, '--login', 'nobody@acme', '--password-file', await file('x.pw', 'long enough password')], home);
    assert.equal(unknown.code, 4);
    assert.match(unknown.stderr, /no user nobody@acme/);
    assert.match(unknown.stderr, /hint:/);
    const short = await runCli(['cloud', 'set-password', '--account', acme, '--login', 'admin@acme.cloud.example', '--password-file', await file('short.pw', 'short')], home);
    assert.equal(short.code, 2);

    await takeSnapshot(home, night);
    const out = path.join(home, 'archive');
    const built = await runCli(['build', '--account', acme, '--snapshot', night, '--out', out, '--password-file', await file('archive.pw', 'archive password 123')], home);
    assert.equal(built.code, 0, built.stderr);
    const members = await readArchive(out, { passphrase: 'archive password 123' });
    assert.ok(members.size > 10);
    for (const [name, body] of members) {
      assert.ok(!body.includes(hash), `${name} does not carry the administrator's password hash`);
      assert.ok(!body.includes('$argon2id$'), `${name} carries no argon2 hash at all`);
    }
  });

  test('M3 license issue records keys once the desk exists; activate, register and check answer with exit codes', async () => {
    const before = await runCli(['license', 'issue', '--edition', 'professional', '--seats', '100', '--until', '2030-12-31', '--json'], home);
    assert.equal(before.code, 0, before.stderr);
    assert.equal(JSON.parse(before.stdout).recorded, false, 'no desk yet: nothing to record into');
    // The rest on a PostgreSQL store: each command opens the store, and a server opens faster than PGlite.
    const url = scratchDatabase('desk_license');
    await createDatabase(url);
    process.env['DATABASE_URL'] = url;
    try {
      const shortPw = await runCli(['operator', 'add', '--email', 'olga@vendor.example', '--password-file', await file('op-short.pw', 'too short')], home);
      assert.equal(shortPw.code, 2);
      assert.match(shortPw.stderr, /12 characters/);
      const added = await runCli(['operator', 'add', '--email', 'Olga@Vendor.example', '--password-file', await file('op.pw', 'operator passphrase one'), '--json'], home);
      assert.equal(added.code, 0, added.stderr);
      assert.equal(JSON.parse(added.stdout).email, 'olga@vendor.example');
      const twice = await runCli(['operator', 'add', '--email', 'olga@vendor.example', '--password-file', await file('op.pw', 'operator passphrase one')], home);
      assert.equal(twice.code, 37);
      const list = await runCli(['operator', 'list', '--json'], home);
      assert.deepEqual(JSON.parse(list.stdout).operators.map((o: { email: string }) => o.email), ['olga@vendor.example']);

      const issued = await runCli(['license', 'issue', '--edition', 'professional', '--seats', '100', '--until', '2030-12-31', '--json'], home);
      const { key, recorded } = JSON.parse(issued.stdout) as { key: string; recorded: boolean };
      assert.equal(recorded, true);
      const check = async (k: string) => runCli(['license', 'check', k, '--json'], home);
      let r = await check(key);
      assert.equal(r.code, 30);
      assert.equal(JSON.parse(r.stdout).problem, 'not-activated');
      assert.equal((await runCli(['license', 'activate', key, '--installation', 'https://intranet.acme.example'], home)).code, 0);
      r = await check(key);
      assert.equal(JSON.parse(r.stdout).problem, 'not-registered');
      const reg = await runCli(['license', 'register', key, '--owner', 'Acme GmbH', '--email', 'it@acme.example'], home);
      assert.equal(reg.code, 0, reg.stderr);
      r = await check(key);
      assert.equal(r.code, 0, r.stdout);
      assert.equal(JSON.parse(r.stdout).valid, true);
      assert.ok(!r.stdout.includes('Acme GmbH'), 'the check never names the owner');
      const human = await runCli(['license', 'check', 'RPL1.garbage.x'], home);
      assert.equal(human.code, 20);
      assert.match(human.stdout, /malformed/);
      assert.match(human.stdout, /hint:/);

      // B2 the assessment from the command line, against the same registry.
      const assessed = await runCli(['assess', '--account', acme, '--license', key, '--json'], home);
      const a = JSON.parse(assessed.stdout);
      const autoRenew = await withCloud(home, async (c) => (await c.db.query<{ auto_renew: boolean }>('SELECT auto_renew FROM cloud_tenant WHERE address = $1', [acme]))[0]!.auto_renew);
      assert.equal(a.autoRenewal.on, autoRenew);
      assert.equal(assessed.code, a.eligible ? 0 : 31);
      assert.ok(a.seats.active > 0 && a.seats.notCounted.bot > 0);
      // Seconds, not the days of a support chat: a bound far above its usual ~0.5 s, so a loaded CI machine does not fail it.
      assert.ok(a.milliseconds > 0 && a.milliseconds < 15_000, `B2 assessed in ${a.milliseconds} ms`);
      const text = await runCli(['assess', '--account', acme, '--license', key], home);
      assert.match(text.stdout, /seats \(M4\): \d+ active of 100/);
      assert.match(text.stdout, /edition gap \(M6\)/);
      const unknownAccount = await runCli(['assess', '--account', 'https://nobody.cloud.example', '--license', key], home);
      assert.equal(unknownAccount.code, 4);
    } finally {
      delete process.env['DATABASE_URL'];
      await cleanupDatabases();
    }
  });

  test('M1 M13 desk commands act as a named operator: queue, decisions, orders and payments, audit', async () => {
    const url = scratchDatabase('desk_cli');
    await createDatabase(url);
    process.env['DATABASE_URL'] = url;
    try {
      const noOperator = await runCli(['desk', 'queue'], home);
      assert.equal(noOperator.code, 2);
      assert.match(noOperator.stderr, /--operator/);
      assert.equal((await runCli(['operator', 'add', '--email', 'ivan@vendor.example', '--password-file', await file('ivan.pw', 'operator passphrase two')], home)).code, 0);
      const unknown = await runCli(['desk', 'queue', '--operator', 'nobody@vendor.example'], home);
      assert.equal(unknown.code, 34);
      const as = ['--operator', 'ivan@vendor.example', '--json'];
      assert.deepEqual(JSON.parse((await runCli(['desk', 'queue', ...as], home)).stdout), { requests: [] });
      const missing = await runCli(['desk', 'approve', '1', ...as], home);
      assert.equal(missing.code, 34);
      const badState = await runCli(['desk', 'queue', '--state', 'sleeping', ...as], home);
      assert.equal(badState.code, 2);
      const order = JSON.parse((await runCli(['desk', 'order', '--account', acme, '--price', '100', ...as], home)).stdout) as { id: number; priceCents: number; state: string };
      assert.equal(order.priceCents, 10000, 'the price is configurable');
      assert.equal(order.state, 'open');
      const paid = await runCli(['desk', 'payment', String(order.id), '--reference', 'invoice 17', ...as], home);
      assert.equal(JSON.parse(paid.stdout).state, 'paid');
      assert.equal((await runCli(['desk', 'payment', String(order.id), '--reference', 'again', ...as], home)).code, 37);
      const audit = JSON.parse((await runCli(['desk', 'audit', ...as], home)).stdout) as { entries: { action: string; actor: string }[] };
      assert.deepEqual(audit.entries.filter((e) => e.action.startsWith('order.')).map((e) => [e.action, e.actor]), [['order.paid', 'operator:ivan@vendor.example'], ['order.create', 'operator:ivan@vendor.example']]);
    } finally {
      delete process.env['DATABASE_URL'];
      await cleanupDatabases();
    }
  });

  test('M13 serve: the desk API listens on a port, serves OpenAPI, and stops cleanly', async () => {
    const serve = await startCli(['serve', '--port', '0', '--json'], { REPATRIATE_HOME: home });
    try {
      const started = JSON.parse(serve.firstLine) as { url: string; mail: string; priceCents: number };
      assert.equal(started.mail, 'recorded only');
      assert.equal(started.priceCents, 54900);
      const openapi = await fetch(`${started.url}/api/openapi.json`);
      assert.equal(openapi.status, 200);
      assert.ok(Object.keys(((await openapi.json()) as { paths: object }).paths).length >= 15);
      const check = await fetch(`${started.url}/api/licenses/RPL1.garbage.key/check`);
      assert.equal(((await check.json()) as { problem: string }).problem, 'malformed');
      const audit = await fetch(`${started.url}/api/audit`);
      assert.equal(audit.status, 401);
    } finally {
      await serve.stop();
    }
  });

  test('B2 M2 M7 M11 M12 M13 the desk demo goes from license to assessment, request, approval, final date, build, password link and download', async () => {
    const demo = await runCli(['desk', 'demo'], home);
    assert.equal(demo.code, 0, demo.stderr);
    assert.match(demo.stdout, /is valid for a migration/);
    assert.match(demo.stdout, /seats \(M4\): \d+ active of 250/);
    assert.match(demo.stdout, /request 1: checks, free build/);
    assert.match(demo.stdout, /request 1: scheduled; asked for \d{4}-\d{2}-\d{2}, final date/);
    assert.match(demo.stdout, /request\.submit → request\.checks → request\.approve → request\.schedule/);
    assert.match(demo.stdout, /\(recorded; no SMTP configured\)/, 'without SMTP, notifications are recorded, not sent');
    // Issue 7: the final date comes; the desk freezes, builds, sends the password link, the customer downloads (M7, M11, M12).
    assert.match(demo.stdout, /request 1: ready; archive [0-9a-f-]{36}: \d+ volumes/);
    assert.match(demo.stdout, /a second click answers 410/);
    assert.match(demo.stdout, /request 1 is now downloaded/);
  });

  test('M11 M12 M13 after the demo: an operator re-sends the password link from the CLI (audited, no password shown), and the tick after its 7 days purges the archive', async () => {
    const as = ['--operator', 'operator@vendor.example', '--json'];
    const resent = await runCli(['desk', 'resend-password', '1', ...as], home);
    assert.equal(resent.code, 0, resent.stderr);
    const link = JSON.parse(resent.stdout) as { sent: boolean; to: string; linkExpiresAt: string };
    assert.equal(link.sent, false, 'no SMTP configured: recorded, not sent');
    assert.match(link.to, /@/);
    assert.ok(!/password"\s*:/.test(resent.stdout), 'the operator never sees the password');
    const resendAudit = JSON.parse((await runCli(['desk', 'audit', '--subject', 'request:1', ...as], home)).stdout) as { entries: { action: string; actor: string }[] };
    assert.ok(resendAudit.entries.some((e) => e.action === 'password.resend' && e.actor === 'operator:operator@vendor.example'), 'the re-send is audited with the operator');
    const missing = await runCli(['desk', 'resend-password', '99', ...as], home);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stdout + missing.stderr, /request 99/);

    const shown = JSON.parse((await runCli(['desk', 'show', '1', ...as], home)).stdout) as { archive?: { expiresAt: string | null } };
    const expiresAt = Date.parse(shown.archive?.expiresAt ?? '');
    assert.ok(Number.isFinite(expiresAt), 'the ready archive has an expiry');
    const early = JSON.parse((await runCli(['desk', 'tick', '--now', new Date(expiresAt - 3_600_000).toISOString(), ...as], home)).stdout) as { purged: number[] };
    assert.deepEqual(early.purged, [], 'an hour before its 7 days end the archive is kept');
    const late = await runCli(['desk', 'tick', '--now', new Date(expiresAt + 60_000).toISOString(), ...as], home);
    assert.equal(late.code, 0, late.stderr);
    assert.deepEqual((JSON.parse(late.stdout) as { purged: number[] }).purged, [1], 'once its 7 days are over the archive is purged (M12)');
    const purgeAudit = JSON.parse((await runCli(['desk', 'audit', '--action', 'archive.purge', ...as], home)).stdout) as { entries: { subject: string }[] };
    assert.deepEqual(purgeAudit.entries.map((e) => e.subject), ['request:1']);
  });
});
