import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshots, type TestBrowser } from './browser.js';
import type { SmtpCatcher } from './smtp.js';

/**
 * Browser steps of the on-premise assistant, shared by test/web-assistant.test.ts and the
 * whole-story test: everything is done through the UI, as the administrator and a user would.
 */
export interface AssistantP1Args {
  /** The assistant's origin (`repatriate serve --onprem` or buildOnpremApp + listen), e.g. http://127.0.0.1:4321. */
  readonly url: string;
  readonly adminToken: string;
  /** The SMTP catcher the installation sends through. */
  readonly smtp: SmtpCatcher;
  /** The e-mail address of an active user of the restored account (b_user.email). */
  readonly userEmail: string;
  readonly newPassword: string;
  /** Screenshot name prefix; none taken when absent. */
  readonly shots?: string;
}

/** Signs in to the assistant with the administrator token, typing it as a person would. */
export async function signInAsAdmin(page: Page, url: string, adminToken: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByRole('heading', { name: 'Sign in to the assistant' }).waitFor();
  await page.getByLabel('Administrator token').fill(adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'After the restore' }).waitFor();
  await page.locator('[data-task="P1"]').waitFor();
}

/** The section of one task in the checklist. */
export function taskSection(page: Page, id: string) {
  return page.locator(`section[data-task="${id}"]`);
}

/**
 * The administrator completes P1 in the browser and a user proves it worked: sign in to the
 * assistant, save the SMTP server (P9) if none is configured and tested yet, send the reset
 * mails (the links point at `url`, so they open this server), open the link of the mail to
 * `userEmail`, set `newPassword`, and sign in as that user.
 *
 * The caller passes no SMTP settings at start: the server may start with none; this function
 * configures P9 through the UI with `smtp.url` (sender `noreply@<url's host>`) when the P9 task
 * is not done. If P9 is done already it must go to `smtp`, or no mail arrives.
 */
export async function assistantCompletesP1(browser: TestBrowser, given: AssistantP1Args): Promise<void> {
  const args = { ...given, url: given.url.replace(/\/+$/, '') };
  const context = await browser.context('laptop');
  try {
    const page = await context.newPage();
    await signInAsAdmin(page, args.url, args.adminToken);

    const p9 = taskSection(page, 'P9');
    if ((await p9.getAttribute('data-state')) !== 'done') {
      const configure = p9.getByRole('form', { name: 'Your SMTP server' });
      await configure.getByLabel('SMTP address').fill(args.smtp.url);
      await configure.getByLabel('Sender address').fill(`noreply@${new URL(args.url).hostname === '127.0.0.1' ? 'intranet.example' : new URL(args.url).hostname}`);
      await configure.getByRole('button', { name: 'Connect and save' }).click();
      await configure.getByRole('status').filter({ hasText: 'Connected to' }).waitFor();
    }

    const p1 = taskSection(page, 'P1');
    const send = p1.getByRole('form', { name: 'Send reset mails' });
    await send.getByLabel('Address the links point at (optional)').fill(args.url);
    const before = args.smtp.mails.length;
    await send.getByRole('button', { name: 'Send reset mails' }).click();
    const report = send.getByRole('status').filter({ hasText: 'reset mails' });
    await report.waitFor();
    assert.match((await report.textContent()) ?? '', /Sent [1-9]\d* reset mails/);
    assert.ok(((await report.textContent()) ?? '').includes(args.userEmail), 'the user is among those the mails went to');
    if (args.shots) await screenshots(page, `${args.shots}-p1-sent`);
    // The links of an earlier send were replaced by this one: take the newest mail only.
    const mail = await args.smtp.waitFor((m) => args.smtp.mails.indexOf(m) >= before && m.to.includes(args.userEmail));
    const link = /(https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(link && link.startsWith(`${args.url}/reset-password?token=`), `the mail carries a link to this server: ${mail.text}`);

    // The user, in a browser of their own (no administrator token in it).
    const userContext = await browser.context('laptop');
    try {
      const user = await userContext.newPage();
      await user.goto(link);
      await user.getByRole('heading', { name: 'Choose your new password' }).waitFor();
      assert.ok(!user.url().includes('?token='), 'the token moved out of the query into the fragment');
      if (args.shots) await screenshots(user, `${args.shots}-reset`);
      await user.getByLabel('New password', { exact: true }).fill(args.newPassword);
      await user.getByLabel('New password again').fill(args.newPassword);
      await user.getByRole('button', { name: 'Set password' }).click();
      await user.getByRole('heading', { name: 'Your password is set' }).waitFor();
      const login = (await user.locator('main strong').first().textContent()) ?? '';
      assert.ok(login.length > 0);
      if (args.shots) await screenshots(user, `${args.shots}-reset-done`);
      await user.getByRole('link', { name: 'Sign in now' }).click();
      await user.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
      assert.equal(await user.getByLabel('Login').inputValue(), login, 'the login is filled in from the reset');
      await user.getByLabel('Password', { exact: true }).fill(args.newPassword);
      await user.getByRole('button', { name: 'Sign in' }).click();
      await user.getByRole('heading', { name: 'Welcome back' }).waitFor();
      assert.match((await user.getByRole('status').textContent()) ?? '', new RegExp(`signed in as ${login.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      if (args.shots) await screenshots(user, `${args.shots}-signed-in`);
    } finally {
      await userContext.close();
    }

    // The administrator's checklist counts the new password.
    await page.getByRole('button', { name: 'Check again' }).click();
    await p1.locator('.why').filter({ hasText: /active users/ }).waitFor();
  } finally {
    await context.close();
  }
}
