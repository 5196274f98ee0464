import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { openInstallation } from '../src/postmigrate/installation.js';
import { launchBrowser, screenshots, type TestBrowser } from './browser.js';
import { runCli, startCli } from './helpers.js';
import { startSmtpCatcher } from './smtp.js';
import { assistantCompletesP1 } from './web-assistant-steps.js';
import { acme, admins, dayAfter, operator, startWebDesk, type WebDesk } from './web-desk-fixture.js';

// The whole story through the web UI (issue 9): assess → request → the operator approves and sets
// the final date → build → password → download → restore by CLI. The assistant's part follows.
let f: WebDesk;
let browser: TestBrowser;
let customer: BrowserContext;
let staff: BrowserContext;

before(async () => {
  f = await startWebDesk('web-story');
  browser = await launchBrowser();
  customer = await browser.context();
  staff = await browser.context();
});

after(async () => {
  await browser?.close();
  await f?.close();
});

/** Opens a portal page, signing in again when the session ended (sessions last 12 hours of the desk's clock). */
async function portalPage(page: Page, hash: string): Promise<void> {
  // A real load, not a hash change: the page asks the server afresh who is signed in.
  await page.goto(`${f.url}/${hash}`);
  await page.reload();
  const signIn = page.getByRole('heading', { name: 'Sign in to move your cloud account' });
  const signedIn = page.getByRole('heading', { level: 1 }).filter({ hasNotText: 'Sign in' });
  await signIn.or(signedIn).first().waitFor();
  if (await signIn.isVisible()) {
    await page.getByLabel('Cloud account address').fill(acme);
    await page.getByLabel('Administrator login').fill(admins.acme.login);
    await page.getByLabel('Password').fill(admins.acme.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signedIn.first().waitFor();
  }
}

/** Opens an operator page, signing in again when the session ended. */
async function operatorPage(page: Page, hash: string): Promise<void> {
  await page.goto(`${f.url}/${hash}`);
  await page.reload();
  const signIn = page.getByRole('form', { name: 'Operator sign-in' });
  const signedIn = page.getByRole('navigation', { name: 'Operator desk' });
  await signIn.or(signedIn).first().waitFor();
  if (await signIn.isVisible()) {
    await page.getByLabel('E-mail').fill(operator.email);
    await page.getByLabel('Password').fill(operator.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signedIn.waitFor();
  }
}

test('M2 M7 M8 M11 M12 M13 R1 R3 P1 B7 the story through the web UI: assess, request, approve with a final date, build, reveal the password, download, restore by CLI, and in the assistant P1 until a user signs in', async () => {
  const errors: string[] = [];
  const portal = await customer.newPage();
  const desk = await staff.newPage();
  for (const page of [portal, desk]) page.on('pageerror', (e) => errors.push(e.message));
  const key = await f.license();
  const finalDate = dayAfter(f.clock.now(), 1);

  // The customer: sign in, assess, request (M2).
  await portalPage(portal, '#/portal');
  await portal.getByRole('form', { name: 'Assessment' }).getByLabel('On-premise license key').fill(key);
  await portal.getByRole('button', { name: 'Check the account' }).click();
  await portal.getByRole('heading', { name: 'Ready to request the migration' }).waitFor();
  const form = portal.getByRole('form', { name: 'Migration request' });
  await form.getByLabel('Requested backup date').fill(finalDate);
  await form.getByLabel(/I accept the migration terms/).check();
  await form.getByRole('button', { name: 'Send the binding request' }).click();
  await portal.getByRole('heading', { name: /Request #\d+: checked, waiting for the vendor/ }).waitFor();
  const id = Number(/#\/portal\/requests\/(\d+)/.exec(portal.url())?.[1]);

  // The operator: sign in, approve, set the final date (M13, M7).
  await desk.goto(`${f.url}/#/operator/requests/${id}`);
  await desk.getByLabel('E-mail').fill(operator.email);
  await desk.getByLabel('Password').fill(operator.password);
  await desk.getByRole('button', { name: 'Sign in' }).click();
  await desk.getByRole('form', { name: 'Approve' }).getByRole('button', { name: 'Approve' }).click();
  const schedule = desk.getByRole('form', { name: 'Final date' });
  await schedule.getByLabel('Final date').fill(finalDate);
  await schedule.getByRole('button', { name: 'Set the final date' }).click();
  await desk.getByRole('heading', { name: `Request #${id}: scheduled` }).waitFor();

  // The final date comes: the desk's clock moves there, the browsers' clocks with it, and the tick freezes and builds (M7, B7).
  f.clock.set(`${finalDate}T00:30:00Z`);
  for (const context of [customer, staff]) await context.clock.setFixedTime(f.clock.now());
  await portalPage(portal, `#/portal/requests/${id}`);
  await operatorPage(desk, '#/operator/builds');
  const ticking = f.desk.archives.tick();
  const heading = portal.getByRole('heading', { name: new RegExp(`Request #${id}:`) });
  const seen = new Set<string>();
  for (let i = 0; i < 600 && !seen.has('ready to download'); i++) {
    const text = (await heading.innerText({ timeout: 60_000 }).catch(async (e: unknown) => {
      throw new Error(`no request heading; the page says: ${await portal.locator('main').innerText()}`, { cause: e });
    })).replace(/^Request #\d+: /, '');
    if (!seen.has(text) && /frozen|building/.test(text)) await screenshots(portal, 'portal-request-building');
    seen.add(text);
    await portal.waitForTimeout(100);
  }
  const report = await ticking;
  assert.deepEqual(report.ready, [id], JSON.stringify(report));
  await heading.filter({ hasText: 'ready to download' }).waitFor();
  const timeline = await portal.getByRole('region', { name: 'Where your request stands' }).innerText();
  assert.match(timeline, /Frozen\s+done/i);
  assert.match(timeline, /Ready\s+done\s+kept until/i);

  // The operator's build view shows it ready, with its retention (M13).
  const build = desk.getByRole('region', { name: new RegExp(`Request #${id} — ${acme}`) });
  await build.getByText('ready to download').waitFor();
  assert.match(await build.innerText(), /Ready \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC; kept until/);
  await screenshots(desk, 'operator-builds');

  // The password, revealed in the portal after the build (M11).
  await portal.getByRole('button', { name: 'Reveal the password' }).click();
  const password = await portal.getByLabel('Password', { exact: true }).inputValue();
  assert.ok(password.length >= 16, 'a generated password');
  await screenshots(portal, 'portal-request-ready');

  // The download: the page's links, fetched with the browser's own session cookie (M12).
  const retention = await portal.locator('.retention').innerText();
  assert.match(retention, /^7 days left/);
  const links = await portal.locator('ul.files a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  assert.ok(links.some((l) => l.endsWith('/index.json')) && links.some((l) => /vol-0000\.age$/.test(l)), links.join());
  const archiveDir = path.join(f.home, 'downloaded');
  await mkdir(archiveDir);
  for (const link of links) {
    const response = await customer.request.get(`${f.url}${link}`);
    assert.equal(response.status(), 200, link);
    await writeFile(path.join(archiveDir, path.basename(link)), await response.body());
  }
  const index = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(path.join(archiveDir, 'index.json'), 'utf8'))) as { volumes: unknown[] };
  assert.equal(index.volumes.length, links.length - 1, 'a link for every volume');
  await portal.getByRole('button', { name: 'I have downloaded the archive' }).click();
  await portal.getByRole('heading', { name: `Request #${id}: downloaded` }).waitFor();

  // The operator opens the finished request and re-sends the password link; never sees the password (M13, M11).
  await operatorPage(desk, `#/operator/requests/${id}`);
  await desk.getByRole('heading', { name: `Request #${id}: downloaded` }).waitFor();
  await desk.getByRole('button', { name: 'Re-send the password link' }).click();
  await desk.getByText(/A new one-time link went to/).waitFor();
  assert.ok(!(await desk.content()).includes(password), 'the operator never sees the password');
  await desk.getByRole('region', { name: 'Audit trail' }).getByText('password.resend').first().waitFor();
  await screenshots(desk, 'operator-request-ready');

  // Restore by CLI with only the archive, the license key and the password (R1, R3).
  const passwordFile = path.join(f.home, 'archive-password.txt');
  await writeFile(passwordFile, password + '\n', { mode: 0o600 });
  const restoredDb = path.join(f.home, 'restored-db');
  const dataDir = path.join(f.home, 'restored-data');
  const restored = await runCli(['restore', archiveDir, '--license', key, '--password-file', passwordFile, '--db', restoredDb, '--data-dir', dataDir, '--json'], f.home);
  assert.equal(restored.code, 0, restored.stdout + restored.stderr);
  assert.equal(JSON.parse(restored.stdout).reconcile.ok, true);
  assert.ok((await readdir(dataDir)).includes('upload'), 'public files restored');

  // Seven days later the archive is deleted everywhere; the portal says when (M12).
  f.clock.set(new Date(f.clock.now().getTime() + 8 * 86_400_000).toISOString());
  for (const context of [customer, staff]) await context.clock.setFixedTime(f.clock.now());
  const purged = await f.desk.archives.tick();
  assert.deepEqual(purged.purged, [id]);
  await portalPage(portal, `#/portal/requests/${id}`);
  await portal.getByRole('heading', { name: 'The archive is deleted' }).waitFor();
  assert.match(await portal.locator('.deleted').innerText(), /^Deleted on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  await screenshots(portal, 'portal-request-deleted');
  assert.deepEqual(errors, [], 'no script errors');

  // The new installation: its administrator completes P1 in the assistant and a user signs in (P1).
  const inst = await openInstallation({ db: restoredDb, dataDir });
  const user = await inst.db.one<{ email: string }>('SELECT email FROM b_user WHERE login = ?', [admins.acme.login]).finally(() => inst.db.close());
  assert.ok(user?.email, 'the account administrator is in the restored database');
  const smtp = await startSmtpCatcher();
  const adminToken = randomBytes(24).toString('base64url');
  const onprem = await startCli(['serve', '--onprem', '--db', restoredDb, '--data-dir', dataDir, '--port', '0', '--json'], { REPATRIATE_ADMIN_TOKEN: adminToken });
  try {
    const { url } = JSON.parse(onprem.firstLine) as { url: string };
    await assistantCompletesP1(browser, { url, adminToken, smtp, userEmail: user.email, newPassword: 'a password of my own, on my own server', shots: 'story-assistant' });
  } finally {
    await onprem.stop();
    await smtp.close();
  }
});
