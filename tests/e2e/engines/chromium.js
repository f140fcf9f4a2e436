// The Chromium driver: Playwright over CDP, driving Debian's Chromium.
import { chromium } from '@playwright/test';

/** Flags that keep Chromium quiet on a closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  return {
    engine: 'chromium',
    version: browser.version(),
    async newTab() {
      const context = await browser.newContext();
      const page = await context.newPage();
      return {
        async goto(url) { await page.goto(url); },
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        async text(selector) {
          const el = await page.$(selector);
          return el && el.textContent();
        },
        async visible(selector) { return page.locator(selector).first().isVisible(); },
        async click(selector) { await page.locator(selector).first().click(); },
        async close() { await context.close(); },
      };
    },
    async close() { await browser.close(); },
  };
}
