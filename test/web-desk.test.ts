import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { launchBrowser, screenshots, type TestBrowser } from './browser.js';
import { acme, admins, dayAfter, operator, startWebDesk, type WebDesk } from './web-desk-fixture.js';

// The customer portal and the operator desk in Debian's Chromium against a real desk (issue 9).
let f: WebDesk;
let browser: TestBrowser;
let customer: BrowserContext;
let staff: BrowserContext;
let portal: Page;
let desk: Page;
let key = '';
let requestId = 0;
const errors: string[] = [];

before(async () => {
  f = await startWebDesk('web-desk');
  browser = await launchBrowser();
  customer = await browser.context();
  staff = await browser.context();
  portal = await customer.newPage();
  desk = await staff.newPage();
  for (const page of [portal, desk]) page.on('pageerror', (e) => errors.push(e.message));
  key = await f.license();
});

after(async () => {
  await browser?.close();
  await f?.close();
});

/** The error note a field points to with aria-describedby: shown beside that field, not elsewhere. */
async function errorBeside(field: Locator): Promise<string> {
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  const id = await field.getAttribute('aria-describedby');
  assert.ok(id, 'the field names its error');
  return (await field.page().locator(`[id="${id}"]`).innerText()).trim();
}

/** Every form control on the page has a label a screen reader announces (accessibility). */
async function assertLabelled(page: Page): Promise<void> {
  const unlabelled = await page.locator('input, select, textarea').evaluateAll((els) =>
    // The callback runs in the page; its DOM types are not in this project's lib, hence the loose shape.
    els.filter((el) => (el as unknown as { labels?: { length: number } }).labels?.length === 0 && !el.getAttribute('aria-label')).map((el) => el.outerHTML),
  );
  assert.deepEqual(unlabelled, [], 'controls without a label');
}

async function signInCustomer(page: Page, who: { accountUrl: string; login: string; password: string }): Promise<void> {
  await page.goto(`${f.url}/#/portal`);
  await page.getByLabel('Cloud account address').fill(who.accountUrl);
  await page.getByLabel('Administrator login').fill(who.login);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Move your account to your own server' }).waitFor();
}

test('M2 the portal refuses a wrong administrator password with the reason and hint, and signs in with the right one', async () => {
  await portal.goto(`${f.url}/#/portal`);
  await portal.getByRole('heading', { name: 'Sign in to move your cloud account' }).waitFor();
  await assertLabelled(portal);
  await screenshots(portal, 'portal-sign-in');
  await portal.getByLabel('Cloud account address').fill(acme);
  await portal.getByLabel('Administrator login').fill(admins.acme.login);
  await portal.getByLabel('Password').fill('not the password');
  await portal.getByRole('button', { name: 'Sign in' }).click();
  const alert = portal.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /password|login/i);
  await signInCustomer(portal, admins.acme);
  assert.match(await portal.locator('header.top').innerText(), /admin@acme\.cloud\.example/);
});

test('M4 M5 M6 M8 B2 the portal shows seats with breakdown, auto-renewal, the edition gap per module with row counts, rented numbers, size and time before the request', async () => {
  const expected = await f.desk.assess(acme, key);
  assert.ok(expected.editionGap.modules.length > 0, 'the professional edition lacks a module acme uses');
  await portal.getByRole('form', { name: 'Assessment' }).getByLabel('On-premise license key').fill(key);
  await portal.getByRole('button', { name: 'Check the account' }).click();
  await portal.getByRole('heading', { name: 'Ready to request the migration' }).waitFor();
  const seats = await portal.getByRole('region', { name: 'Seats (M4)' }).innerText();
  assert.match(seats, new RegExp(`${expected.seats.active.toLocaleString('en')} active users for 1,000 seats`));
  for (const [kind, n] of Object.entries(expected.seats.counted)) if (n > 0) assert.match(seats, new RegExp(`\\t${n.toLocaleString('en')}\\tyes`), `${kind} counted`);
  for (const [kind, n] of Object.entries(expected.seats.notCounted)) if (n > 0) assert.match(seats, new RegExp(`\\t${n.toLocaleString('en')}\\tno`), `${kind} not counted`);
  const gap = await portal.getByRole('region', { name: 'Edition gap (M6)' }).innerText();
  for (const m of expected.editionGap.modules) {
    assert.ok(gap.includes(`${m.title} (${m.module}) — ${m.rows.toLocaleString('en')} rows`), `module ${m.module} in ${gap}`);
    for (const t of m.tables) assert.ok(gap.includes(t.table), t.table);
  }
  assert.match(await portal.getByRole('region', { name: 'Auto-renewal (M5)' }).innerText(), /Off, as the migration needs/);
  assert.match(await portal.locator('.assessment').innerText(), /\+4930555000111/);
  assert.match(await portal.getByRole('region', { name: 'Size and time' }).innerText(), /Promise\s+3–10 days/);
  await assertLabelled(portal);
  await screenshots(portal, 'portal-assessment');
});

test('M2 M3 the request form shows the terms in full; a wrong license key is refused beside its field, the right one submits', async () => {
  const form = portal.getByRole('form', { name: 'Migration request' });
  const terms = await portal.getByRole('region', { name: /Migration terms \(version 2026-11\)/ }).innerText();
  assert.match(terms, /nightly backup of the night before the final date/);
  assert.match(terms, /kept for 7 days/);
  const send = form.getByRole('button', { name: 'Send the binding request' });
  await form.getByLabel('Requested backup date').fill(dayAfter(f.clock.now(), 3));
  assert.equal(await send.isDisabled(), true, 'no request without the confirmation');
  await form.getByLabel(/I accept the migration terms \(version 2026-11\)/).check();
  const field = form.getByLabel('On-premise license key');
  await field.fill(await f.license({ ready: false }));
  await send.click();
  await form.getByRole('alert').waitFor();
  assert.match(await errorBeside(field), /not been (activated|registered)/);
  await screenshots(portal, 'portal-request-form-error');
  await field.fill(key);
  await send.click();
  await portal.getByRole('heading', { name: /Request #\d+: checked, waiting for the vendor/ }).waitFor();
  requestId = Number(/#\/portal\/requests\/(\d+)/.exec(portal.url())?.[1]);
  assert.ok(requestId > 0);
  const timeline = await portal.getByRole('region', { name: 'Where your request stands' }).innerText();
  assert.match(timeline, /Submitted\s+done/i);
  assert.match(timeline, /Approved\s+now\s+waiting for the vendor/i);
  await screenshots(portal, 'portal-request-submitted');
});

test('M13 M8 the operator queue filters by state, by the rented-numbers flag and by date', async () => {
  await desk.goto(`${f.url}/#/operator`);
  await desk.getByLabel('E-mail').fill(operator.email);
  await desk.getByLabel('Password').fill(operator.password);
  await desk.getByRole('button', { name: 'Sign in' }).click();
  await desk.getByRole('heading', { name: 'Queue' }).waitFor();
  const row = desk.getByRole('row', { name: new RegExp(`#${requestId}`) });
  await row.waitFor();
  assert.match(await row.innerText(), /rented-numbers/);
  await desk.getByLabel('Flag').selectOption('rented-numbers');
  await row.waitFor();
  await desk.getByLabel('State').selectOption('rejected');
  await desk.getByText('No requests match.').waitFor();
  await desk.getByLabel('State').selectOption('checks');
  await row.waitFor();
  await desk.getByLabel('Date from').fill(dayAfter(f.clock.now(), 4));
  await desk.getByText('No requests match.').waitFor();
  await desk.getByLabel('Date from').fill(dayAfter(f.clock.now(), 3));
  await row.waitFor();
  await assertLabelled(desk);
  await screenshots(desk, 'operator-queue');
});

test('M13 the operator sees the request with its assessment and audit trail, rejects with a reason, and the customer sees it', async () => {
  await desk.getByRole('link', { name: `#${requestId}` }).click();
  await desk.getByRole('heading', { name: new RegExp(`Request #${requestId}`) }).waitFor();
  await desk.getByRole('heading', { name: 'Assessment at submission' }).waitFor();
  const audit = desk.getByRole('region', { name: 'Audit trail' });
  await audit.getByText('request.submit').first().waitFor();
  await assertLabelled(desk);
  await screenshots(desk, 'operator-request');
  const reject = desk.getByRole('form', { name: 'Reject' });
  const reason = 'The license belongs to another company; please use your own key.';
  await reject.getByLabel(/Reason for rejecting/).fill(reason);
  await reject.getByRole('button', { name: 'Reject' }).click();
  await desk.getByRole('heading', { name: `Request #${requestId}: rejected` }).waitFor();
  await audit.getByText('request.reject').first().waitFor();
  await portal.reload();
  await portal.getByRole('heading', { name: 'The vendor rejected this request' }).waitFor();
  assert.equal(await portal.locator('.reason').innerText(), `Reason: ${reason}`);
  assert.match(await portal.getByRole('region', { name: 'Where your request stands' }).innerText(), /Approved\s+stopped\s+rejected: The license belongs/i);
  await screenshots(portal, 'portal-request-rejected');
});

test('M7 M13 the operator approves and sets a final date other than the requested one; the customer sees both dates', async () => {
  await portal.goto(`${f.url}/#/portal`);
  await portal.getByRole('heading', { name: 'Move your account to your own server' }).waitFor();
  await portal.getByRole('form', { name: 'Assessment' }).getByLabel('On-premise license key').fill(key);
  await portal.getByRole('button', { name: 'Check the account' }).click();
  const form = portal.getByRole('form', { name: 'Migration request' });
  await form.getByLabel('Requested backup date').fill(dayAfter(f.clock.now(), 5));
  await form.getByLabel(/I accept the migration terms/).check();
  await form.getByRole('button', { name: 'Send the binding request' }).click();
  await portal.getByRole('heading', { name: /Request #\d+:/ }).waitFor();
  const second = Number(/#\/portal\/requests\/(\d+)/.exec(portal.url())?.[1]);
  assert.notEqual(second, requestId);

  await desk.goto(`${f.url}/#/operator/requests/${second}`);
  await desk.getByRole('form', { name: 'Approve' }).getByRole('button', { name: 'Approve' }).click();
  await desk.getByRole('heading', { name: `Request #${second}: approved, waiting for the final date` }).waitFor();
  const finalForm = desk.getByRole('form', { name: 'Final date' });
  const finalDate = dayAfter(f.clock.now(), 6);
  await finalForm.getByLabel('Final date').fill(finalDate);
  await finalForm.getByRole('button', { name: 'Set the final date' }).click();
  await desk.getByRole('heading', { name: `Request #${second}: scheduled` }).waitFor();
  await desk.getByRole('region', { name: 'Audit trail' }).getByText('request.schedule').first().waitFor();
  await screenshots(desk, 'operator-request-scheduled');

  // The portal polls: the new state arrives without a reload.
  await portal.getByRole('heading', { name: `Request #${second}: scheduled` }).waitFor();
  const timeline = await portal.getByRole('region', { name: 'Where your request stands' }).innerText();
  assert.ok(timeline.includes(`${finalDate} (you asked for ${dayAfter(f.clock.now(), 5)})`), timeline);
  assert.match(timeline, /Frozen\s+now/i);
  await screenshots(portal, 'portal-request-scheduled');
});

test('M1 a further request without a paid order is refused with the price, and the customer opens an order from the portal', async () => {
  await portal.goto(`${f.url}/#/portal`);
  await portal.getByRole('heading', { name: 'Move your account to your own server' }).waitFor();
  await portal.getByRole('form', { name: 'Assessment' }).getByLabel('On-premise license key').fill(key);
  await portal.getByRole('button', { name: 'Check the account' }).click();
  const form = portal.getByRole('form', { name: 'Migration request' });
  await form.getByLabel('Requested backup date').fill(dayAfter(f.clock.now(), 9));
  await form.getByLabel(/I accept the migration terms/).check();
  await form.getByRole('button', { name: 'Send the binding request' }).click();
  const refusal = form.getByRole('alert');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /free migration build .* is used; a further build needs a paid order \(€549\.00\)/);
  await form.getByRole('button', { name: 'Order a further build' }).click();
  assert.match(await form.getByRole('status').innerText(), /Order #\d+ for a further build is open \(€549\.00\)/);
  await screenshots(portal, 'portal-order');
});

test('M1 the operator opens an order for a further build and marks it paid; a missing reference is refused beside its field', async () => {
  await desk.getByRole('link', { name: 'Orders' }).click();
  await desk.getByRole('heading', { name: 'Orders', level: 1 }).waitFor();
  const open = desk.getByRole('form', { name: 'New order' });
  const address = open.getByLabel('Cloud account address');
  await address.fill('not an address');
  await open.getByRole('button', { name: 'Open the order' }).click();
  await open.getByRole('alert').waitFor();
  assert.match(await errorBeside(address), /accountUrl|address/);
  await address.fill(acme);
  await open.getByRole('button', { name: 'Open the order' }).click();
  // The customer's order from the portal and this one: the newest is paid here.
  await desk.getByRole('form', { name: /Payment of order \d+/ }).nth(1).waitFor();
  const pay = desk.getByRole('form', { name: /Payment of order \d+/ }).last();
  await pay.getByLabel(/Payment reference/).fill('SEPA-2026-0042');
  await pay.getByRole('button', { name: 'Mark as paid' }).click();
  await desk.getByText(/paid .* \(reference SEPA-2026-0042\), not used yet/).waitFor();
  await assertLabelled(desk);
  await screenshots(desk, 'operator-orders');
});

test('B2 M5 a blocker is explained with how to fix it, and no request form is offered', async () => {
  const other = await browser.context('phone');
  const page = await other.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await signInCustomer(page, admins.globex);
  await page.getByRole('form', { name: 'Assessment' }).getByLabel('On-premise license key').fill(await f.license({ edition: 'enterprise' }));
  await page.getByRole('button', { name: 'Check the account' }).click();
  await page.getByRole('heading', { name: 'Not ready yet: what blocks the migration' }).waitFor();
  const verdict = await page.locator('.verdict').innerText();
  assert.match(verdict, /renew/i);
  assert.match(verdict, /How to fix: .*auto-renewal/i);
  assert.equal(await page.getByRole('form', { name: 'Migration request' }).count(), 0);
  await screenshots(page, 'portal-assessment-blocked');
  await other.close();
  assert.deepEqual(errors, [], 'no script errors on any page');
});

test('M2 GET /api/terms answers the terms version a request must confirm, with its text in full', async () => {
  const r = await fetch(`${f.url}/api/terms`);
  assert.equal(r.status, 200);
  const body = (await r.json()) as { version: string; text: string };
  assert.equal(body.version, f.desk.termsVersion);
  assert.match(body.text, /^Migration terms, version 2026-11\n/);
  for (const rule of ['one migration backup', 'user limit', 'Auto-renewal', 'edition may lack', 'night before the final date', 'password-protected', 'kept for 7 days']) {
    assert.ok(body.text.toLowerCase().includes(rule.toLowerCase()), rule);
  }
});

test('M2 keyboard alone: the administrator signs in with Tab, typing and Enter, and focus is visible', async () => {
  const context = await browser.context();
  const page = await context.newPage();
  await page.goto(`${f.url}/#/portal`);
  await page.getByRole('heading', { name: 'Sign in to move your cloud account' }).waitFor();
  await page.getByLabel('Cloud account address').focus();
  await page.keyboard.type(acme);
  await page.keyboard.press('Tab');
  await page.keyboard.type(admins.acme.login);
  await page.keyboard.press('Tab');
  await page.keyboard.type(admins.acme.password);
  const outline = await page.getByLabel('Password').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { outlineStyle: string } }).getComputedStyle(el).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused field shows its focus');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Move your account to your own server' }).waitFor();
  await context.close();
});
