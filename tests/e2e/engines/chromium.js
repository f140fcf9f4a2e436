// The Chromium driver: Playwright over CDP, driving Debian's Chromium.
import { chromium } from '@playwright/test';
import { Health, NAVIGATION_TIMEOUT_MS } from './health.js';

/** Flags that keep Chromium quiet on a closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export async function launch() {
  const health = new Health('Chromium');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  browser.on('disconnected', () => health.died('its connection to Playwright closed'));
  return {
    engine: 'chromium',
    version: browser.version(),
    async newTab() {
      health.check('open a tab');
      const context = await health.guard('open a tab', () => browser.newContext());
      const page = await health.guard('open a tab', () => context.newPage());
      const tab = health.tab(page);
      return {
        goto: (url) => tab.guard(`go to ${url}`, () => page.goto(url, { timeout: NAVIGATION_TIMEOUT_MS })),
        evaluate: (fn, arg) => tab.guard('evaluate in the page', () => page.evaluate(fn, arg)),
        text: (selector) => tab.guard(`read ${selector}`, async () => {
          const el = await page.$(selector);
          return el && el.textContent();
        }),
        visible: (selector) => tab.guard(`look for ${selector}`, () => page.locator(selector).first().isVisible()),
        click: (selector) => tab.guard(`click ${selector}`, () => page.locator(selector).first().click()),
        async close() {
          tab.closing();
          await context.close();
        },
      };
    },
    async close() {
      health.closing();
      await browser.close();
    },
  };
}
