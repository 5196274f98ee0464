import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { after, before, describe, test } from 'node:test';
import { downloadArchive } from '../src/archive/download.js';
import { checkVolume } from '../src/archive/reader.js';
import { verifyArchive } from '../src/archive/verify.js';
import { errorCodes, type RepatriateError } from '../src/core/errors.js';
import { trustedVendorKeys } from '../src/cli/trusted-keys.js';
import { silentProgress } from '../src/core/progress.js';
import { initCloud, withCloud } from '../src/platform/cloud.js';
import { setCloudPassword } from '../src/platform/passwords.js';
import { listSnapshots } from '../src/platform/snapshot.js';
import { buildDeskApp } from '../src/server/desk/app.js';
import { openDesk, type Desk } from '../src/workflow/desk.js';
import type { Notice } from '../src/workflow/notifications.js';
import { serverKeyFile } from '../src/workflow/server-key.js';
import { cleanupStores, generateSigningKey, licenseKeyFor, manualClock, scratchStore } from './desk-helpers.js';
import { removeDir, runCli, tempDir } from './helpers.js';

/**
 * A TCP proxy in front of the desk that misbehaves on purpose: it cuts a connection after some
 * bytes, flips one byte of what it forwards, or refuses everything once enough went through.
 */
type Misbehaviour = { cutAfter?: number; flipAt?: number; refuse?: boolean };
async function startProxy(port: string, plan: (connection: number, sentSoFar: number) => Misbehaviour): Promise<{ url: string; close(): Promise<void> }> {
  let connections = 0;
  let sent = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const n = ++connections;
    const rule = plan(n, sent);
    sockets.add(client);
    if (rule.refuse) return client.destroy();
    const upstream = net.connect(Number(port), '127.0.0.1');
    sockets.add(upstream);
    let forwarded = 0;
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.on('data', (data: Buffer) => {
      if (plan(n, sent).refuse) {
        client.destroy();
        upstream.destroy();
        return;
      }
      let out = data;
      if (rule.flipAt !== undefined && forwarded <= rule.flipAt && rule.flipAt < forwarded + data.length) {
        out = Buffer.from(data);
        out[rule.flipAt - forwarded] = out[rule.flipAt - forwarded]! ^ 0x01;
      }
      if (rule.cutAfter !== undefined && forwarded + data.length > rule.cutAfter) {
        client.write(out.subarray(0, Math.max(0, rule.cutAfter - forwarded)));
        client.destroy();
        upstream.destroy();
        return;
      }
      forwarded += data.length;
      sent += data.length;
      client.write(out);
    });
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Folders of the password files below, removed after the suite. */
const secretDirs: string[] = [];

async function secretFile(text: string): Promise<string> {
  const dir = await tempDir('secret');
  secretDirs.push(dir);
  const file = path.join(dir, 'secret.txt');
  await writeFile(file, text + '\n', { mode: 0o600 });
  return file;
}

const acme = 'https://acme.cloud.example';
const globex = 'https://globex.cloud.example';
const passwords = { acme: 'acme admin password 1', globex: 'globex admin password 2' };
const operator = { email: 'olga@vendor.example', password: 'operator passphrase one' };
const signer = generateSigningKey();

let home: string;
let desk: Desk;
let app: FastifyInstance;
const clock = manualClock('2026-11-25T09:00:00Z');
const secretMails: Notice[] = [];
/** Every API answer this suite saw, to prove the password leaves only through the reveal. */
const answers: { url: string; raw: string }[] = [];
let operatorToken = '';
let acmeToken = '';
let globexToken = '';
let acmeRequest = 0;
let globexRequest = 0;

interface Reply { status: number; body: any; raw: string; headers: Record<string, unknown> }

async function call(method: 'GET' | 'POST', url: string, options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const r = await app.inject({ method, url, headers, ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}) });
  answers.push({ url, raw: r.body });
  let body: unknown = r.body;
  try {
    body = r.body ? JSON.parse(r.body) : undefined;
  } catch {
    /* a file */
  }
  return { status: r.statusCode, body, raw: r.body, headers: r.headers as Record<string, unknown> };
}

async function submitAndSchedule(token: string, finalDate: string): Promise<number> {
  const key = licenseKeyFor(signer, { seats: 1000 });
  assert.equal((await call('POST', `/api/licenses/${key}/activation`, { body: { installationUrl: 'https://intranet.customer.example' } })).status, 200);
  assert.equal((await call('POST', `/api/licenses/${key}/registration`, { body: { owner: 'Owner GmbH', email: 'owner@customer.example' } })).status, 200);
  const created = await call('POST', '/api/requests', { token, body: { licenseKey: key, requestedDate: finalDate, termsVersion: desk.termsVersion, acceptTerms: true } });
  assert.equal(created.status, 201, created.raw);
  const id = created.body.id as number;
  assert.equal((await call('POST', `/api/operator/requests/${id}/approve`, { token: operatorToken, body: {} })).status, 200);
  const scheduled = await call('POST', `/api/operator/requests/${id}/schedule`, { token: operatorToken, body: { finalDate } });
  assert.equal(scheduled.status, 200, scheduled.raw);
  return id;
}

const revealToken = (mail: Notice | undefined): string => {
  const match = /\/api\/password-reveals\/([A-Za-z0-9_-]{43})/.exec(mail?.text ?? '');
  assert.ok(match, `a reveal link in ${mail?.text}`);
  return match[1]!;
};

/** Moves the clock and signs everyone in again (sessions last 12 hours). */
async function at(iso: string): Promise<void> {
  clock.set(iso);
  operatorToken = (await call('POST', '/api/operator/sessions', { body: operator })).body.token;
  acmeToken = (await call('POST', '/api/sessions', { body: { accountUrl: acme, login: 'admin@acme.cloud.example', password: passwords.acme } })).body.token;
  globexToken = (await call('POST', '/api/sessions', { body: { accountUrl: globex, login: 'admin@globex.cloud.example', password: passwords.globex } })).body.token;
}

before(async () => {
  home = await tempDir('desk-builds');
  await initCloud(home, { seed: 5, tenants: 2, size: 3e6 }, silentProgress);
  await withCloud(home, async (cloud) => {
    await setCloudPassword(cloud.db, acme, 'admin@acme.cloud.example', passwords.acme);
    await setCloudPassword(cloud.db, globex, 'admin@globex.cloud.example', passwords.globex);
    await cloud.db.query('UPDATE cloud_tenant SET auto_renew = false');
    // acme rents a telephone number (M8); globex rents none.
    await cloud.db.query('UPDATE b_voximplant_number SET rented = false');
    await cloud.db.query(
      "INSERT INTO b_voximplant_number (id, tenant_id, number, country_code, rented, monthly_fee) VALUES ((SELECT coalesce(max(id), 0) + 1 FROM b_voximplant_number), (SELECT id FROM cloud_tenant WHERE address = $1), '+4930555000111', 'DE', true, 9.90)",
      [acme],
    );
  });
  desk = await openDesk({
    home, store: await scratchStore('pglite', 'builds'), clock: clock.now, licenseKeys: [signer.publicKey], publicUrl: 'https://desk.vendor.example',
    onSecretMail: (n) => secretMails.push(n), volumeSize: 256 * 1024,
  });
  await desk.addOperator(operator.email, operator.password, 'cli:test');
  app = await buildDeskApp({ desk });
  await at('2026-11-25T09:00:00Z');
  acmeRequest = await submitAndSchedule(acmeToken, '2026-12-10');
  globexRequest = await submitAndSchedule(globexToken, '2026-12-11');
});

after(async () => {
  await app?.close();
  await desk?.close();
  await cleanupStores();
  await removeDir(home);
  for (const dir of secretDirs) await removeDir(dir);
});

describe('desk builds on the embedded store', () => {
  test('M7 before its final date a scheduled request is left alone', async () => {
    await at('2026-12-09T23:59:00Z');
    const report = await desk.archives.tick();
    assert.deepEqual(report, { frozen: [], queued: [], abandoned: [], ready: [], failed: [], purged: [] });
    const r = await call('GET', `/api/requests/${acmeRequest}`, { token: acmeToken });
    assert.equal(r.body.state, 'scheduled', r.raw);
  });

  test('M7 M8 at the final date the account is frozen, the night-before snapshot taken and the archive built with live progress, through the state machine and audited', async () => {
    await at('2026-12-10T01:00:00Z');
    const seen: { state: string; stage?: string; bytesTotal?: number | null }[] = [];
    const ticking = desk.archives.tick();
    let finished = false;
    void ticking.finally(() => (finished = true));
    while (!finished) {
      const r = await call('GET', `/api/requests/${acmeRequest}`, { token: acmeToken });
      seen.push({ state: r.body.state, stage: r.body.archive?.stage, bytesTotal: r.body.archive?.bytesTotal });
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    const report = await ticking;
    assert.deepEqual(report.frozen, [acmeRequest], 'only the request whose date has come');
    assert.deepEqual(report.ready, [acmeRequest]);
    assert.ok(seen.some((s) => s.state === 'building' && s.stage && ['rows', 'files', 'sealing'].includes(s.stage) && (s.bytesTotal ?? 0) > 0), `live progress while building: ${JSON.stringify(seen.slice(0, 5))}`);

    const detail = await call('GET', `/api/requests/${acmeRequest}`, { token: acmeToken });
    assert.equal(detail.body.state, 'ready');
    const archive = detail.body.archive;
    assert.equal(archive.stage, 'ready');
    assert.equal(archive.night, '2026-12-10');
    assert.ok(archive.volumes >= 2, `small volumes: ${archive.volumes}`);
    assert.ok(archive.bytes > 0 && archive.bytesDone > 0);
    assert.equal(archive.expiresAt, '2026-12-17T01:00:00.000Z', '7 days after ready (M12)');
    assert.match(archive.telephonyHandover, /rents telephone numbers/, 'M8: the hand-over is noted');
    assert.ok((await listSnapshots(home)).some((s) => s.at === '2026-12-10'), 'the snapshot of the night before was taken');

    const audit = await call('GET', `/api/audit?subject=request:${acmeRequest}`, { token: operatorToken });
    const actions = audit.body.entries.map((e: { action: string }) => e.action).reverse();
    assert.deepEqual(actions.slice(-4), ['request.freeze', 'build.start', 'build.ready', 'password.send']);
    const freeze = audit.body.entries.find((e: { action: string }) => e.action === 'request.freeze');
    assert.deepEqual(freeze.details.state, { from: 'scheduled', to: 'frozen' });
    assert.equal(freeze.details.telephonyHandover, true);

    // The live cloud refuses writes to the frozen account (the platform's DB-enforced freeze).
    await desk.cloud.close();
    await withCloud(home, async (cloud) => {
      const [tenant] = await cloud.db.query<{ status: string }>('SELECT status FROM cloud_tenant WHERE address = $1', [acme]);
      assert.equal(tenant!.status, 'frozen');
      const [other] = await cloud.db.query<{ status: string }>('SELECT status FROM cloud_tenant WHERE address = $1', [globex]);
      assert.equal(other!.status, 'active', 'globex is not due yet');
      await assert.rejects(cloud.db.query("UPDATE b_user SET name = 'x' WHERE tenant_id = (SELECT id FROM cloud_tenant WHERE address = $1)", [acme]), /frozen/);
    });
  });

  test('M11 the password: a one-time reveal link by mail, the portal for the account only, never elsewhere', async () => {
    assert.equal(secretMails.length, 1, 'one password mail after the build');
    const mail = secretMails[0]!;
    assert.match(mail.subject, new RegExp(`request ${acmeRequest}: the password`));
    const first = await call('GET', `/api/password-reveals/${revealToken(mail)}`);
    assert.equal(first.status, 200, first.raw);
    const password = first.body.password as string;
    assert.ok(password.length >= 20);
    assert.equal(first.headers['cache-control'], 'no-store');
    const again = await call('GET', `/api/password-reveals/${revealToken(mail)}`);
    assert.equal(again.status, 410, 'a link works once');
    assert.equal(again.body.error.code, 'REPAT_DESK_GONE');
    assert.equal((await call('GET', `/api/password-reveals/${'A'.repeat(43)}`)).status, 404);

    const portal = await call('GET', `/api/requests/${acmeRequest}/password`, { token: acmeToken });
    assert.equal(portal.status, 200);
    assert.equal(portal.body.password, password);
    assert.equal((await call('GET', `/api/requests/${acmeRequest}/password`, { token: globexToken })).status, 404, 'another account cannot reveal it');
    assert.equal((await call('GET', `/api/requests/${acmeRequest}/password`, { token: operatorToken })).status, 403, 'nor can an operator');
    assert.equal((await call('GET', `/api/requests/${globexRequest}/password`, { token: globexToken })).status, 409, 'no password before the build');

    // The operator re-sends: a new link, audited; the answer carries neither the password nor the link.
    const resent = await call('POST', `/api/operator/requests/${acmeRequest}/password-mail`, { token: operatorToken, body: {} });
    assert.equal(resent.status, 200, resent.raw);
    assert.equal(resent.body.sent, false, 'no SMTP here');
    assert.equal(secretMails.length, 2);
    const second = revealToken(secretMails[1]);
    assert.ok(!resent.raw.includes(second) && !resent.raw.includes(password));
    await call('POST', `/api/operator/requests/${acmeRequest}/password-mail`, { token: operatorToken, body: {} });
    assert.equal((await call('GET', `/api/password-reveals/${second}`)).status, 410, 'a re-send retires the unused older link');
    const third = await call('GET', `/api/password-reveals/${revealToken(secretMails[2])}`);
    assert.equal(third.body.password, password);

    // The password opens the archive the desk built.
    const dir = path.join(home, 'desk', 'archives', portal.body.archiveId);
    const verified = await verifyArchive(dir, await trustedVendorKeys(home), { passphrase: password });
    assert.ok(verified.rows > 0);

    // It is nowhere else: not in the store's tables (audit, notifications, builds), not in any other API answer.
    const dump = JSON.stringify(await desk.store.query('SELECT (SELECT json_agg(a) FROM audit a) AS audit, (SELECT json_agg(n) FROM notifications n) AS notifications, (SELECT json_agg(b) FROM builds b) AS builds, (SELECT json_agg(l) FROM reveal_links l) AS links'));
    assert.ok(!dump.includes(password), 'the password is not stored in clear text');
    for (const mailed of secretMails) assert.ok(!dump.includes(revealToken(mailed)), 'reveal tokens are not stored, only their hashes');
    assert.ok(dump.includes('password.resend') && dump.includes('password.reveal'));
    const leaking = answers.filter((a) => a.raw.includes(password) && !/\/password(-reveals\/[A-Za-z0-9_-]+)?$/.test(a.url));
    assert.deepEqual(leaking.map((a) => a.url), [], 'only the reveal routes answer with the password');
    assert.equal((await stat(serverKeyFile(home))).mode & 0o777, 0o600, 'the server key is private');
  });

  test('M12 the download route serves the account its archive with HTTP Range, nobody else', async () => {
    const index = await call('GET', `/api/requests/${acmeRequest}/archive/index.json`, { token: acmeToken });
    assert.equal(index.status, 200);
    assert.equal(index.headers['accept-ranges'], 'bytes');
    const volume = index.body.volumes[0] as { name: string; size: number };
    const ranged = await call('GET', `/api/requests/${acmeRequest}/archive/${volume.name}`, { token: acmeToken, headers: { range: 'bytes=10-109' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers['content-range'], `bytes 10-109/${volume.size}`);
    assert.equal(ranged.headers['content-length'], '100');
    const tail = await call('GET', `/api/requests/${acmeRequest}/archive/${volume.name}`, { token: acmeToken, headers: { range: 'bytes=-5' } });
    assert.equal(tail.headers['content-range'], `bytes ${volume.size - 5}-${volume.size - 1}/${volume.size}`);
    const outside = await call('GET', `/api/requests/${acmeRequest}/archive/${volume.name}`, { token: acmeToken, headers: { range: `bytes=${volume.size}-` } });
    assert.equal(outside.status, 416);
    assert.equal(outside.headers['content-range'], `bytes */${volume.size}`);
    assert.equal(outside.body.error.code, 'REPAT_DESK_RANGE');
    assert.equal((await call('GET', `/api/requests/${acmeRequest}/archive/${volume.name}`, { token: globexToken })).status, 404, 'another account gets 404');
    assert.equal((await call('GET', `/api/requests/${acmeRequest}/archive/${volume.name}`)).status, 401);
    assert.equal((await call('GET', `/api/requests/${acmeRequest}/archive/vol-0999.age`, { token: acmeToken })).status, 404);
    assert.equal((await call('GET', `/api/requests/${acmeRequest}/archive/..%2Fserver.key`, { token: acmeToken })).status, 400, 'only archive file names');
    assert.equal((await call('GET', `/api/requests/${globexRequest}/archive/index.json`, { token: globexToken })).status, 409, 'not built yet');
  });

  describe('M12 repatriate download against a listening desk', () => {
    let url = '';
    let total = 0;
    const dirs: string[] = [];
    const outDir = async (label: string): Promise<string> => {
      const dir = await tempDir(`download-${label}`);
      dirs.push(dir);
      return path.join(dir, 'archive');
    };
    const fetchInto = (out: string, deskUrl = url, token = acmeToken, parallel = 3) => downloadArchive({ deskUrl, requestId: acmeRequest, token, out, trusted: keys, parallel, attempts: 3 });
    let keys: Awaited<ReturnType<typeof trustedVendorKeys>>;
    let archiveDir = '';
    let index: { volumes: { name: string; size: number; chunks: string[] }[] };

    before(async () => {
      url = await app.listen({ port: 0, host: '127.0.0.1' });
      keys = await trustedVendorKeys(home);
      index = (await call('GET', `/api/requests/${acmeRequest}/archive/index.json`, { token: acmeToken })).body;
      total = index.volumes.reduce((a, v) => a + v.size, 0);
      archiveDir = path.join(home, 'desk', 'archives', (await call('GET', `/api/requests/${acmeRequest}`, { token: acmeToken })).body.archive.archiveId);
    });
    after(async () => {
      for (const dir of dirs) await removeDir(dir);
    });

    test('M12 it fetches every volume in parallel ranges, checks each chunk against the signed index, and the desk records the receipt', async () => {
      const out = await outDir('whole');
      const report = await fetchInto(out);
      assert.equal(report.volumes, index.volumes.length);
      assert.equal(report.fetchedBytes, total);
      assert.equal(report.keptChunks + report.refetchedChunks + report.resumedConnections, 0);
      for (const volume of index.volumes) await checkVolume(out, volume as never);
      assert.deepEqual((await readdir(out)).sort(), ['index.json', ...index.volumes.map((v) => v.name)].sort(), 'no partial or state files left');
      const cli = await runCli(['download', String(acmeRequest), '--desk', url, '--out', await outDir('cli'), '--account', acme, '--login', 'admin@acme.cloud.example', '--password-file', await secretFile(passwords.acme), '--json'], home);
      assert.equal(cli.code, 0, cli.stderr);
      assert.equal(JSON.parse(cli.stdout).receipt, true);
      assert.equal((await call('GET', `/api/requests/${acmeRequest}`, { token: acmeToken })).body.state, 'downloaded');
    });

    test('M12 a broken connection continues from the byte it reached; a stopped run resumes from the verified chunks', async () => {
      const cutting = await startProxy(new URL(url).port, (connection) => (connection <= 2 ? { cutAfter: 40_000 } : {}));
      try {
        const report = await fetchInto(await outDir('cut'), cutting.url);
        assert.ok(report.resumedConnections >= 1, JSON.stringify(report));
        assert.equal(report.refetchedChunks, 0);
      } finally {
        await cutting.close();
      }
      // A run that loses the desk half-way stops with partial files; the next run fetches only what is missing.
      const out = await outDir('stopped');
      const dying = await startProxy(new URL(url).port, (_connection, sent) => (sent > total / 2 ? { refuse: true } : {}));
      try {
        // One volume at a time, so whole volumes are verified before the desk goes away at half the bytes
        // (in parallel, every volume could be part-way when it does, and nothing would be kept).
        await assert.rejects(fetchInto(out, dying.url, acmeToken, 1), (error: RepatriateError) => error.code === 'REPAT_DOWNLOAD_FAILED');
      } finally {
        await dying.close();
      }
      assert.ok((await readdir(out)).some((f) => f.endsWith('.partial')), 'partial volumes stay');
      const resumed = await fetchInto(out);
      assert.ok(resumed.keptChunks >= 1, JSON.stringify(resumed));
      assert.ok(resumed.fetchedBytes < total, `${resumed.fetchedBytes} of ${total} fetched again`);
      for (const volume of index.volumes) await checkVolume(out, volume as never);
    });

    test('M12 bytes altered on the way are fetched again; an archive altered on the desk is refused', async () => {
      const flipping = await startProxy(new URL(url).port, (connection) => (connection === 1 ? { flipAt: 30_000 } : {}));
      try {
        const report = await fetchInto(await outDir('flip'), flipping.url);
        assert.equal(report.refetchedChunks, 1, JSON.stringify(report));
      } finally {
        await flipping.close();
      }
      const victim = path.join(archiveDir, index.volumes[0]!.name);
      const original = await readFile(victim);
      const altered = Buffer.from(original);
      altered[100] = altered[100]! ^ 0xff;
      await writeFile(victim, altered);
      try {
        await assert.rejects(fetchInto(await outDir('tampered')), (error: RepatriateError) => error.code === 'REPAT_ARCHIVE_HASH_MISMATCH' && /chunk 0 of vol-/.test(error.message));
      } finally {
        await writeFile(victim, original);
      }
    });

    test('M12 another account cannot download it (404), nor can anyone without a session', async () => {
      await assert.rejects(fetchInto(await outDir('globex'), url, globexToken), (error: RepatriateError) => error.code === 'REPAT_DESK_NOT_FOUND');
      await assert.rejects(fetchInto(await outDir('nobody'), url, 'x'.repeat(43)), (error: RepatriateError) => error.code === 'REPAT_DESK_AUTH');
      await assert.rejects(fetchInto(await outDir('down'), 'http://127.0.0.1:9'), (error: RepatriateError) => error.code === 'REPAT_DOWNLOAD_FAILED' && error.hint !== undefined);
    });
  });

  test('M7 B4 a failed build leaves the request failed with a reason and no secret; a build whose process died is found; the next tick retries it', async () => {
    // The archive store cannot be created: a file stands where its folder belongs.
    const archives = path.join(home, 'desk', 'archives');
    const moved = `${archives}.away`;
    await rm(moved, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.rename(archives, moved));
    await writeFile(archives, 'not a folder');
    await at('2026-12-11T02:00:00Z');
    const report = await desk.archives.tick();
    assert.deepEqual(report.frozen, [globexRequest]);
    assert.equal(report.failed.length, 1);
    const failed = await call('GET', `/api/requests/${globexRequest}`, { token: globexToken });
    assert.equal(failed.body.state, 'failed');
    assert.equal(failed.body.archive.stage, 'failed');
    assert.match(failed.body.archive.failure, /ENOTDIR|not a directory|EEXIST/);
    assert.equal(failed.body.archive.telephonyHandover, null, 'globex rents no numbers');
    const audit = await call('GET', `/api/audit?subject=request:${globexRequest}&action=build.fail`, { token: operatorToken });
    assert.equal(audit.body.entries.length, 1);

    await rm(archives);
    await import('node:fs/promises').then((fs) => fs.rename(moved, archives));
    // A process that died mid-build leaves the request building with progress an hour old.
    await desk.store.query("UPDATE requests SET state = 'building' WHERE id = $1", [globexRequest]);
    await desk.store.query("UPDATE builds SET stage = 'rows', updated_at = $2 WHERE request_id = $1", [globexRequest, '2026-12-11T01:00:00Z']);
    const retry = await desk.archives.tick();
    assert.deepEqual(retry.abandoned, [globexRequest], 'the stopped build is found');
    assert.deepEqual(retry.ready, [globexRequest]);
    const abandon = await call('GET', `/api/audit?subject=request:${globexRequest}&action=build.abandon`, { token: operatorToken });
    assert.equal(abandon.body.entries.length, 1);
    const ready = await call('GET', `/api/requests/${globexRequest}`, { token: globexToken });
    assert.equal(ready.body.state, 'ready');
    assert.equal(ready.body.archive.attempts, 2);
    assert.equal(ready.body.archive.failure, null);
    const password = (await call('GET', `/api/requests/${globexRequest}/password`, { token: globexToken })).body.password as string;
    assert.ok(password && !JSON.stringify(audit.body).includes(password) && !JSON.stringify(failed.body).includes(password), 'no secret in the failure or its audit');
  });

  test('M12 seven days after ready the download answers 410, the purge deletes the archive, audited, and the customer sees when', async () => {
    const before = await call('GET', `/api/requests/${acmeRequest}`, { token: acmeToken });
    const dir = path.join(home, 'desk', 'archives', before.body.archive.archiveId);
    assert.ok((await readdir(dir)).includes('index.json'));
    await at('2026-12-17T01:00:01Z');
    const gone = await call('GET', `/api/requests/${acmeRequest}/archive/index.json`, { token: acmeToken });
    assert.equal(gone.status, 410);
    assert.equal(gone.body.error.code, 'REPAT_DESK_GONE');
    assert.equal((await call('GET', `/api/requests/${acmeRequest}/password`, { token: acmeToken })).status, 410);
    const report = await desk.archives.tick();
    assert.deepEqual(report.purged, [acmeRequest], 'globex became ready a day later and stays');
    await assert.rejects(stat(dir), /ENOENT/);
    const detail = await call('GET', `/api/requests/${acmeRequest}`, { token: acmeToken });
    assert.equal(detail.body.state, 'purged');
    assert.equal(detail.body.archive.deletedAt, '2026-12-17T01:00:01.000Z');
    const audit = await call('GET', `/api/audit?subject=request:${acmeRequest}&action=archive.purge`, { token: operatorToken });
    assert.deepEqual(audit.body.entries[0].details.state, { from: 'downloaded', to: 'purged' });
    const notes = await call('GET', '/api/operator/notifications', { token: operatorToken });
    assert.ok(notes.body.notifications.some((n: { subject: string; text: string }) => n.subject.includes(`${acmeRequest}: archive deleted`) && n.text.includes('deleted on 2026-12-17T01:00:01.000Z')));
    assert.deepEqual((await desk.archives.tick()).purged, [], 'a purge happens once');
  });
});

describe('desk build error codes', () => {
  test('M12 the build, download and retention codes exit in 50–59 and docs/errors.md documents each', async () => {
    const documented = new Map<string, number>();
    for (const line of (await readFile(path.join(import.meta.dirname, '..', 'docs', 'errors.md'), 'utf8')).split('\n')) {
      const row = /^\|\s*(\d+)\s*\|\s*`(REPAT_[A-Z_]+)`\s*\|/.exec(line);
      if (row) documented.set(row[2]!, Number(row[1]));
    }
    const codes = ['REPAT_DESK_GONE', 'REPAT_DESK_RANGE', 'REPAT_DESK_BUILD_FAILED', 'REPAT_DESK_KEY', 'REPAT_DOWNLOAD_FAILED'] as const;
    for (const code of codes) {
      assert.ok(errorCodes[code].exit >= 50 && errorCodes[code].exit <= 59, code);
      assert.equal(documented.get(code), errorCodes[code].exit, `docs/errors.md documents ${code}`);
    }
  });
});
