// The Firefox driver: puppeteer-core over WebDriver BiDi, driving Debian's Firefox ESR.
import puppeteer from 'puppeteer-core';

export async function launch() {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    headless: true,
    // A lesson's 20 runs are one evaluate: give the protocol the suite's own patience.
    protocolTimeout: 180_000,
  });
  return {
    engine: 'firefox',
    version: await browser.version(),
    async newTab() {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      return {
        async goto(url) { await page.goto(url, { waitUntil: 'load' }); },
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        text: (selector) => page.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector),
        visible: (selector) => page.evaluate((s) => {
          const el = document.querySelector(s);
          return Boolean(el && !el.closest('[hidden]') && el.getClientRects().length > 0);
        }, selector),
        async click(selector) { await page.locator(selector).click(); },
        async close() { await context.close(); },
      };
    },
    async close() { await browser.close(); },
  };
}
