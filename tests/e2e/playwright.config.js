// Playwright drives Debian's Chromium (browser downloads fail on this network) against the
// site that `cargo xtask test` builds and serves; RACELAB_URL says where.
import { defineConfig } from '@playwright/test';

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
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run',
      ],
    },
  },
});
