// Every engine a learner has: the same specs in Chromium, Firefox and WebKit (one project
// per engine in playwright.config.js, driven through engines/index.js). Where the engine
// can, the lessons run on real threads; where it cannot (WebKitGTK: isolated, but no
// SharedArrayBuffer) the page says why in one sentence and the same lessons run stepped.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '../engines/fixture.js';
import { LESSON_CLAIMS, bornOut, galleryClaims, needed } from './claims.js';
import { openOn, pageState, refusal, runMany } from './helpers.js';
import { staticHost } from './static-host.js';

const TINY_BANK = { scenario: 'bank', accounts: [100, 100], threads: 2, transfers_per_thread: 1, max_amount: 50, seed: 1 };

test('starts with what the engine offers and says so in one sentence', async ({ tab, engine, expected, baseURL }) => {
  const page = await openOn(tab, baseURL);
  console.log(`    ready: ${engine}, navigation to pool ready ${page.readyMs} ms (module ${page.moduleMs} ms, pool ${page.poolMs} ms)`);
  expect(page.errors, 'no uncaught error').toEqual([]);
  expect(page.capabilities).toMatchObject({ wasmThreads: true, moduleWorkers: true, framed: false, ...expected.capabilities });
  expect(page.threads).toBe(expected.realThreads);
  expect(page.readyMs).toBeGreaterThan(0);
  if (expected.realThreads) {
    expect(page.banner).toBeNull();
    expect(page.status).toMatch(/^Ready: \d+ worker threads, started in/);
    return;
  }
  console.log(`    says: ${page.banner}`);
  expect(page.banner).toContain('gives even an isolated page no SharedArrayBuffer');
  expect(page.banner).toContain('for real threads open racelab in a current Firefox, Chrome or Edge');
  expect(page.banner.split('. ').length, 'one sentence').toBe(1);
  expect(page.status).toContain('Ready for step mode and exploration');
  const run = await refusal(tab, { scenario: 'bank', strategy: 'none' });
  expect(run?.field).toBe('executor');
  expect(run?.message).toContain('real threads');
  expect(await tab.evaluate(() => document.getElementById('run').disabled)).toBe(true);
});

for (const claim of [...LESSON_CLAIMS, ...galleryClaims('barrier'), ...galleryClaims('condition')]) {
  test(claim.title, async ({ tab, expected, baseURL }) => {
    await openOn(tab, baseURL);
    const stepped = !expected.realThreads;
    const reports = await runMany(tab, claim.config, 20, { stepped });
    const executor = stepped ? 'stepped' : 'parallel';
    expect(reports.map((r) => r.executor)).toEqual(Array(20).fill(executor));
    const n = bornOut(claim, reports);
    const what = `${claim.config.scenario} ${claim.config.strategy} ${claim.unsafe ? `broke ${claim.invariant}` : 'held'}`;
    console.log(`    rate: ${what} in ${n} of 20 runs (${executor})`);
    expect(n, `${n} of 20`).toBeGreaterThanOrEqual(needed(claim));
  });
}

test('step mode and exploration: the lost money found, replayed and shown', async ({ tab, baseURL }) => {
  await openOn(tab, baseURL);
  const seen = await tab.evaluate(async (tiny) => {
    const pg = await window.racelab.ready;
    const none = await pg.explore({ ...tiny, strategy: 'none' });
    const global = await pg.explore({ ...tiny, strategy: 'global' });
    const replay = await pg.run({ ...tiny, strategy: 'none', executor: 'stepped', schedule: none.example.schedule });
    return {
      none: { exhausted: none.exhausted, violating: none.violating, example: none.example?.outcome },
      global: { exhausted: global.exhausted, violating: global.violating },
      replay: { outcome: replay.outcome, executor: replay.executor },
    };
  }, TINY_BANK);
  expect(seen.none.violating).toBeGreaterThan(0);
  expect(seen.none).toMatchObject({ exhausted: true, example: 'violated' });
  expect(seen.global).toEqual({ exhausted: true, violating: 0 });
  expect(seen.replay).toEqual({ outcome: 'violated', executor: 'stepped' });
  // The same in the page, as a learner gets there: Step through it, then a step.
  await tab.click('#step-open');
  await expect.poll(() => tab.visible('#step-panel')).toBe(true);
  const steps = () => tab.evaluate(() => document.querySelector('#step-panel .step-outcome')?.dataset.steps);
  await expect.poll(steps).toBe('0');
  await tab.click('#step-panel .step-button[data-thread="1"]');
  await expect.poll(steps).toBe('1');
  expect(await tab.evaluate(() => window.racelab.errors)).toEqual([]);
});

test.describe('on a static host that sends no headers', () => {
  let dir;
  let host;
  test.beforeEach(async () => {
    expect(process.env.RACELAB_DIST, 'RACELAB_DIST is set by cargo xtask test').toBeTruthy();
    dir = await mkdtemp(join(tmpdir(), 'racelab-engines-'));
    await cp(process.env.RACELAB_DIST, dir, { recursive: true });
    host = await staticHost(dir);
  });
  test.afterEach(async () => {
    await host?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the service worker isolates the page after one reload, and it runs offline', async ({ tab, engine, expected }) => {
    await tab.goto(host.url);
    // The first visit reloads once to come back under the service worker's headers. Look
    // with short evaluates only: one that awaits across the reload can stall the new page
    // in Firefox under WebDriver BiDi.
    await expect.poll(() => tab.evaluate(() => globalThis.crossOriginIsolated === true && Boolean(window.racelab?.ready))
      .catch(() => false), { timeout: 60_000 }).toBe(true);
    const online = await pageState(tab);
    expect(online.errors).toEqual([]);
    expect(online.threads).toBe(expected.realThreads);
    expect(host.requests.get('/'), 'the page was loaded twice: once, then the reload').toBe(2);
    // Offline: every file from the service worker's precache.
    await expect.poll(() => tab.evaluate(async () => {
      const keys = await caches.keys();
      const build = globalThis.navigator.serviceWorker.controller && keys.length > 0;
      if (!build) return 0;
      return (await (await caches.open(keys[0])).keys()).length;
    }), { timeout: 30_000 }).toBeGreaterThan(20);
    await host.close();
    await tab.goto(host.url);
    const offline = await pageState(tab);
    expect(offline.errors).toEqual([]);
    expect(offline.threads).toBe(expected.realThreads);
    const reports = await runMany(tab, { scenario: 'bank', strategy: 'none' }, 5, { stepped: !expected.realThreads });
    const n = bornOut(LESSON_CLAIMS[0], reports);
    console.log(`    rate: offline in ${engine}, bank none broke total-conserved in ${n} of 5 runs`);
    expect(n).toBeGreaterThanOrEqual(4);
  });
});
