import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { loadOrCreateSigningKey } from '../../core/keystore.js';
import { encodeLicense } from '../../license/key.js';
import { withCloud } from '../../platform/cloud.js';
import { setCloudPassword } from '../../platform/passwords.js';
import { buildDeskApp } from '../../server/desk/app.js';
import { downloadArchive } from '../../archive/download.js';
import { formatBytes } from '../../core/size.js';
import { openDesk } from '../../workflow/desk.js';
import type { Notice } from '../../workflow/notifications.js';
import { print } from '../output.js';
import { printAssessment } from './assess.js';
import { trustedVendorKeys, vendorDir } from '../trusted-keys.js';

/**
 * The desk's part of the story on an existing reference cloud: license → assessment → request
 * → operator approval with a final date, each step through the HTTP API as the customer and
 * the operator would call it. Starts from an empty embedded desk in the same home.
 */
export interface DeskDemoResult {
  /** The archive as the customer downloaded it, and its password as revealed by the one-time link. */
  readonly archiveDir: string;
  readonly password: string;
  readonly night: string;
}

export async function runDeskDemo(home: string, account = 'https://acme.cloud.example', downloadTo = path.join(home, 'archives', new URL(account).host)): Promise<DeskDemoResult> {
  const host = new URL(account).host;
  const adminLogin = `admin@${host}`;
  const adminPassword = randomBytes(12).toString('base64url');
  print(`\n== desk 1. the customer's cloud: ${adminLogin} gets a real password; auto-renewal is switched off (M5)`);
  await withCloud(home, async (cloud) => {
    await setCloudPassword(cloud.db, account, adminLogin, adminPassword);
    await cloud.db.query('UPDATE cloud_tenant SET auto_renew = false WHERE address = $1', [account]);
  });

  await rm(path.join(home, 'desk'), { recursive: true, force: true });
  // The demo's own clock: it jumps to the final date instead of waiting for it.
  let now = new Date();
  const secretMails: Notice[] = [];
  const desk = await openDesk({
    home, licenseKeys: [(await loadOrCreateSigningKey(vendorDir(home), 'license-key')).publicKey], clock: () => new Date(now), volumeSize: 4e6,
    publicUrl: 'https://desk.vendor.example', onSecretMail: (n) => secretMails.push(n),
  });
  const app = await buildDeskApp({ desk, secureCookies: false });
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown, token?: string): Promise<any> => {
    const r = await app.inject({ method, url, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
    const parsed = JSON.parse(r.body || '{}');
    if (r.statusCode >= 400) throw new Error(`${method} ${url} → ${r.statusCode}: ${r.body}`);
    return parsed;
  };
  try {
    print('\n== desk 2. the vendor issues an on-premise license; the customer activates and registers it (M3)');
    const signer = await loadOrCreateSigningKey(vendorDir(home), 'license-key');
    const payload = { v: 1 as const, id: `L-${randomBytes(6).toString('hex').toUpperCase()}`, product: 'reference-intranet', kind: 'onpremise' as const, edition: 'professional' as const, seats: 250, supportUntil: `${new Date().getUTCFullYear() + 1}-12-31`, issuedAt: new Date().toISOString() };
    const key = encodeLicense(payload, signer);
    await desk.recordIssued(key, { ...payload, signer: signer.keyId }, 'cli:demo');
    await call('POST', `/api/licenses/${key}/activation`, { installationUrl: 'https://intranet.acme.example' });
    await call('POST', `/api/licenses/${key}/registration`, { owner: 'Acme GmbH', email: 'it@acme.example' });
    const check = await call('GET', `/api/licenses/${key}/check`);
    print(`public check: ${check.message}`);

    print(`\n== desk 3. ${adminLogin} signs in with the cloud login (M2) and assesses the account (B2)`);
    const customer = (await call('POST', '/api/sessions', { accountUrl: account, login: adminLogin, password: adminPassword })).token as string;
    const started = performance.now();
    const assessment = await call('POST', '/api/assessments', { accountUrl: account, licenseKey: key }, customer);
    printAssessment(assessment, Math.round(performance.now() - started));

    const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    print(`\n== desk 4. the customer asks for a migration on ${day(14)} and confirms the terms ${desk.termsVersion} (M2)`);
    const request = await call('POST', '/api/requests', { licenseKey: key, requestedDate: day(14), termsVersion: desk.termsVersion, acceptTerms: true }, customer);
    print(`request ${request.id}: ${request.state}, ${request.build} build, confirmed by ${request.confirmation.confirmedBy} at ${request.confirmation.confirmedAt}`);

    print('\n== desk 5. an operator signs in, sees the queue, approves, and sets the final date (M7, M13)');
    const operatorPassword = randomBytes(12).toString('base64url');
    await desk.addOperator('operator@vendor.example', operatorPassword, 'cli:demo');
    const operator = (await call('POST', '/api/operator/sessions', { email: 'operator@vendor.example', password: operatorPassword })).token as string;
    const queue = await call('GET', '/api/operator/requests?state=checks', undefined, operator);
    print(`queue: ${queue.requests.map((r: { id: number; accountUrl: string; flags: string[] }) => `#${r.id} ${r.accountUrl}${r.flags.length ? ` [${r.flags.join(', ')}]` : ''}`).join('; ')}`);
    await call('POST', `/api/operator/requests/${request.id}/approve`, { note: 'All checks passed.' }, operator);
    const scheduled = await call('POST', `/api/operator/requests/${request.id}/schedule`, { finalDate: day(16) }, operator);
    print(`request ${scheduled.id}: ${scheduled.state}; asked for ${scheduled.requestedDate}, final date ${scheduled.finalDate} — the customer is told by e-mail`);
    const notes = await call('GET', '/api/operator/notifications', undefined, operator);
    for (const n of notes.notifications.slice().reverse()) print(`  mail to ${n.to}: "${n.subject}" (${n.sentAt ? 'sent' : 'recorded; no SMTP configured'})`);
    const audit = await call('GET', `/api/audit?subject=request:${request.id}`, undefined, operator);
    print(`audit trail of request ${request.id}: ${audit.entries.slice().reverse().map((e: { action: string }) => e.action).join(' → ')}`);

    now = new Date(`${scheduled.finalDate}T01:00:00Z`);
    print(`\n== desk 6. ${now.toISOString()}: the final date has come — \`desk tick\` freezes the account, takes the snapshot of the night before and builds (M7)`);
    const started2 = performance.now();
    const tick = await desk.archives.tick();
    if (tick.failed.length > 0) throw new Error(`the build failed: ${tick.failed[0]!.reason}`);
    const customer2 = (await call('POST', '/api/sessions', { accountUrl: account, login: adminLogin, password: adminPassword })).token as string;
    const detail = await call('GET', `/api/requests/${request.id}`, undefined, customer2);
    const archive = detail.archive;
    print(`request ${request.id}: ${detail.state}; archive ${archive.archiveId}: ${archive.volumes} volumes, ${formatBytes(archive.bytes)} from the snapshot of the night before ${archive.night}, built in ${((performance.now() - started2) / 1000).toFixed(1)} s`);
    print(`downloadable until ${archive.expiresAt} (M12)${archive.telephonyHandover ? `\ntelephony (M8): ${archive.telephonyHandover}` : ''}`);

    print('\n== desk 7. the password goes out on its own: an e-mail with a one-time link (no SMTP here, so it is printed) (M11)');
    const mail = secretMails.at(-1);
    if (!mail) throw new Error('no password e-mail');
    print(`  mail to ${mail.to}: "${mail.subject}"\n${mail.text.replace(/^/gm, '    ')}`);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const link = /\/api\/password-reveals\/\S+/.exec(mail.text)![0];
    const revealed = await (await fetch(`${url}${link}`)).json() as { password: string };
    const again = await fetch(`${url}${link}`);
    print(`the customer opens the link: the password (${revealed.password.length} characters) is shown once; a second click answers ${again.status}`);

    print(`\n== desk 8. the customer downloads the archive: parallel ranges, every chunk checked against the signed index (M12)`);
    await rm(downloadTo, { recursive: true, force: true });
    const report = await downloadArchive({ deskUrl: url, requestId: request.id, token: customer2, out: downloadTo, trusted: await trustedVendorKeys(home), parallel: 4 });
    await call('POST', `/api/requests/${request.id}/archive/receipt`, {}, customer2);
    print(`${report.volumes} volumes, ${formatBytes(report.bytes)} in ${downloadTo}; request ${request.id} is now ${(await call('GET', `/api/requests/${request.id}`, undefined, customer2)).state}`);
    print(`after ${archive.expiresAt} the download answers 410 and the next tick deletes the archive (M12)`);
    return { archiveDir: downloadTo, password: revealed.password, night: archive.night };
  } finally {
    await app.close();
    await desk.close();
  }
}
