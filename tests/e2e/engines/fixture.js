// Playwright Test fixtures for specs that run in every engine (playwright.config.js makes
// one project per engine): `engine` names it, `expected` says what it should offer, and
// `tab` is a fresh tab of that engine's browser (launched once per worker), driven through
// the interface in index.js.
import { test as base } from '@playwright/test';
import { EXPECTED, launch } from './index.js';

export const test = base.extend({
  engine: ['chromium', { option: true, scope: 'worker' }],
  expected: [async ({ engine }, use) => use(EXPECTED[engine]), { scope: 'worker' }],
  session: [async ({ engine }, use) => {
    const session = await launch(engine);
    console.log(`    engine: ${engine}, ${session.version}`);
    await use(session);
    await session.close();
  }, { scope: 'worker', timeout: 120_000 }],
  tab: async ({ session }, use) => {
    const tab = await session.newTab();
    await use(tab);
    await tab.close();
  },
});

export { expect } from '@playwright/test';
