import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { FastifyInstance } from 'fastify';
import { after, before, describe, test } from 'node:test';
import { downloadArchive } from '../src/archive/download.js';
import { verifyArchive } from '../src/archive/verify.js';
import { trustedVendorKeys } from '../src/cli/trusted-keys.js';
import { loadOrCreateSigningKey } from '../src/core/keystore.js';
import { silentProgress } from '../src/core/progress.js';
import { encodeLicense } from '../src/license/key.js';
import { destroyCloud, initCloud, withCloud } from '../src/platform/cloud.js';
import { setCloudPassword } from '../src/platform/passwords.js';
import { restore } from '../src/restore/restore.js';
import { buildDeskApp } from '../src/server/desk/app.js';
import { S3ArchiveStore, s3SettingsFromEnv } from '../src/workflow/archive-store/s3.js';
import { openDesk, type Desk } from '../src/workflow/desk.js';
import type { JobSettings } from '../src/workflow/jobs/queue.js';
import { cleanupStores, generateSigningKey, licenseKeyFor, scratchStore } from './desk-helpers.js';
import { removeDir, root, scratchDatabase, tempDir } from './helpers.js';
import { startS3Server, type S3Server } from './s3.js';
import { startSmtpCatcher, type SmtpCatcher } from './smtp.js';

/**
 * The desk on PostgreSQL with pg-boss, real `repatriate worker` processes and the S3 store
 * (B7, M7, M11, M12): the whole story once, with one worker killed mid-job on the way.
 */
const acme = 'https://acme.cloud.example';
const globex = 'https://globex.cloud.example';
const adminPassword = 'acme admin password 1';
const operator = { email: 'olga@vendor.example', password: 'operator passphrase one' };
const signer = generateSigningKey();
/** Short queue settings so a lost job is retried within seconds. */
const settings: JobSettings = { retryLimit: 4, retryDelaySeconds: 1, expireInSeconds: 8, maintenanceSeconds: 1, pollingSeconds: 0.5 };
const jobEnv = { REPATRIATE_JOB_RETRIES: '4', REPATRIATE_JOB_RETRY_DELAY_SECONDS: '1', REPATRIATE_JOB_EXPIRE_SECONDS: '8', REPATRIATE_JOB_MAINTENANCE_SECONDS: '1', REPATRIATE_JOB_POLL_SECONDS: '0.5' };

let home: string;
let deskUrl: string;
let s3: S3Server;
let smtp: SmtpCatcher;
let desk: Desk;
let app: FastifyInstance;
let offsetMs = 0;
let requestId = 0;
const workers: Worker[] = [];

interface JobLine { job: string; kind: string; ordinal?: number; retry: number; outcome: string }
interface Worker { child: ChildProcess; pid: number; lines: JobLine[]; exited: Promise<number | null>; stderr: () => string }

async function startWorker(): Promise<Worker> {
  const child = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), 'worker', '--json', '--concurrency', '1', '--smtp', smtp.url, '--smtp-from', 'desk@vendor.example', '--public-url', 'https://desk.vendor.example'], {
    env: { ...process.env, REPATRIATE_HOME: home, DATABASE_URL: deskUrl, ...s3.env, ...jobEnv }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines: JobLine[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if ('worker' in parsed) resolve();
      else lines.push(parsed as unknown as JobLine);
    });
    void exited.then((code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
  });
  await ready;
  const worker = { child, pid: child.pid!, lines, exited, stderr: () => stderr };
  workers.push(worker);
  return worker;
}

async function call(method: 'GET' | 'POST', url: string, token?: string, body?: unknown): Promise<{ status: number; body: any; raw: string }> {
  const r = await app.inject({ method, url, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
  let parsed: unknown;
  try {
    parsed = r.body ? JSON.parse(r.body) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: r.statusCode, body: parsed, raw: r.body };
}

const customerToken = async (): Promise<string> => (await call('POST', '/api/sessions', undefined, { accountUrl: acme, login: 'admin@acme.cloud.example', password: adminPassword })).body.token;
const operatorToken = async (): Promise<string> => (await call('POST', '/api/operator/sessions', undefined, operator)).body.token;

/** What the build, its volumes, its jobs and the workers say: for the message of a test that times out. */
async function diagnose(): Promise<string> {
  const builds = await desk.store.query('SELECT stage, attempts, failure, bytes_done FROM builds');
  const volumes = await desk.store.query('SELECT ordinal, units, done_at, done_by FROM build_volumes ORDER BY ordinal');
  const jobs = await (await desk.jobQueue()).jobsOf(requestId);
  return JSON.stringify({ builds, volumes, jobs, workers: workers.map((w) => ({ pid: w.pid, lines: w.lines, stderr: w.stderr().slice(-2000) })) }, null, 1);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${await diagnose()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  home = await tempDir('desk-jobs');
  s3 = await startS3Server();
  smtp = await startSmtpCatcher({ tls: 'none' });
  await initCloud(home, { seed: 11, tenants: 2, size: 4e6, databaseUrl: scratchDatabase('jobs_cloud') }, silentProgress);
  await withCloud(home, async (cloud) => {
    await setCloudPassword(cloud.db, acme, 'admin@acme.cloud.example', adminPassword);
    await setCloudPassword(cloud.db, globex, 'admin@globex.cloud.example', adminPassword);
    await cloud.db.query('UPDATE cloud_tenant SET auto_renew = false');
  });
  const store = await scratchStore('postgres', 'jobs');
  deskUrl = (store as { url: string }).url;
  desk = await openDesk({
    home, store, clock: () => new Date(Date.now() + offsetMs), licenseKeys: [signer.publicKey], volumeSize: 128 * 1024,
    archiveStore: new S3ArchiveStore(s3SettingsFromEnv(s3.env)!), jobs: { url: deskUrl, settings }, mail: { url: smtp.url, from: 'desk@vendor.example' },
  });
  await desk.addOperator(operator.email, operator.password, 'cli:test');
  app = await buildDeskApp({ desk });
});

after(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await app?.close();
  await desk?.close();
  await destroyCloud(home).catch(() => undefined);
  await cleanupStores();
  await s3?.stop();
  await smtp?.close();
  await removeDir(home);
});

describe('the desk on PostgreSQL with pg-boss workers and the S3 store', () => {
  test('B7 M7 M11 M12 the whole story: request, approval, freeze, volume jobs on two workers (one killed mid-job), password mail, download, restore, reconcile', async () => {
    // Assessment and request (B2, M2), approval with a final date (M7, M13).
    const customer = await customerToken();
    const key = licenseKeyFor(signer, { seats: 1000 });
    await call('POST', `/api/licenses/${key}/activation`, undefined, { installationUrl: 'https://intranet.customer.example' });
    await call('POST', `/api/licenses/${key}/registration`, undefined, { owner: 'Owner GmbH', email: 'owner@customer.example' });
    const assessment = await call('POST', '/api/assessments', customer, { accountUrl: acme, licenseKey: key });
    assert.equal(assessment.status, 200, assessment.raw);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const created = await call('POST', '/api/requests', customer, { licenseKey: key, requestedDate: tomorrow, termsVersion: desk.termsVersion, acceptTerms: true });
    assert.equal(created.status, 201, created.raw);
    requestId = created.body.id;
    const op = await operatorToken();
    assert.equal((await call('POST', `/api/operator/requests/${requestId}/approve`, op, {})).status, 200);
    assert.equal((await call('POST', `/api/operator/requests/${requestId}/schedule`, op, { finalDate: tomorrow })).status, 200);

    // The final date comes: the desk freezes and queues; it builds nothing itself.
    offsetMs = 86_400_000 + 3600_000;
    const tick = await desk.archives.tick();
    assert.deepEqual(tick.frozen, [requestId]);
    assert.deepEqual(tick.queued, [requestId]);
    assert.deepEqual(tick.ready, []);

    // One worker starts; once it has built a volume and is in the middle of the next, it is killed.
    const first = await startWorker();
    const sql = desk.store;
    // The worker is stopped (SIGSTOP) before its job is looked at, so the job cannot finish
    // between the look and the kill; had it finished meanwhile, the worker goes on and is caught
    // in its next job.
    let lost;
    for (;;) {
      await until('a volume built and the next job running', async () => {
        const [row] = await sql.query<{ done: string }>('SELECT count(*) FILTER (WHERE done_at IS NOT NULL) AS done FROM build_volumes WHERE request_id = $1', [requestId]);
        const active = (await (await desk.jobQueue()).jobsOf(requestId)).filter((j) => j.state === 'active' && j.data.kind === 'volume');
        return Number(row?.done ?? 0) >= 1 && active.length === 1 ? true : undefined;
      });
      first.child.kill('SIGSTOP');
      lost = (await (await desk.jobQueue()).jobsOf(requestId)).find((j) => j.state === 'active' && j.data.kind === 'volume');
      if (lost) break;
      first.child.kill('SIGCONT');
    }
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal((await (await desk.jobQueue()).jobsOf(requestId)).find((j) => j.id === lost.id)?.state, 'active', 'the killed worker left its job active');
    const doneBefore = await sql.query<{ ordinal: number; done_at: string; done_by: string }>('SELECT ordinal, done_at::text, done_by FROM build_volumes WHERE request_id = $1 AND done_at IS NOT NULL ORDER BY ordinal', [requestId]);

    // Two workers share the queue; the lost job expires and one of them takes it again.
    const [second, third] = [await startWorker(), await startWorker()];
    // The desk's clock moved a day on: sessions of yesterday have ended.
    const customerNow = await customerToken();
    const ready = await until('the archive ready', async () => {
      const r = await call('GET', `/api/requests/${requestId}`, customerNow);
      if (r.body.state === 'failed') throw new Error(`the build failed: ${r.raw}\n${second.stderr()}\n${third.stderr()}`);
      return r.body.state === 'ready' ? r.body : undefined;
    });
    const volumes = await sql.query<{ ordinal: number; done_at: string; done_by: string }>('SELECT ordinal, done_at::text, done_by FROM build_volumes WHERE request_id = $1 ORDER BY ordinal', [requestId]);
    assert.ok(volumes.length >= 4, `the build split into several volume jobs: ${volumes.length}`);
    assert.equal(ready.archive.volumes, volumes.length + 1, 'one volume per job, and the last one with contents.json');
    for (const before of doneBefore) {
      assert.deepEqual(volumes.find((v) => v.ordinal === before.ordinal), before, `volume ${before.ordinal} was not built again (the journal kept it)`);
    }
    const builders = new Set(volumes.map((v) => Number(v.done_by.split(':').at(-1))));
    assert.ok(builders.has(second.pid) && builders.has(third.pid), `both workers built volumes: ${[...builders].join(', ')}`);

    // Every job done exactly once: all completed, and no job reported done by two workers.
    const jobs = await until('every job completed', async () => {
      const all = await (await desk.jobQueue()).jobsOf(requestId);
      return all.some((j) => j.state === 'active' || j.state === 'created' || j.state === 'retry') ? undefined : all;
    }, 30_000);
    assert.deepEqual([...new Set(jobs.map((j) => j.state))], ['completed'], JSON.stringify(jobs.map((j) => [j.data.kind, j.state])));
    assert.equal(jobs.filter((j) => j.data.kind === 'plan').length, 1);
    assert.equal(jobs.filter((j) => j.data.kind === 'finish').length, 1);
    assert.equal(jobs.filter((j) => j.data.kind === 'volume').length, volumes.length);
    const retried = jobs.find((j) => j.id === lost.id)!;
    assert.ok(retried.retryCount >= 1, 'the lost job was retried');
    const reported = [...first.lines, ...second.lines, ...third.lines].filter((l) => l.outcome !== 'skipped' && l.outcome !== 'failed');
    assert.equal(reported.length, new Set(reported.map((l) => l.job)).size, 'no job was done twice');
    assert.equal(reported.length, jobs.length, 'every job was reported done once');

    // The archive lives in the bucket only.
    const archiveId = ready.archive.archiveId as string;
    assert.equal((await s3.keys()).filter((k) => k.startsWith(`${archiveId}/`)).length, volumes.length + 2);

    // The password mail (M11) and the download (M12), verified chunk by chunk against the signed index.
    const mail = await smtp.waitFor((m) => m.subject.includes(`request ${requestId}: the password`), 30_000);
    const token = /\/api\/password-reveals\/([A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;
    const revealed = await call('GET', `/api/password-reveals/${token}`);
    assert.equal(revealed.status, 200);
    const password = revealed.body.password as string;
    const listening = await app.listen({ port: 0, host: '127.0.0.1' });
    const out = path.join(home, 'downloaded');
    const trusted = await trustedVendorKeys(home);
    const download = await downloadArchive({ deskUrl: listening, requestId, token: customerNow, out, trusted, parallel: 3, attempts: 3 });
    assert.equal(download.volumes, volumes.length + 1);
    const verified = await verifyArchive(out, trusted, { passphrase: password });
    assert.ok(verified.rows > 0);

    // The restore into a fresh embedded installation, reconciled against contents.json (R3, B3).
    const licenseKey = encodeLicense(
      { v: 1, id: 'L-DE0000000077', product: 'reference-intranet', kind: 'onpremise', edition: 'enterprise', seats: 250, supportUntil: '2099-12-31', issuedAt: new Date().toISOString() },
      await loadOrCreateSigningKey(path.join(home, 'vendor'), 'license-key'),
    );
    const restored = await restore({
      archiveDir: out, secret: { passphrase: password }, licenseKey, target: { engine: 'pglite', dir: path.join(home, 'onprem', 'db') }, dataDir: path.join(home, 'onprem', 'data'),
      trustedArchiveKeys: trusted, trustedLicenseKeys: [(await loadOrCreateSigningKey(path.join(home, 'vendor'), 'license-key')).publicKey], today: new Date().toISOString().slice(0, 10), dryRun: false,
    });
    assert.equal(restored.dryRun, false);
    if (!restored.dryRun) assert.equal(restored.reconcile.ok, true);

    // Retention (M12): 7 days on, the purge deletes every object from the bucket, audited.
    offsetMs = 9 * 86_400_000;
    const purge = await desk.archives.tick();
    assert.deepEqual(purge.purged, [requestId]);
    assert.deepEqual((await s3.keys()).filter((k) => k.startsWith(`${archiveId}/`)), []);
    const audit = await call('GET', `/api/audit?subject=request:${requestId}`, await operatorToken());
    const actions = audit.body.entries.map((e: { action: string }) => e.action);
    for (const action of ['request.freeze', 'build.start', 'build.plan', 'build.ready', 'password.send', 'archive.purge']) assert.ok(actions.includes(action), `${action} audited`);

    // A worker stops gracefully on SIGTERM.
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.stderr());
  });

  test('B7 on the local store, workers in the desk process build the volumes two at a time; a job queued twice is stored once', async () => {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    const local = await openDesk({ home, store: { engine: 'postgres', url: deskUrl }, clock: () => new Date(Date.now() + offsetMs), licenseKeys: [signer.publicKey], volumeSize: 128 * 1024, jobs: { url: deskUrl, settings }, onSecretMail: () => undefined });
    try {
      const customer = (await call('POST', '/api/sessions', undefined, { accountUrl: globex, login: 'admin@globex.cloud.example', password: adminPassword })).body.token as string;
      const key = licenseKeyFor(signer, { seats: 1000 });
      await call('POST', `/api/licenses/${key}/activation`, undefined, { installationUrl: 'https://intranet.globex.example' });
      await call('POST', `/api/licenses/${key}/registration`, undefined, { owner: 'Globex AG', email: 'owner@globex.example' });
      const day = new Date(Date.now() + offsetMs + 86_400_000).toISOString().slice(0, 10);
      const created = await call('POST', '/api/requests', customer, { licenseKey: key, requestedDate: day, termsVersion: desk.termsVersion, acceptTerms: true });
      assert.equal(created.status, 201, created.raw);
      const id = created.body.id as number;
      const op = await operatorToken();
      await call('POST', `/api/operator/requests/${id}/approve`, op, {});
      assert.equal((await call('POST', `/api/operator/requests/${id}/schedule`, op, { finalDate: day })).status, 200);
      offsetMs += 86_400_000 + 3600_000;
      // The snapshot copies the cloud database: no other desk may hold a session on it.
      await desk.cloud.close();
      const tick = await local.archives.tick();
      assert.deepEqual(tick.queued, [id]);
      const queue = await local.jobQueue();
      assert.equal(await queue.send({ kind: 'plan', requestId: id, attempt: 1, volumeSize: 128 * 1024 }), false, 'the same job is stored once');
      await local.work(2);
      await until('the local archive ready', async () => {
        const [row] = await local.store.query<{ state: string }>('SELECT state FROM requests WHERE id = $1', [id]);
        if (row?.state === 'failed') throw new Error(await diagnose());
        return row?.state === 'ready' ? true : undefined;
      });
      const [build] = await local.store.query<{ out_dir: string; store: string; volumes: number }>('SELECT out_dir, store, volumes FROM builds WHERE request_id = $1', [id]);
      assert.equal(build!.store, 'local');
      const customerNow = (await call('POST', '/api/sessions', undefined, { accountUrl: globex, login: 'admin@globex.cloud.example', password: adminPassword })).body.token as string;
      const password = (await call('GET', `/api/requests/${id}/password`, customerNow)).body.password as string;
      await until('the finish job to clean up', async () => ((await readdir(build!.out_dir)).some((f) => f.startsWith('.job-')) ? undefined : true), 30_000);
      const files = (await readdir(build!.out_dir)).sort();
      assert.deepEqual(files, ['index.json', ...Array.from({ length: build!.volumes }, (_, i) => `vol-${String(i).padStart(4, '0')}.age`)].sort(), 'the volumes and the index, no private job folder left');
      const verified = await verifyArchive(build!.out_dir, await trustedVendorKeys(home), { passphrase: password });
      assert.ok(verified.rows > 0);
      const builders = await local.store.query<{ n: string }>('SELECT count(*) AS n FROM build_volumes WHERE request_id = $1 AND done_by IS NOT NULL', [id]);
      assert.equal(Number(builders[0]!.n), build!.volumes - 1);
    } finally {
      await local.close();
    }
  });

  test('B7 repatriate worker without DATABASE_URL refuses with REPAT_JOBS', async () => {
    const child = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), 'worker', '--json'], { env: { ...process.env, REPATRIATE_HOME: home, DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 56);
    assert.equal(JSON.parse(stdout).error.code, 'REPAT_JOBS');
  });
});
