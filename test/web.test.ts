import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshots, type TestBrowser } from './browser.js';
import { removeDir, runCli, startCli, tempDir, type RunningCli } from './helpers.js';

// The web UI is served by `repatriate serve` from the same origin as the API (issue 9).
let home: string;
let serve: RunningCli;
let url: string;
let browser: TestBrowser;

before(async () => {
  home = await tempDir('web');
  const init = await runCli(['cloud', 'init', '--tenants', '2', '--size', '2MB'], home);
  assert.equal(init.code, 0, init.stderr);
  serve = await startCli(['serve', '--port', '0', '--json', '--insecure-cookies', '--tick-seconds', '0'], { REPATRIATE_HOME: home });
  url = (JSON.parse(serve.firstLine) as { url: string }).url;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  await removeDir(home);
});

test('M13 the desk serves its web UI beside the API: the page renders in Chromium and its scripts load from /assets', async () => {
  const context = await browser.context();
  const page = await context.newPage();
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(r.url()));
  page.on('pageerror', (e) => failed.push(e.message));
  const response = await page.goto(`${url}/`);
  assert.equal(response?.status(), 200);
  await page.getByRole('heading', { level: 1 }).waitFor();
  assert.match(await page.title(), /migration desk/);
  assert.deepEqual(failed, []);
  await page.getByRole('link', { name: 'Operator desk' }).click();
  await page.getByRole('heading', { name: 'Operator desk' }).waitFor();
  await screenshots(page, 'smoke-desk');
  await context.close();
});
