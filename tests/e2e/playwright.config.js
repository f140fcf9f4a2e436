// The browser suite, against the site that `cargo xtask test` builds and serves
// (RACELAB_URL says where). One project per engine: Chromium runs every spec through
// Playwright; engines.spec.js runs in Chromium, Firefox and WebKit alike through the
// drivers in engines/ (Playwright's own Firefox and WebKit are patched builds that cannot
// be downloaded here; Debian's browsers are what this suite drives).
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from './engines/chromium.js';
import { NAVIGATION_TIMEOUT_MS } from './engines/health.js';

if (!process.env.RACELAB_URL) {
  throw new Error('RACELAB_URL is not set: run the browser suite with `cargo xtask test`');
}

export default defineConfig({
  testDir: './specs',
  // Each spec repeats real-thread runs 20 times; the scenario threads need both cores, so
  // specs run one at a time.
  workers: 1,
  // Never retried: a spec that passes on a second try has a cause to find, and a retry would
  // hide it (and halve what a flaky rate threshold is worth).
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: process.env.RACELAB_URL,
    // A navigation that hangs fails with its own message, well before the test's timeout,
    // whose teardown would close the page under it and leave only "Target page, context or
    // browser has been closed" (engines/health.js does the same for the drivers).
    navigationTimeout: NAVIGATION_TIMEOUT_MS,
  },
  projects: [
    {
      name: 'chromium',
      use: {
        engine: 'chromium',
        browserName: 'chromium',
        launchOptions: { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS },
      },
    },
    { name: 'firefox', testMatch: 'engines.spec.js', use: { engine: 'firefox' } },
    { name: 'webkit', testMatch: 'engines.spec.js', use: { engine: 'webkit' } },
  ],
});
