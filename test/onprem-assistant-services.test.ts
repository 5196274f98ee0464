import assert from 'node:assert/strict';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import selfsigned from 'selfsigned';
import { verifyJson } from '../src/core/signing.js';
import { putChallenge } from '../src/postmigrate/acme.js';
import { Db } from '../src/postmigrate/db.js';
import { readInstalledCertificate } from '../src/postmigrate/tls.js';
import { openTarget, parseTarget } from '../src/restore/target.js';
import { buildOnpremApp } from '../src/server/onprem/app.js';
import { createHttpApp } from '../src/server/http.js';
import { buildArchive, restoreInstallation, type ArchiveFixture, type Installation } from './onprem-assistant-fixture.js';
import { cleanupDatabases, dropMariaDatabases, removeDir, runCli } from './helpers.js';
import { startSmtpCatcher } from './smtp.js';

/**
 * The assistant's tasks that talk to the world, on restored PostgreSQL and MariaDB
 * installations: channels (P6), a real push server (P7), sites (P8), real SMTP servers with and
 * without TLS (P9), certificates and the ACME route (R5), the telephony request to a real desk
 * server that checks the signature, or to a file (P10), and marketplace apps (P11).
 */
const host = 'intranet.globex.example';
const adminToken = 'services-admin-token-42';
const auth = { authorization: `Bearer ${adminToken}` };

interface Pki {
  readonly root: { cert: string; key: string };
  readonly intermediate: { cert: string; key: string };
  readonly leaf: { cert: string; key: string };
  readonly otherKey: string;
  readonly expired: { cert: string; key: string };
  readonly wrongHost: { cert: string; key: string };
}

async function makePki(): Promise<Pki> {
  const day = 86_400_000;
  const caExtensions = [{ name: 'basicConstraints' as const, cA: true }, { name: 'keyUsage' as const, keyCertSign: true, cRLSign: true, digitalSignature: true }];
  const root = await selfsigned.generate([{ name: 'commonName', value: 'Test Root CA' }], { keyType: 'ec', algorithm: 'sha256', notAfterDate: new Date(Date.now() + 3650 * day), extensions: caExtensions });
  const intermediate = await selfsigned.generate([{ name: 'commonName', value: 'Test Intermediate CA' }], { keyType: 'ec', algorithm: 'sha256', extensions: caExtensions, ca: { key: root.private, cert: root.cert } });
  const leafFor = (name: string, dates: { notBeforeDate?: Date; notAfterDate?: Date } = {}) =>
    selfsigned.generate([{ name: 'commonName', value: name }], { keyType: 'ec', algorithm: 'sha256', ...dates, extensions: [{ name: 'basicConstraints', cA: false }, { name: 'subjectAltName', altNames: [{ type: 2, value: name }] }], ca: { key: intermediate.private, cert: intermediate.cert } });
  const leaf = await leafFor(host);
  const other = await leafFor(host);
  const expired = await leafFor(host, { notBeforeDate: new Date(Date.now() - 400 * day), notAfterDate: new Date(Date.now() - 30 * day) });
  const wrongHost = await leafFor('elsewhere.example');
  return {
    root: { cert: root.cert, key: root.private },
    intermediate: { cert: intermediate.cert, key: intermediate.private },
    leaf: { cert: leaf.cert, key: leaf.private },
    otherKey: other.private,
    expired: { cert: expired.cert, key: expired.private },
    wrongHost: { cert: wrongHost.cert, key: wrongHost.private },
  };
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The receiving side of the P10 contract, as the desk implements it: checks the signature over the canonical request. */
async function startDesk(): Promise<{ url: string; received: { request: Record<string, unknown>; publicKey: string; signature: string }[]; close: () => Promise<void> }> {
  const received: { request: Record<string, unknown>; publicKey: string; signature: string }[] = [];
  const desk = createHttpApp();
  desk.post('/api/telephony-requests', async (request, reply) => {
    const body = request.body as { request: Record<string, unknown>; publicKey: string; signature: string };
    const key = createPublicKey({ key: Buffer.from(body.publicKey, 'base64'), format: 'der', type: 'spki' });
    if (!verifyJson(body.request, body.signature, key)) return reply.status(422).send({ error: { code: 'BAD_SIGNATURE', message: 'the signature does not match' } });
    received.push(body);
    return reply.status(201).send({ id: `T-${received.length}`, state: 'received' });
  });
  const address = await desk.listen({ port: 0, host: '127.0.0.1' });
  return { url: address, received, close: () => desk.close() };
}

let f: ArchiveFixture;
let pki: Pki;

before(async () => {
  [f, pki] = await Promise.all([buildArchive('onprem-s'), makePki()]);
});

after(async () => {
  await cleanupDatabases();
  await dropMariaDatabases();
  await removeDir(f.home);
});

for (const engine of ['postgres', 'mysql'] as const) {
  describe(`assistant services on ${engine === 'mysql' ? 'MariaDB' : 'PostgreSQL'}`, () => {
    let inst: Installation;
    let app: FastifyInstance;
    const trust = (): { extraRoots: string[] } => ({ extraRoots: [pki.root.cert] });

    const post = async (task: string, action: string, payload: Record<string, unknown> = {}) => app.inject({ method: 'POST', url: `/api/onprem/tasks/${task}/${action}`, headers: auth, payload });
    const state = async (task: string) => (await app.inject({ method: 'GET', url: `/api/onprem/tasks/${task}`, headers: auth })).json();
    const withDb = async <T>(work: (db: Db) => Promise<T>): Promise<T> => {
      const db = new Db((await openTarget(parseTarget(inst.db))).client);
      try {
        return await work(db);
      } finally {
        await db.close();
      }
    };

    before(async () => {
      inst = await restoreInstallation(f, engine, `services-${engine}`);
      app = await buildOnpremApp({ db: inst.db, dataDir: inst.dataDir, adminToken, trust: trust() });
      const address = await post('P5', 'set', { to: `https://${host}` });
      assert.equal(address.statusCode, 200, address.body);
    });

    after(async () => {
      await app.close();
    });

    test('P6 the channels the account had are listed with reconnect status; marking them reconnected is tracked; an unknown id is refused', async () => {
      const listed = (await post('P6', 'list')).json();
      assert.equal(listed.channels.length, 4);
      assert.ok(listed.channels.every((c: { reconnectedAt: string | null; webhook: string }) => c.reconnectedAt === null && c.webhook.startsWith(`https://${host}/pub/imconnector/`)), 'the webhook to register is under the new address');
      assert.match((await state('P6')).why, /4 of 4 channels must be reconnected/);
      const unknown = await post('P6', 'reconnected', { ids: [999_999] });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().error.code, 'REPAT_ONPREM_TASK_UNKNOWN');
      const invalid = await post('P6', 'reconnected', { ids: 'all' });
      assert.equal(invalid.statusCode, 400);
      const ids = listed.channels.map((c: { id: number }) => c.id);
      await post('P6', 'reconnected', { ids: ids.slice(0, 2) });
      assert.match((await state('P6')).why, /2 of 4 channels must be reconnected/);
      const cli = await runCli(['onprem', 'P6', 'reconnected', ...ids.slice(2).map(String), '--db', inst.db, '--data-dir', inst.dataDir, '--json'], f.home);
      assert.equal(cli.code, 0, cli.stderr);
      const done = await state('P6');
      assert.equal(done.state, 'done');
    });

    test('P7 the push server is set only when it answers: an unreachable one changes nothing, a real local server is checked and written to the pull options', async () => {
      const before = await withDb((db) => db.query("SELECT name, value FROM b_option WHERE module_id = 'pull' ORDER BY name"));
      const down = await post('P7', 'set', { server: `http://127.0.0.1:${await closedPort()}` });
      assert.equal(down.statusCode, 502);
      assert.equal(down.json().error.code, 'REPAT_ONPREM_UNREACHABLE');
      assert.ok(down.json().error.hint);
      assert.deepEqual(await withDb((db) => db.query("SELECT name, value FROM b_option WHERE module_id = 'pull' ORDER BY name")), before);

      const hits: string[] = [];
      const push = createServer((request, response) => {
        hits.push(request.url ?? '');
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      });
      const port = await listen(push);
      try {
        const set = await post('P7', 'set', { server: `http://127.0.0.1:${port}` });
        assert.equal(set.statusCode, 200, set.body);
        assert.deepEqual(hits, ['/server-stat/'], 'the server was asked');
        const publish = await withDb((db) => db.one<{ value: string }>("SELECT value FROM b_option WHERE module_id = 'pull' AND name = 'path_to_publish'"));
        assert.equal(publish!.value, `http://127.0.0.1:${port}/pub/`);
        const status = await state('P7');
        assert.equal(status.state, 'done');
        assert.match(status.why, /answered \(HTTP 200\)/);
      } finally {
        await new Promise<void>((resolve) => push.close(() => resolve()));
      }
    });

    test('P8 sites, stores and forms are listed; publishing waits until the cloud copies moved, then binds each site to the new domain, rewrites links and publishes', async () => {
      const listed = (await post('P8', 'list')).json();
      assert.ok(listed.sites.length >= 1 && listed.forms.length >= 1);
      const oldDomain = listed.sites[0].domain as string;
      assert.match(oldDomain, /cloud-sites\.example$/);
      const early = await post('P8', 'publish', { domain: host });
      assert.equal(early.statusCode, 409);
      assert.equal(early.json().error.code, 'REPAT_ONPREM_BLOCKED');
      assert.match(early.json().error.hint, /moved/);
      const same = await post('P8', 'moved', { to: oldDomain });
      assert.equal(same.statusCode, 400, 'the cloud copy cannot have moved to where the sites answer today');
      assert.match((await state('P8')).why, /first move the cloud copies/);
      const moved = await post('P8', 'moved', { to: 'globex-old.cloud-sites.example' });
      assert.equal(moved.statusCode, 200, moved.body);
      const linksBefore = await withDb((db) => db.count("SELECT count(*) AS n FROM b_landing_block WHERE content LIKE '%globex.cloud.example%'"));
      assert.ok(linksBefore > 0);
      const published = await post('P8', 'publish', { domain: host });
      assert.equal(published.statusCode, 200, published.body);
      const report = published.json();
      assert.deepEqual(report.sites[0], { id: listed.sites[0].id, before: oldDomain, after: `${oldDomain.split('.')[0]}.${host}` });
      assert.equal(report.rewrittenBlocks, linksBefore);
      await withDb(async (db) => {
        assert.equal(await db.count("SELECT count(*) AS n FROM b_landing_block WHERE content LIKE '%globex.cloud.example%'"), 0, 'no link points to the cloud any more');
        assert.ok((await db.count(`SELECT count(*) AS n FROM b_landing_block WHERE content LIKE '%https://${host}/crm/form/%'`)) > 0);
        assert.equal(await db.count('SELECT count(*) AS n FROM b_landing WHERE deleted = FALSE AND active = TRUE AND public = FALSE'), 0, 'every page is published');
      });
      const status = await state('P8');
      assert.equal(status.state, 'done', status.why);
    });

    test('P9 outgoing mail through the own SMTP server, tested without TLS, with STARTTLS and implicit TLS; a wrong password is refused without showing it', async () => {
      const plain = await startSmtpCatcher({ tls: 'none' });
      const starttls = await startSmtpCatcher({ tls: 'starttls', auth: { user: 'mailer', pass: 's3cret-smtp-pass' } });
      const implicit = await startSmtpCatcher({ tls: 'implicit' });
      try {
        assert.match((await state('P9')).why, /cloud's server/);
        for (const [label, catcher, extra] of [
          ['none', plain, {}],
          ['starttls', starttls, { ca: starttls.certificate, requireTls: true }],
          ['implicit', implicit, { ca: implicit.certificate }],
        ] as const) {
          const configured = await post('P9', 'configure', { smtp: catcher.url, from: 'noreply@intranet.globex.example', ...extra });
          assert.equal(configured.statusCode, 200, `${label}: ${configured.body}`);
          assert.ok(!configured.body.includes('s3cret-smtp-pass'), 'the SMTP password is not echoed');
          assert.equal((await state('P9')).state, 'todo', 'configured but not tested yet');
          const sent = await post('P9', 'test', { to: 'admin@globex.example' });
          assert.equal(sent.statusCode, 200, `${label}: ${sent.body}`);
          const mail = await catcher.waitFor((m) => m.subject === 'Test mail from your intranet');
          assert.equal(mail.secure, label !== 'none', `${label}: TLS as configured`);
          assert.deepEqual(mail.to, ['admin@globex.example']);
          assert.equal((await state('P9')).state, 'done');
        }
        const wrong = await post('P9', 'configure', { smtp: starttls.url.replace('s3cret-smtp-pass', 'wrong-pass-xyz'), from: 'noreply@intranet.globex.example', ca: starttls.certificate });
        assert.equal(wrong.statusCode, 502);
        assert.equal(wrong.json().error.code, 'REPAT_MAIL_FAILED');
        assert.ok(!wrong.body.includes('wrong-pass-xyz') && !wrong.body.includes('s3cret'), 'no password in the error');
        const active = await withDb((db) => db.query<{ server: string; port: unknown }>('SELECT server, port FROM b_mail_smtp WHERE active = TRUE'));
        assert.deepEqual(active.map((r) => Number(r.port)), [implicit.port], 'the refused server did not replace the working one');
        const everything = await app.inject({ method: 'GET', url: '/api/onprem/status', headers: auth });
        assert.ok(!everything.body.includes('s3cret-smtp-pass'));
      } finally {
        await Promise.all([plain.close(), starttls.close(), implicit.close()]);
      }
    });

    test('R5 P10 the installation starts self-signed; P10 is blocked until a trusted certificate; bad certificates are refused and change nothing; a valid one with its chain is trusted', async () => {
      const initial = await state('R5');
      assert.equal(initial.state, 'todo');
      assert.equal(initial.details.source, 'self-signed');
      assert.match(initial.why, /self-signed/);
      const p10 = await state('P10');
      assert.equal(p10.state, 'blocked');
      assert.match(p10.why, /no trusted certificate/);
      const early = await post('P10', 'request', { deskUrl: 'http://127.0.0.1:9', licenseKey: f.license });
      assert.equal(early.statusCode, 409);
      assert.equal(early.json().error.code, 'REPAT_ONPREM_BLOCKED');
      const cli = await runCli(['onprem', 'P10', 'request', '--desk', 'http://127.0.0.1:9', '--license', f.license, '--db', inst.db, '--data-dir', inst.dataDir, '--json'], f.home);
      assert.equal(cli.code, 42, 'the CLI refuses the same way');

      const installedBefore = await readInstalledCertificate(inst.dataDir);
      const refuse = async (payload: Record<string, unknown>, reason: RegExp): Promise<void> => {
        const response = await post('R5', 'install', payload);
        assert.equal(response.statusCode, 422, response.body);
        assert.equal(response.json().error.code, 'REPAT_TLS_INVALID');
        assert.match(response.json().error.message, reason);
        assert.ok(!response.body.includes('PRIVATE KEY'), 'the key is never echoed');
        assert.deepEqual(await readInstalledCertificate(inst.dataDir), installedBefore, 'the current certificate stays');
      };
      await refuse({ cert: pki.leaf.cert, key: pki.otherKey, chain: pki.intermediate.cert }, /private key does not belong/);
      await refuse({ cert: pki.expired.cert, key: pki.expired.key, chain: pki.intermediate.cert }, /expired on/);
      await refuse({ cert: pki.wrongHost.cert, key: pki.wrongHost.key, chain: pki.intermediate.cert }, /does not name the host intranet\.globex\.example/);
      await refuse({ cert: pki.leaf.cert, key: pki.leaf.key }, /chain is incomplete/);
      await refuse({ cert: 'not a certificate', key: pki.leaf.key }, /no PEM certificate/);

      // The valid one through the CLI, from files, trusting the company root.
      const files = { cert: path.join(f.home, `${engine}-cert.pem`), key: path.join(f.home, `${engine}-key.pem`), chain: path.join(f.home, `${engine}-chain.pem`), root: path.join(f.home, `${engine}-root.pem`) };
      await Promise.all([writeFile(files.cert, pki.leaf.cert), writeFile(files.key, pki.leaf.key), writeFile(files.chain, pki.intermediate.cert), writeFile(files.root, pki.root.cert)]);
      const installed = await runCli(['onprem', 'R5', 'install', '--cert', files.cert, '--key', files.key, '--chain', files.chain, '--trust-ca', files.root, '--db', inst.db, '--data-dir', inst.dataDir, '--json'], f.home);
      assert.equal(installed.code, 0, installed.stdout + installed.stderr);
      assert.equal(JSON.parse(installed.stdout).trusted, true);
      assert.ok(!installed.stdout.includes('PRIVATE KEY'));
      const trusted = await state('R5');
      assert.equal(trusted.state, 'done', trusted.why);
      assert.equal(trusted.details.source, 'installed');
      assert.equal(trusted.details.sha256, createHash('sha256').update(new X509Certificate(pki.leaf.cert).raw).digest('hex'));
      const keyFile = await stat(path.join(inst.dataDir, '.repatriate/assistant/tls/key.pem'));
      assert.equal(keyFile.mode & 0o777, 0o600, 'the key is readable by its owner only');
      assert.equal((await state('P10')).state, 'todo', 'unlocked by the trusted certificate');
    });

    test('P10 with the desk unreachable the signed request is written to a file and the status says where; then the desk receives it, checks the signature, and the task is done', async () => {
      const numbers = (await withDb((db) => db.query<{ number: string }>('SELECT number FROM b_voximplant_number WHERE rented = TRUE ORDER BY number'))).map((r) => r.number);
      assert.equal(numbers.length, 3);
      const offline = await post('P10', 'request', { deskUrl: `http://127.0.0.1:${await closedPort()}`, licenseKey: f.license });
      assert.equal(offline.statusCode, 200, offline.body);
      assert.equal(offline.json().delivery, 'file');
      const file = offline.json().file as string;
      const status = await state('P10');
      assert.equal(status.state, 'todo');
      assert.ok(status.why.includes(file), 'the status names the file');
      const written = JSON.parse(await readFile(file, 'utf8'));
      const key = createPublicKey({ key: Buffer.from(written.publicKey, 'base64'), format: 'der', type: 'spki' });
      assert.ok(verifyJson(written.request, written.signature, key), 'the file carries a valid signature');
      assert.deepEqual(written.request.numbers, numbers);

      const desk = await startDesk();
      try {
        const sent = await post('P10', 'request', { deskUrl: desk.url, licenseKey: f.license });
        assert.equal(sent.statusCode, 200, sent.body);
        assert.deepEqual({ delivery: sent.json().delivery, id: sent.json().id }, { delivery: 'desk', id: 'T-1' });
        const [received] = desk.received;
        assert.ok(received);
        assert.equal(received.publicKey, written.publicKey, 'the installation keeps one key');
        assert.deepEqual({ ...received.request, createdAt: undefined }, {
          v: 1,
          licenseKey: f.license,
          accountUrl: 'https://globex.cloud.example',
          installationUrl: `https://${host}`,
          numbers,
          certificateSha256: createHash('sha256').update(new X509Certificate(pki.leaf.cert).raw).digest('hex'),
          createdAt: undefined,
        });
        const done = await state('P10');
        assert.equal(done.state, 'done');
        assert.match(done.why, /T-1/);
      } finally {
        await desk.close();
      }
    });

    test('R5 the ACME HTTP-01 answers are served by the installation; an unreachable ACME server is reported and the certificate stays', async () => {
      await putChallenge(inst.dataDir, 'tok_ABCdef-123456', 'tok_ABCdef-123456.thumbprint');
      const answer = await app.inject({ method: 'GET', url: '/.well-known/acme-challenge/tok_ABCdef-123456' });
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.body, 'tok_ABCdef-123456.thumbprint');
      assert.match(String(answer.headers['content-type']), /text\/plain/);
      assert.equal((await app.inject({ method: 'GET', url: '/.well-known/acme-challenge/unknown-token-1' })).statusCode, 404);
      assert.equal((await app.inject({ method: 'GET', url: '/.well-known/acme-challenge/..%2F..%2Ftls%2Fkey.pem' })).statusCode, 404, 'no path escapes the challenge folder');
      const before = await readInstalledCertificate(inst.dataDir);
      const acme = await post('R5', 'letsencrypt', { email: 'admin@globex.example', directoryUrl: `http://127.0.0.1:${await closedPort()}/directory` });
      assert.equal(acme.statusCode, 502, acme.body);
      assert.equal(acme.json().error.code, 'REPAT_ONPREM_UNREACHABLE');
      assert.match(acme.json().error.hint, /well-known\/acme-challenge/);
      assert.deepEqual(await readInstalledCertificate(inst.dataDir), before);
    });

    test('P11 the marketplace apps of the cloud account are listed from the exclusion ledger with reinstall status', async () => {
      const listed = (await post('P11', 'list')).json();
      assert.equal(listed.had, 1);
      // The ledger names the app (code and name from the cloud's b_rest_app), never its secrets.
      const [app] = listed.apps as { code: string; name: string; reinstalled: boolean }[];
      assert.ok(app!.code.length > 0 && app!.name.length > 0, JSON.stringify(app));
      assert.equal(app!.reinstalled, false);
      assert.match((await state('P11')).why, /1 of 1 marketplace apps/);
      // Another app does not settle it; the same code reinstalled does.
      await withDb((db) => db.query(
        "INSERT INTO b_rest_app (client_id, code, app_name, active, installed, url, version, scope, status, client_secret, shared_key) VALUES ('local.onprem.0', 'other.app', 'Other', TRUE, TRUE, 'https://apps.example.com/other/', 1, 'im', 'F', 'new-secret', 'new-key')",
      ));
      assert.equal((await state('P11')).state, 'todo');
      await withDb((db) => db.query(
        `INSERT INTO b_rest_app (client_id, code, app_name, active, installed, url, version, scope, status, client_secret, shared_key) VALUES ('local.onprem.1', '${app!.code.replace(/'/g, "''")}', 'Reinstalled', TRUE, TRUE, 'https://apps.example.com/x/', 1, 'im', 'F', 'new-secret', 'new-key')`,
      ));
      assert.equal((await state('P11')).state, 'done');
    });
  });
}

test('P1 the signed-in answer and every status leave no secret: no argon2 hash, SMTP password, token or key in the checklist', async () => {
  const inst = await restoreInstallation(f, 'postgres', 'services-secrets');
  const app = await buildOnpremApp({ db: inst.db, dataDir: inst.dataDir, adminToken });
  try {
    const smtp = await startSmtpCatcher({ tls: 'none', auth: { user: 'u', pass: 'another-secret-pass' } });
    try {
      assert.equal((await app.inject({ method: 'POST', url: '/api/onprem/tasks/P9/configure', headers: auth, payload: { smtp: smtp.url, from: 'noreply@x.example' } })).statusCode, 200);
      await app.inject({ method: 'POST', url: '/api/onprem/tasks/P1/set-password', headers: auth, payload: { login: 'admin@globex.cloud.example', password: 'admin password 99' } });
      const body = (await app.inject({ method: 'GET', url: '/api/onprem/status', headers: auth })).body;
      for (const secret of ['another-secret-pass', '$argon2', 'PRIVATE KEY', adminToken]) assert.ok(!body.includes(secret), `status holds no ${secret}`);
      assert.match(body, /smtp:\/\/127\.0\.0\.1/, 'the server shows, redacted');
    } finally {
      await smtp.close();
    }
  } finally {
    await app.close();
  }
});
