// The Firefox driver: puppeteer-core over WebDriver BiDi, driving Debian's Firefox ESR.
import puppeteer from 'puppeteer-core';
import { Health, NAVIGATION_TIMEOUT_MS } from './health.js';

/** How long a click waits for its element to be there, enabled and shown. */
const CLICK_TIMEOUT_MS = 30_000;

export async function launch() {
  const health = new Health('Firefox');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    headless: true,
    // A lesson's 20 runs are one evaluate: give the protocol the suite's own patience.
    protocolTimeout: 180_000,
  });
  browser.on('disconnected', () => health.died('its connection to puppeteer closed'));
  return {
    engine: 'firefox',
    version: await browser.version(),
    async newTab() {
      health.check('open a tab');
      const context = await health.guard('open a tab', () => browser.createBrowserContext());
      const page = await health.guard('open a tab', () => context.newPage());
      // puppeteer names a crashed page's event 'error'.
      const tab = health.tab(page, 'error');
      return {
        goto: (url) => tab.guard(`go to ${url}`, () => page.goto(url, { waitUntil: 'load', timeout: NAVIGATION_TIMEOUT_MS })),
        evaluate: (fn, arg) => tab.guard('evaluate in the page', () => page.evaluate(fn, arg)),
        text: (selector) => tab.guard(`read ${selector}`,
          () => page.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector)),
        visible: (selector) => tab.guard(`look for ${selector}`, () => page.evaluate((s) => {
          const el = document.querySelector(s);
          return Boolean(el && !el.closest('[hidden]') && el.getClientRects().length > 0);
        }, selector)),
        // Not page.locator(selector).click(): under Firefox ESR 140 its wait for the element
        // to be in the viewport never ends for a button below the fold (it timed out on
        // #step-open, which page.click scrolls to and clicks at once).
        // (page.waitForFunction would build a Function in the page, which its CSP forbids.)
        click: (selector) => tab.guard(`click ${selector}`, async () => {
          const ready = (s) => {
            const el = document.querySelector(s);
            return Boolean(el && !el.disabled && !el.closest('[hidden]') && el.getClientRects().length > 0);
          };
          const until = Date.now() + CLICK_TIMEOUT_MS;
          while (!(await page.evaluate(ready, selector))) {
            if (Date.now() > until) throw new Error(`${selector} was not there to click within ${CLICK_TIMEOUT_MS / 1000} s`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          await page.click(selector);
        }),
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
