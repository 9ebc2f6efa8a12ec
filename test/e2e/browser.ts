import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (no browser download). */
export const CHROMIUM = process.env.FLOWSTATE_CHROMIUM ?? '/usr/bin/chromium';

/** Whether browser tests can run here; with FLOWSTATE_REQUIRE_BROWSER=1 a missing one fails. */
export const browserAvailable = existsSync(CHROMIUM);
if (!browserAvailable) {
  if (process.env.FLOWSTATE_REQUIRE_BROWSER === '1') {
    throw new Error(`FLOWSTATE_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
  }
  console.warn(
    `No Chromium at ${CHROMIUM}: browser tests skipped (install Debian's chromium, or set FLOWSTATE_CHROMIUM)`,
  );
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page that fails the test on uncaught page errors, and records console errors. */
export async function openPage(
  browser: Browser,
  baseURL: string,
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1440, height: 900 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  return { page, errors };
}
