// The browser suite, against the site that `cargo xtask test` builds and serves
// (RACELAB_URL says where). One project per engine: Chromium runs every spec through
// Playwright; engines.spec.js runs in Chromium, Firefox and WebKit alike through the
// drivers in engines/ (Playwright's own Firefox and WebKit are patched builds that cannot
// be downloaded here; Debian's browsers are what this suite drives).
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from './engines/chromium.js';

if (!process.env.RACELAB_URL) {
  throw new Error('RACELAB_URL is not set: run the browser suite with `cargo xtask test`');
}

export default defineConfig({
  testDir: './specs',
  // Each spec repeats real-thread runs 20 times; the scenario threads need both cores, so
  // specs run one at a time.
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: process.env.RACELAB_URL,
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
