import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import selfsigned from 'selfsigned';
import { verifyJson } from '../src/core/signing.js';
import { createHttpApp } from '../src/server/http.js';
import { buildOnpremApp } from '../src/server/onprem/app.js';
import { webRoot } from '../src/server/web.js';
import { launchBrowser, screenshots, type TestBrowser } from './browser.js';
import { cleanupDatabases, removeDir, startCli } from './helpers.js';
import { buildArchive, restoreInstallation, type ArchiveFixture, type Installation } from './onprem-assistant-fixture.js';
import { startSmtpCatcher, type SmtpCatcher } from './smtp.js';
import { assistantCompletesP1, signInAsAdmin, taskSection } from './web-assistant-steps.js';

/**
 * The on-premise assistant's pages in Debian's Chromium against the real server (buildOnpremApp
 * on a port) over a restored installation, with a real SMTP catcher and a real desk for P10.
 * The tests run in order on one installation: P5 sets the address the R5 certificate must name.
 */
const adminToken = 'web-assistant-admin-token-7f3a9c';
const host = 'intranet.globex.example';

let f: ArchiveFixture;
let inst: Installation;
let app: FastifyInstance;
let url: string;
let smtp: SmtpCatcher;
let browser: TestBrowser;
let pki: { root: string; intermediate: string; leaf: { cert: string; key: string }; wrongHost: { cert: string; key: string } };

async function makePki(): Promise<typeof pki> {
  const caExtensions = [{ name: 'basicConstraints' as const, cA: true }, { name: 'keyUsage' as const, keyCertSign: true, cRLSign: true, digitalSignature: true }];
  const root = await selfsigned.generate([{ name: 'commonName', value: 'Web Test Root CA' }], { keyType: 'ec', algorithm: 'sha256', notAfterDate: new Date(Date.now() + 3650 * 86_400_000), extensions: caExtensions });
  const intermediate = await selfsigned.generate([{ name: 'commonName', value: 'Web Test Intermediate' }], { keyType: 'ec', algorithm: 'sha256', extensions: caExtensions, ca: { key: root.private, cert: root.cert } });
  const leafFor = (name: string) => selfsigned.generate([{ name: 'commonName', value: name }], { keyType: 'ec', algorithm: 'sha256', extensions: [{ name: 'basicConstraints', cA: false }, { name: 'subjectAltName', altNames: [{ type: 2, value: name }] }], ca: { key: intermediate.private, cert: intermediate.cert } });
  const leaf = await leafFor(host);
  const wrongHost = await leafFor('elsewhere.example');
  return { root: root.cert, intermediate: intermediate.cert, leaf: { cert: leaf.cert, key: leaf.private }, wrongHost: { cert: wrongHost.cert, key: wrongHost.private } };
}

before(async () => {
  assert.ok(existsSync(path.join(webRoot(), 'assistant.html')), 'the web UI is built: run `npm run build` first');
  [f, pki, smtp, browser] = await Promise.all([buildArchive('web-assistant'), makePki(), startSmtpCatcher(), launchBrowser()]);
  inst = await restoreInstallation(f, 'postgres', 'web-assistant');
  app = await buildOnpremApp({ db: inst.db, dataDir: inst.dataDir, adminToken, trust: { extraRoots: [pki.root] } });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});

after(async () => {
  await browser?.close();
  await app?.close();
  await smtp?.close();
  await cleanupDatabases();
  if (f) await removeDir(f.home);
});

async function adminPage(): Promise<Page> {
  const context = await browser.context('laptop');
  const page = await context.newPage();
  await signInAsAdmin(page, url, adminToken);
  return page;
}

/** The error note inside the field whose label is given: an API error shown beside its field. */
function fieldError(scope: ReturnType<Page['locator']>, label: string) {
  return scope.locator('.field').filter({ has: scope.page().getByLabel(label, { exact: true }) }).getByRole('alert');
}

async function noHorizontalScroll(page: Page): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
  const widths = await page.evaluate<{ scroll: number; client: number }>('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })');
  assert.ok(widths.scroll <= widths.client, `nothing sticks out at phone width (${widths.scroll} > ${widths.client})`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 R5 the administrator signs in with the token by keyboard (kept for the tab only) and sees all twelve tasks with state and why, labelled and usable at 390 and 1280 px', async () => {
  const context = await browser.context('phone');
  const page = await context.newPage();
  const broken: string[] = [];
  page.on('pageerror', (e) => broken.push(e.message));
  page.on('requestfailed', (r) => broken.push(r.url()));
  try {
    await page.goto(`${url}/`);
    await page.getByRole('heading', { level: 1, name: 'Sign in to the assistant' }).waitFor();
    assert.match(await page.locator('main').textContent() ?? '', /repatriate serve --onprem.*admin-token/s, 'the sign-in says where the token is');
    await screenshots(page, 'assistant-sign-in');

    // A wrong token: the server's 401 is shown beside the token field.
    const tokenField = page.getByLabel('Administrator token');
    await tokenField.focus();
    await page.keyboard.type('not-the-admin-token');
    await page.keyboard.press('Enter');
    await fieldError(page.locator('main'), 'Administrator token').filter({ hasText: 'this is not the administrator token' }).waitFor();
    assert.equal(await tokenField.getAttribute('aria-invalid'), 'true');
    await screenshots(page, 'assistant-sign-in-error');

    await tokenField.fill('');
    await tokenField.focus();
    await page.keyboard.type(adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'After the restore' }).waitFor();
    await page.locator('section[data-task="P11"]').waitFor();
    const stored = await page.evaluate<{ session: string[]; local: number }>('({ session: Object.values(sessionStorage), local: Object.keys(localStorage).length })');
    assert.deepEqual(stored, { session: [adminToken], local: 0 }, 'the token lives in sessionStorage only');
    assert.ok(!page.url().includes(adminToken));

    const sections = page.locator('section[data-task]');
    assert.deepEqual(await sections.evaluateAll((els) => els.map((e) => e.getAttribute('data-task'))), ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9', 'R5', 'P10', 'P11']);
    for (const id of ['P1', 'P3', 'P5', 'P11']) {
      assert.equal(await taskSection(page, id).getAttribute('data-state'), 'todo', `${id} waits after the restore`);
      assert.equal(await taskSection(page, id).locator('.badge').textContent(), 'To do', 'the state is written, not only coloured');
    }
    assert.equal(await taskSection(page, 'P10').getAttribute('data-state'), 'blocked');
    assert.equal(await taskSection(page, 'P2').getAttribute('data-state'), 'done');
    assert.match(await taskSection(page, 'P5').locator('.why').textContent() ?? '', /still hold the cloud address https:\/\/globex\.cloud\.example/);
    assert.match(await page.locator('.summary').textContent() ?? '', /\d+ of 12 tasks done/);

    // Every field has a label, every task a heading; nothing is wider than a phone.
    const unlabelled = await page.locator('input, textarea, select').evaluateAll((els) => els.filter((e) => (e as unknown as { labels: unknown[] }).labels.length === 0 && !e.getAttribute('aria-label')).map((e) => e.outerHTML));
    assert.deepEqual(unlabelled, []);
    assert.equal(await page.getByRole('heading', { level: 2 }).count(), 12);
    await noHorizontalScroll(page);
    await screenshots(page, 'assistant-checklist');

    // Reloading keeps the tab signed in; signing out forgets the token.
    await page.reload();
    await page.locator('section[data-task="P11"]').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to the assistant' }).waitFor();
    assert.deepEqual(await page.evaluate<string[]>('Object.keys(sessionStorage)'), []);

    // A token the server stops accepting (another token file, a restart with REPATRIATE_ADMIN_TOKEN) signs the tab out with a reason.
    await page.evaluate(`sessionStorage.setItem('repatriate.assistant.adminToken', 'a-stale-token-of-this-tab')`);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Sign in to the assistant' }).waitFor();
    await fieldError(page.locator('main'), 'Administrator token').filter({ hasText: 'no longer accepts the token' }).waitFor();
    assert.deepEqual(await page.evaluate<string[]>('Object.keys(sessionStorage)'), []);
    assert.deepEqual(broken, [], 'no script error, no failed request');
  } finally {
    await context.close();
  }
});

test('P5 an API error is shown beside the field that caused it, and the new public address shows before → after', async () => {
  const page = await adminPage();
  try {
    const p5 = taskSection(page, 'P5');
    const form = p5.getByRole('form', { name: 'Set the new public address' });
    await form.getByLabel('New public address').fill('not an address');
    await form.getByRole('button', { name: 'Set the public address' }).click();
    const error = fieldError(form, 'New public address');
    await error.filter({ hasText: 'is not an address' }).waitFor();
    assert.match(await error.textContent() ?? '', /write it like https:\/\/intranet\.example\.com/, 'the hint comes with it');
    assert.equal(await form.getByLabel('New public address').getAttribute('aria-invalid'), 'true');
    assert.equal(await fieldError(form, 'Old address (optional)').count(), 0, 'only the field at fault is marked');

    await form.getByLabel('New public address').fill(`https://${host}`);
    await form.getByRole('button', { name: 'Set the public address' }).click();
    const table = form.locator('table.before-after');
    await table.waitFor();
    assert.equal(await table.locator('caption').textContent(), `https://globex.cloud.example → https://${host}`);
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.deepEqual(rows.map((r) => r[0]).sort(), ['imbot.portal_url', 'imconnector.uri_client', 'imopenlines.portal_url']);
    assert.ok(rows.every((r) => r[1] === 'https://globex.cloud.example' && r[3] === `https://${host}`), JSON.stringify(rows));
    assert.equal(await fieldError(form, 'New public address').count(), 0, 'the error went away');
    await p5.locator('[data-state="done"]').or(page.locator('section[data-task="P5"][data-state="done"]')).first().waitFor();
    await screenshots(page, 'assistant-p5-before-after');
  } finally {
    await page.context().close();
  }
});

test('P1 the administrator sends reset mails from the checklist and a user sets a password through the link and signs in', async () => {
  const userEmail = 'u1@example.org';
  await assistantCompletesP1(browser, { url, adminToken, smtp, userEmail, newPassword: 'a new password for u1', shots: 'assistant' });
  // The server agrees: the password works, the link is spent.
  const signIn = await fetch(`${url}/api/onprem/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'u1@globex.cloud.example', password: 'a new password for u1' }) });
  assert.equal(signIn.status, 200, await signIn.text());
  const mail = smtp.mails.filter((m) => m.to.includes(userEmail)).at(-1)!;
  const link = /(https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
  const context = await browser.context('phone');
  try {
    const page = await context.newPage();
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('yet another password');
    await page.getByLabel('New password again').fill('yet another password');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('alert').filter({ hasText: 'used already' }).waitFor();
    await screenshots(page, 'assistant-reset-spent');
    const bare = await fetch(`${url}/reset-password`, { redirect: 'manual' });
    assert.equal(bare.status, 302);
    assert.equal(bare.headers.get('location'), '/#/sign-in', 'a link without its token lands on the sign-in');
    await page.goto(`${url}/#/sign-in`);
    await page.getByLabel('Login').fill('u1@globex.cloud.example');
    await page.getByLabel('Password', { exact: true }).fill('a wrong password 123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await fieldError(page.locator('main'), 'Password').filter({ hasText: 'wrong login or password' }).waitFor();
    await noHorizontalScroll(page);
    await screenshots(page, 'assistant-user-sign-in-error');
  } finally {
    await context.close();
  }
});

test('P3 the reindex runs from its button with a busy state and progress, and ends with the document count the index holds', async () => {
  const page = await adminPage();
  try {
    const p3 = taskSection(page, 'P3');
    // Record what the status regions said while the rebuild ran (it is quick on this small account).
    await page.evaluate(`(() => {
      const seen = (window.seen = []);
      new MutationObserver(() => document.querySelectorAll('[role="status"]').forEach((e) => seen.push(e.textContent ?? ''))).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    await p3.getByRole('button', { name: 'Rebuild the search index' }).click();
    const result = p3.getByRole('status').filter({ hasText: 'The index holds' });
    await result.waitFor({ timeout: 60_000 });
    const documents = Number(/holds (\d+) documents/.exec(await result.textContent() ?? '')?.[1]);
    assert.ok(documents > 0);
    const seen = await page.evaluate<string[]>('window.seen');
    assert.ok(seen.some((s) => s.includes('Rebuilding…')), 'the button showed that it works');
    await page.locator('section[data-task="P3"][data-state="done"]').waitFor();
    const progress = await (await fetch(`${url}/api/onprem/tasks/P3/progress`, { headers: { authorization: `Bearer ${adminToken}` } })).json() as { running: boolean; indexed: number };
    assert.deepEqual(progress.running, false);
    assert.equal(progress.indexed, documents, 'the progress counted every document the index holds');
    assert.equal((await fetch(`${url}/api/onprem/tasks/P3/progress`)).status, 401, 'the progress needs the token too');
    const openapi = await (await fetch(`${url}/api/onprem/openapi.json`)).json() as { paths: Record<string, unknown> };
    assert.ok(openapi.paths['/api/onprem/tasks/P3/progress'] && openapi.paths['/reset-password'], 'the routes the UI added are documented');
    // The rebuilt index answers searches.
    const search = p3.getByRole('form', { name: 'Search the restored content' });
    await search.getByLabel('Search words').fill('globex');
    await search.getByRole('button', { name: 'Search' }).click();
    await search.getByRole('status').waitFor();
  } finally {
    await page.context().close();
  }
});

test('P1 P2 P4 P6 P7 P8 P9 P11 the task panels do their work: wizard repair, updates installed, a channel ticked off, an unreachable push server beside its field, sites before → after, a test mail, a password set by hand, apps to reinstall', async () => {
  const page = await adminPage();
  try {
    const p2 = taskSection(page, 'P2');
    await p2.getByRole('button', { name: 'Run the wizard repair' }).click();
    await p2.getByRole('status').filter({ hasText: 'Administrators: admin@globex.cloud.example' }).waitFor();

    const p4 = taskSection(page, 'P4');
    assert.equal(await p4.locator('tbody tr').count(), 4, 'four pending updates listed');
    await p4.getByRole('button', { name: 'Install updates' }).click();
    await page.locator('section[data-task="P4"][data-state="done"]').waitFor();

    const p6 = taskSection(page, 'P6');
    const mark = p6.getByRole('button', { name: /Mark \d+ as reconnected/ });
    assert.equal(await mark.isDisabled(), true, 'nothing ticked yet');
    await p6.getByRole('checkbox', { name: /Globex AG network/ }).check();
    await p6.getByRole('button', { name: 'Mark 1 as reconnected' }).click();
    await taskSection(page, 'P6').locator('.why').filter({ hasText: '3 of 4 channels must be reconnected' }).waitFor();
    await taskSection(page, 'P6').locator('li').filter({ hasText: 'Globex AG network' }).filter({ hasText: 'reconnected' }).waitFor();

    const p7 = taskSection(page, 'P7');
    await p7.getByLabel('Push server address').fill('http://127.0.0.1:9');
    await p7.getByRole('button', { name: 'Set and check' }).click();
    await fieldError(p7, 'Push server address').filter({ hasText: 'does not answer' }).waitFor();

    const p8 = taskSection(page, 'P8');
    const publish = p8.getByRole('form', { name: '2. Republish under the new domain' });
    await publish.getByLabel('New domain').fill(host);
    await publish.getByRole('button', { name: 'Republish' }).click();
    await fieldError(publish, 'New domain').filter({ hasText: 'have not moved yet' }).waitFor();
    const moved = p8.getByRole('form', { name: '1. Record where the cloud copies moved' });
    await moved.getByLabel('Subdomain the cloud copies moved to').fill('old-sites.globex.example');
    await moved.getByRole('button', { name: 'Record the move' }).click();
    await moved.getByRole('status').waitFor();
    const publish2 = taskSection(page, 'P8').getByRole('form', { name: '2. Republish under the new domain' });
    await publish2.getByLabel('New domain').fill(host);
    await publish2.getByRole('button', { name: 'Republish' }).click();
    await publish2.getByRole('status').filter({ hasText: `globex-1.cloud-sites.example → globex-1.${host}` }).waitFor();
    await page.locator('section[data-task="P8"][data-state="done"]').waitFor();

    const p9 = taskSection(page, 'P9');
    const testMail = p9.getByRole('form', { name: 'Send a test mail' });
    await testMail.getByLabel('Send the test mail to').fill('admin@globex.example');
    await testMail.getByRole('button', { name: 'Send test mail' }).click();
    await testMail.getByRole('status').filter({ hasText: 'The test mail went through' }).waitFor();
    await smtp.waitFor((m) => m.to.includes('admin@globex.example'));
    await page.locator('section[data-task="P9"][data-state="done"]').waitFor();

    // P1 by hand: a short password is refused beside its field; a good one is set and leaves the screen.
    const byHand = taskSection(page, 'P1').getByRole('form', { name: 'Set a password by hand' });
    await byHand.getByLabel('Login').fill('u4@globex.cloud.example');
    await byHand.getByLabel('New password').fill('short');
    await byHand.getByRole('button', { name: 'Set password' }).click();
    await fieldError(byHand, 'New password').filter({ hasText: 'too short' }).waitFor();
    await byHand.getByLabel('New password').fill('a long enough password');
    await byHand.getByRole('button', { name: 'Set password' }).click();
    await byHand.getByRole('status').filter({ hasText: 'they can sign in now' }).waitFor();
    assert.equal(await byHand.getByLabel('New password').inputValue(), '');
    const signIn = await fetch(`${url}/api/onprem/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'u4@globex.cloud.example', password: 'a long enough password' }) });
    assert.equal(signIn.status, 200);

    const p11 = taskSection(page, 'P11');
    assert.match(await p11.locator('tbody tr').first().textContent() ?? '', /Giphy.*app\.giphy.*not yet/);
    await screenshots(page, 'assistant-tasks-worked');
  } finally {
    await page.context().close();
  }
});

test('R5 P10 the telephony request unlocks only after a trusted certificate: a certificate for another host is refused beside its field, an uploaded one with its chain is trusted, then the request reaches the desk', async () => {
  const received: unknown[] = [];
  const desk = createHttpApp();
  desk.post('/api/telephony-requests', async (request, reply) => {
    const body = request.body as { request: Record<string, unknown>; publicKey: string; signature: string };
    const key = createPublicKey({ key: Buffer.from(body.publicKey, 'base64'), format: 'der', type: 'spki' });
    if (!verifyJson(body.request, body.signature, key)) return reply.status(422).send({ error: { code: 'BAD_SIGNATURE', message: 'the signature does not match' } });
    received.push(body.request);
    return reply.status(201).send({ id: `T-${received.length}`, state: 'received' });
  });
  const deskUrl = await desk.listen({ port: 0, host: '127.0.0.1' });
  const page = await adminPage();
  try {
    const p10 = taskSection(page, 'P10');
    assert.equal(await p10.getAttribute('data-state'), 'blocked');
    await p10.getByText('Locked.').waitFor();
    assert.equal(await p10.getByRole('button', { name: 'File the request' }).count(), 0, 'no request can be filed while locked');
    assert.match(await p10.locator('.why').textContent() ?? '', /no trusted certificate/);

    const r5 = taskSection(page, 'R5');
    const install = r5.getByRole('form', { name: 'Upload your certificate' });
    await install.getByLabel('Certificate (PEM)', { exact: true }).fill(pki.wrongHost.cert);
    await install.getByLabel('Private key (PEM)', { exact: true }).fill(pki.wrongHost.key);
    await install.getByLabel('Intermediate certificates (PEM, optional)', { exact: true }).fill(pki.intermediate);
    await install.getByRole('button', { name: 'Check and install' }).click();
    await fieldError(install, 'Certificate (PEM)').filter({ hasText: host }).waitFor();
    assert.equal(await taskSection(page, 'P10').getAttribute('data-state'), 'blocked');
    await screenshots(page, 'assistant-r5-refused');

    // Upload the files as an administrator would pick them.
    const file = (name: string, text: string) => ({ name, mimeType: 'application/x-pem-file', buffer: Buffer.from(text) });
    await install.getByLabel('Or choose a file for “Certificate (PEM)”').setInputFiles(file('cert.pem', pki.leaf.cert));
    await install.getByLabel('Or choose a file for “Private key (PEM)”').setInputFiles(file('key.pem', pki.leaf.key));
    await install.getByLabel('Or choose a file for “Intermediate certificates (PEM, optional)”').setInputFiles(file('chain.pem', pki.intermediate));
    await page.waitForFunction(`[...document.querySelectorAll('textarea')].some((t) => t.value === ${JSON.stringify(pki.leaf.cert)})`);
    await install.getByRole('button', { name: 'Check and install' }).click();
    await install.getByRole('status').filter({ hasText: 'Installed' }).waitFor();
    await page.locator('section[data-task="R5"][data-state="done"]').waitFor();
    assert.equal(await install.getByLabel('Private key (PEM)', { exact: true }).inputValue(), '', 'the private key does not stay on the screen');
    assert.match(await taskSection(page, 'R5').locator('dl.facts').textContent() ?? '', /trusted.*Host.*intranet\.globex\.example/s);

    const unlocked = taskSection(page, 'P10');
    await page.locator('section[data-task="P10"][data-state="todo"]').waitFor();
    await unlocked.getByLabel('Vendor desk address').fill(deskUrl);
    await unlocked.getByLabel('License key (optional)').fill(f.license);
    await unlocked.getByRole('button', { name: 'File the request' }).click();
    await unlocked.getByRole('status').filter({ hasText: 'The vendor desk has the request (T-1)' }).waitFor();
    assert.equal(received.length, 1);
    assert.deepEqual((received[0] as { numbers: string[] }).numbers, ['+49300002000', '+49300002001', '+49300002002']);
    await page.locator('section[data-task="P10"][data-state="done"]').waitFor();
    await screenshots(page, 'assistant-checklist-after');
  } finally {
    await page.context().close();
    await desk.close();
  }
});

test('P1 R5 assistantCompletesP1 works against `repatriate serve --onprem` as the whole-story test starts it: HTTPS with the installation’s certificate, token from the environment', async () => {
  const serve = await startCli(['serve', '--onprem', '--db', inst.db, '--data-dir', inst.dataDir, '--port', '0', '--json'], { REPATRIATE_ADMIN_TOKEN: adminToken });
  try {
    const started = JSON.parse(serve.firstLine) as { url: string };
    assert.match(started.url, /^https:\/\//);
    // P9 was configured with this catcher by the earlier tests, so the function goes straight to P1.
    await assistantCompletesP1(browser, { url: `${started.url}/`, adminToken, smtp, userEmail: 'u5@example.org', newPassword: 'u5 has a new password' });
  } finally {
    await serve.stop();
  }
});
