import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { root } from './helpers.js';

/**
 * Debian's Chromium driven by playwright-core (never a browser a tool downloads), with the
 * switches this machine's closed network needs. Screenshots go to test-results/screenshots/
 * for a human to look at; each page is shot at a laptop's and a phone's width.
 */
export const chromiumPath = process.env['REPATRIATE_CHROMIUM'] ?? '/usr/bin/chromium';
export const screenshotDir = path.join(root, 'test-results', 'screenshots');

export const widths = { laptop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

export interface TestBrowser {
  readonly browser: Browser;
  /** A new context (own cookies) at the given width; HTTPS errors ignored for self-signed installations. */
  context(width?: keyof typeof widths): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // playwright gives each launch a new, empty profile of its own.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    context: (width = 'laptop') => browser.newContext({ viewport: widths[width], ignoreHTTPSErrors: true }),
    close: () => browser.close(),
  };
}

/** Saves the page at both widths as `<name>-laptop.png` and `<name>-phone.png` (full page). */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  await mkdir(screenshotDir, { recursive: true });
  const saved: string[] = [];
  const original = page.viewportSize();
  for (const [label, size] of Object.entries(widths)) {
    await page.setViewportSize(size);
    const file = path.join(screenshotDir, `${name}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    saved.push(file);
  }
  if (original) await page.setViewportSize(original);
  return saved;
}
