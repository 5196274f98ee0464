import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access, writeFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { after, before, describe, test } from 'node:test';
import { downloadArchive } from '../src/archive/download.js';
import { verifyArchive } from '../src/archive/verify.js';
import { trustedVendorKeys } from '../src/cli/trusted-keys.js';
import type { RepatriateError } from '../src/core/errors.js';
import { silentProgress } from '../src/core/progress.js';
import { initCloud, withCloud } from '../src/platform/cloud.js';
import { setCloudPassword } from '../src/platform/passwords.js';
import { buildDeskApp } from '../src/server/desk/app.js';
import { S3ArchiveStore, s3SettingsFromEnv } from '../src/workflow/archive-store/s3.js';
import { openDesk, type Desk } from '../src/workflow/desk.js';
import { cleanupStores, generateSigningKey, licenseKeyFor, manualClock, scratchStore } from './desk-helpers.js';
import { removeDir, tempDir } from './helpers.js';
import { startS3Server, type S3Server } from './s3.js';

const acme = 'https://acme.cloud.example';
const password = 'acme admin password 1';
const operator = { email: 'olga@vendor.example', password: 'operator passphrase one' };
const signer = generateSigningKey();
const clock = manualClock('2026-11-25T09:00:00Z');

let home: string;
let s3: S3Server;
let desk: Desk;
let app: FastifyInstance;
let requestId = 0;
let archiveId = '';

async function call(method: 'GET' | 'POST', url: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; raw: string; headers: Record<string, unknown> }> {
  const r = await app.inject({
    method, url,
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  let parsed: unknown = r.body;
  try {
    parsed = r.body ? JSON.parse(r.body) : undefined;
  } catch {
    /* bytes */
  }
  return { status: r.statusCode, body: parsed, raw: r.body, headers: r.headers as Record<string, unknown> };
}

const signIn = async (): Promise<{ op: string; customer: string }> => ({
  op: (await call('POST', '/api/operator/sessions', undefined, operator)).body.token,
  customer: (await call('POST', '/api/sessions', undefined, { accountUrl: acme, login: 'admin@acme.cloud.example', password })).body.token,
});

before(async () => {
  home = await tempDir('desk-s3');
  s3 = await startS3Server();
  await initCloud(home, { seed: 7, tenants: 1, size: 2e6 }, silentProgress);
  await withCloud(home, async (cloud) => {
    await setCloudPassword(cloud.db, acme, 'admin@acme.cloud.example', password);
    await cloud.db.query('UPDATE cloud_tenant SET auto_renew = false');
  });
  desk = await openDesk({
    home, store: await scratchStore('pglite', 's3'), clock: clock.now, licenseKeys: [signer.publicKey], volumeSize: 256 * 1024,
    archiveStore: new S3ArchiveStore({ ...s3SettingsFromEnv(s3.env)!, prefix: 'desk/' }), onSecretMail: () => undefined,
  });
  await desk.addOperator(operator.email, operator.password, 'cli:test');
  app = await buildDeskApp({ desk });
  const { op, customer } = await signIn();
  const key = licenseKeyFor(signer, { seats: 1000 });
  await call('POST', `/api/licenses/${key}/activation`, undefined, { installationUrl: 'https://intranet.customer.example' });
  await call('POST', `/api/licenses/${key}/registration`, undefined, { owner: 'Owner GmbH', email: 'owner@customer.example' });
  const created = await call('POST', '/api/requests', customer, { licenseKey: key, requestedDate: '2026-12-10', termsVersion: desk.termsVersion, acceptTerms: true });
  assert.equal(created.status, 201, created.raw);
  requestId = created.body.id;
  assert.equal((await call('POST', `/api/operator/requests/${requestId}/approve`, op, {})).status, 200);
  assert.equal((await call('POST', `/api/operator/requests/${requestId}/schedule`, op, { finalDate: '2026-12-10' })).status, 200);
});

after(async () => {
  await app?.close();
  await desk?.close();
  await cleanupStores();
  await s3?.stop();
  await removeDir(home);
});

describe('archives in an S3-compatible store', () => {
  test('M12 the build lands in the bucket (multipart upload, volumes and index), the local working folder goes', async () => {
    clock.set('2026-12-10T01:00:00Z');
    const report = await desk.archives.tick();
    assert.deepEqual(report.ready, [requestId], JSON.stringify(report));
    const { customer } = await signIn();
    const detail = await call('GET', `/api/requests/${requestId}`, customer);
    archiveId = detail.body.archive.archiveId;
    const volumes = detail.body.archive.volumes as number;
    assert.ok(volumes >= 2, `several volumes: ${volumes}`);
    const expected = [`desk/${archiveId}/index.json`, ...Array.from({ length: volumes }, (_, i) => `desk/${archiveId}/vol-${String(i).padStart(4, '0')}.age`)].sort();
    assert.deepEqual(await s3.keys(), expected);
    await assert.rejects(access(path.join(home, 'desk', 'archives', archiveId)), /ENOENT/, 'no local copy stays behind');
  });

  test('M12 the desk serves the archive from the bucket with HTTP Range, and repatriate download verifies it', async () => {
    const { customer } = await signIn();
    const index = await call('GET', `/api/requests/${requestId}/archive/index.json`, customer);
    assert.equal(index.status, 200, index.raw);
    const volume = index.body.volumes[0] as { name: string; size: number };
    const ranged = await call('GET', `/api/requests/${requestId}/archive/${volume.name}`, customer, undefined, { range: 'bytes=100-1123' });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers['content-range'], `bytes 100-1123/${volume.size}`);
    assert.equal(Buffer.byteLength(ranged.raw, 'latin1') > 0, true);
    // The suffix form is turned into an explicit range before it reaches the store.
    const tail = await call('GET', `/api/requests/${requestId}/archive/${volume.name}`, customer, undefined, { range: 'bytes=-7' });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers['content-range'], `bytes ${volume.size - 7}-${volume.size - 1}/${volume.size}`);
    assert.equal(tail.headers['content-length'], '7');
    assert.equal((await call('GET', `/api/requests/${requestId}/archive/vol-0999.age`, customer)).status, 404);

    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const dir = await tempDir('s3-download');
    try {
      const out = path.join(dir, 'archive');
      const trusted = await trustedVendorKeys(home);
      const report = await downloadArchive({ deskUrl: url, requestId, token: customer, out, trusted, parallel: 3, attempts: 3 });
      assert.equal(report.volumes, index.body.volumes.length);
      const secret = (await call('GET', `/api/requests/${requestId}/password`, customer)).body.password as string;
      const verified = await verifyArchive(out, trusted, { passphrase: secret });
      assert.ok(verified.rows > 0);
    } finally {
      await removeDir(dir);
    }
  });

  test('M12 seven days after ready the purge deletes every object of the archive from the bucket, audited with the store', async () => {
    clock.set('2026-12-17T01:00:01Z');
    const report = await desk.archives.tick();
    assert.deepEqual(report.purged, [requestId]);
    assert.deepEqual(await s3.keys(), [], 'the bucket holds nothing of it');
    const { op } = await signIn();
    const audit = await call('GET', `/api/audit?subject=request:${requestId}&action=archive.purge`, op);
    assert.equal(audit.body.entries.length, 1);
    assert.equal(audit.body.entries[0].details.store, `s3://${s3.bucket}/desk/`);
    assert.ok(audit.body.entries[0].details.objects >= 3);
    assert.ok(!JSON.stringify(audit.body).includes('S3RVER'), 'no credential in the audit');
  });

  test('M12 a file larger than one part goes up as a multipart upload and reads back whole and by explicit ranges', async () => {
    const store = new S3ArchiveStore({ ...s3SettingsFromEnv(s3.env)!, prefix: 'multipart/', partBytes: 5 * 1024 * 1024 });
    const dir = await tempDir('s3-multipart');
    const id = '11111111-1111-4111-8111-111111111111';
    try {
      const bytes = randomBytes(11 * 1024 * 1024 + 123);
      const file = path.join(dir, 'vol-0000.age');
      await writeFile(file, bytes);
      assert.equal((await store.put(id, 'vol-0000.age', file)).parts, 3);
      assert.equal(await store.size(id, 'vol-0000.age'), bytes.length);
      const whole = await buffer(await store.read(id, 'vol-0000.age'));
      assert.ok(whole.equals(bytes), 'the object is the file');
      const span = await buffer(await store.read(id, 'vol-0000.age', { start: 5 * 1024 * 1024 - 10, end: 5 * 1024 * 1024 + 9 }));
      assert.ok(span.equals(bytes.subarray(5 * 1024 * 1024 - 10, 5 * 1024 * 1024 + 10)), 'a range across a part boundary');
      assert.equal(await store.remove(id), 1);
      assert.equal(await store.size(id, 'vol-0000.age'), undefined);
    } finally {
      store.close();
      await removeDir(dir);
    }
  });

  test('M12 a bucket that does not exist fails with REPAT_ARCHIVE_STORE naming the bucket, never the credentials', async () => {
    const store = new S3ArchiveStore({ ...s3SettingsFromEnv(s3.env)!, bucket: 'no-such-bucket' });
    try {
      await assert.rejects(store.list('00000000-0000-4000-8000-000000000000'), (error: RepatriateError) =>
        error.code === 'REPAT_ARCHIVE_STORE' && error.message.includes('s3://no-such-bucket/') && !error.message.includes('S3RVER') && !(error.hint ?? '').includes('S3RVER'));
    } finally {
      store.close();
    }
    assert.throws(() => s3SettingsFromEnv({ REPATRIATE_S3_BUCKET: 'b-1', REPATRIATE_S3_ACCESS_KEY_ID: 'x' }), (error: RepatriateError) => error.code === 'REPAT_USAGE');
  });
});
