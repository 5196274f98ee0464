import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { adminTokenFile } from '../src/postmigrate/admin-token.js';
import { putChallenge } from '../src/postmigrate/acme.js';
import { assistantDir } from '../src/postmigrate/installation.js';
import { buildArchive, restoreInstallation, type ArchiveFixture, type Installation } from './onprem-assistant-fixture.js';
import { cleanupDatabases, removeDir, startCli } from './helpers.js';

/** `repatriate serve --onprem` as an administrator starts it: HTTPS with the installation's certificate, port 80 for ACME. */
let f: ArchiveFixture;
let inst: Installation;

before(async () => {
  f = await buildArchive('onprem-serve');
  inst = await restoreInstallation(f, 'pglite', 'serve');
});

after(async () => {
  await cleanupDatabases();
  await removeDir(f.home);
});

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly peerCertificate?: string;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const secure = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, { headers, ...(secure ? { rejectUnauthorized: false } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      const peer = secure ? (res.socket as TLSSocket).getPeerCertificate(false).raw : undefined;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers, ...(peer ? { peerCertificate: new X509Certificate(peer).fingerprint256 } : {}) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('R5 P1 serve --onprem answers over HTTPS with the installation\'s self-signed certificate, guards tasks with the admin token, and answers ACME on plain HTTP', async () => {
  const serve = await startCli(['serve', '--onprem', '--db', inst.db, '--data-dir', inst.dataDir, '--port', '0', '--http-port', '0', '--json'], { REPATRIATE_ADMIN_TOKEN: '' });
  try {
    const started = JSON.parse(serve.firstLine) as { url: string; acmeUrl: string; adminToken: string };
    assert.match(started.url, /^https:\/\//);
    // The token is made once, readable only by the administrator, and never printed.
    assert.equal(started.adminToken, adminTokenFile(inst.dataDir));
    assert.equal((await stat(started.adminToken)).mode & 0o077, 0);
    const token = (await readFile(started.adminToken, 'utf8')).trim();
    assert.ok(!serve.firstLine.includes(token));

    const status = await get(`${started.url}/api/onprem/status`, { authorization: `Bearer ${token}` });
    assert.equal(status.status, 200, status.body);
    const tasks = (JSON.parse(status.body) as { tasks: { id: string }[] }).tasks.map((t) => t.id);
    assert.ok(tasks.includes('P1') && tasks.includes('R5'), status.body);
    // The certificate on the wire is the one the installation keeps (self-signed until R5 replaces it).
    const installed = new X509Certificate(await readFile(path.join(assistantDir(inst.dataDir), 'tls', 'cert.pem'), 'utf8'));
    assert.equal(status.peerCertificate, installed.fingerprint256);
    assert.equal((await get(`${started.url}/api/onprem/status`)).status, 401);
    assert.equal((await get(`${started.url}/api/onprem/status`, { authorization: 'Bearer wrong-token-wrong-token' })).status, 401);

    await putChallenge(inst.dataDir, 'challenge-token-123', 'challenge-token-123.key-thumbprint');
    const challenge = await get(`${started.acmeUrl}/.well-known/acme-challenge/challenge-token-123`);
    assert.equal(challenge.status, 200);
    assert.equal(challenge.body, 'challenge-token-123.key-thumbprint');
    assert.equal((await get(`${started.acmeUrl}/.well-known/acme-challenge/unknown-token-456`)).status, 404);
    const redirect = await get(`${started.acmeUrl}/api/onprem/status`);
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers['location'], `https://127.0.0.1:${new URL(started.url).port}/api/onprem/status`);
  } finally {
    await serve.stop();
  }
});
