// Embedding: embed.html in an iframe of a course page on another origin that sends no
// isolation headers, driven by the page through postMessage; and the Embed button.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from '@playwright/test';
import { choose, expect, openPlayground } from './helpers.js';
import { coursePage, staticHost } from './static-host.js';


let dir;
const hosts = [];

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'racelab-embed-'));
  await cp(process.env.RACELAB_DIST, dir, { recursive: true });
});

test.afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test.afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
});

/** Starts a plain host of the site and a course page on another origin framing `embedPath`. */
async function setUp(embedPath, { courseOrigin = '127.0.0.1', site } = {}) {
  const siteHost = site ?? await staticHost(dir);
  const src = new URL(embedPath, site ? site.url : siteHost.url).href;
  const course = await staticHost(null, { pages: { '/course.html': coursePage(src) } });
  hosts.push(course);
  if (!site) hosts.push(siteHost);
  return { courseUrl: `http://${courseOrigin}:${course.port}/course.html`, siteHost };
}

/** Waits until the course page has heard `racelab:ready` from the frame; returns it. */
async function frameReady(page) {
  await page.waitForFunction(() => window.got.some((m) => m.type === 'racelab:ready'), null, { timeout: 60_000 });
  return page.evaluate(() => window.got.find((m) => m.type === 'racelab:ready'));
}

const lab = (page) => page.frames().find((f) => f.url().includes('embed.html'));

test('an embed in a course page on another origin without headers runs real threads; the page gets the result', async ({ page }) => {
  // The site on a host that sends no headers (GitHub Pages): its service worker adds
  // Document-Isolation-Policy to the frame after one reload of the frame.
  const { courseUrl } = await setUp('embed.html?scenario=bank&strategy=none&controls=strategy,run');
  await page.goto(courseUrl);
  const ready = await frameReady(page);
  expect(ready).toMatchObject({ scenario: 'bank', strategy: 'none', threads: true });
  expect(await page.evaluate(() => globalThis.crossOriginIsolated), 'the course page itself is not isolated').toBe(false);
  expect(await lab(page).evaluate(() => globalThis.crossOriginIsolated), 'the frame is').toBe(true);

  const result = await page.evaluate(() => window.send({ type: 'racelab:run', id: 1 }, ['racelab:result', 'racelab:error']));
  expect(result.type).toBe('racelab:result');
  expect(result.report).toMatchObject({ scenario: 'bank', strategy: 'none', executor: 'parallel' });
  // Five tellers and the program's main thread.
  expect(result.report.threads).toBe(6);
  // The learner's own click inside the frame reaches the page as well (id null).
  await lab(page).getByRole('radio', { name: /One global lock/ }).check();
  await lab(page).getByRole('button', { name: 'Run', exact: true }).click();
  await page.waitForFunction(() => window.got.some((m) => m.type === 'racelab:result' && m.id === null));
  const own = await page.evaluate(() => window.got.find((m) => m.type === 'racelab:result' && m.id === null));
  expect(own.report).toMatchObject({ strategy: 'global', outcome: 'ok' });
  // The frame told the page its height, and the page sized it to fit.
  const heights = await page.evaluate(() => window.got.filter((m) => m.type === 'racelab:height').map((m) => m.height));
  expect(heights.length).toBeGreaterThan(0);
  expect(heights.every((h) => Number.isInteger(h) && h > 100)).toBe(true);
});

test('a host that sends the headers: a cross-site embed is isolated without a service worker', async ({ page, baseURL }) => {
  // The suite's own server sends Document-Isolation-Policy (as _headers does on hosts that
  // read it); the course page is on another site (localhost, not 127.0.0.1).
  const site = { url: baseURL, close: async () => {} };
  const { courseUrl } = await setUp('embed.html?scenario=booking&strategy=lock&p.seats=3&p.processing_ms=0', { courseOrigin: 'localhost', site });
  await page.goto(courseUrl);
  const ready = await frameReady(page);
  expect(ready).toMatchObject({ scenario: 'booking', strategy: 'lock', threads: true });
  expect(ready.params.seats).toBe('3');
  const result = await page.evaluate(() => window.send({ type: 'racelab:run', id: 'a' }, ['racelab:result', 'racelab:error']));
  expect(result.report).toMatchObject({ scenario: 'booking', executor: 'parallel', outcome: 'ok' });
  expect(result.report.params.seats).toBe(3);
});

test('the postMessage API checks shapes and names what is wrong', async ({ page }) => {
  const { courseUrl } = await setUp('embed.html?scenario=bank&strategy=none&controls=none');
  await page.goto(courseUrl);
  await frameReady(page);
  const ask = (message) => page.evaluate((m) => window.send(m, ['racelab:error', 'racelab:state', 'racelab:result']), message);

  expect(await ask({ type: 'racelab:fly', id: 1 })).toMatchObject({ type: 'racelab:error', field: 'type' });
  const strategy = await ask({ type: 'racelab:set-strategy', id: 2, strategy: 'mutex' });
  expect(strategy).toMatchObject({ type: 'racelab:error', field: 'strategy' });
  expect(strategy.message).toContain('global');
  expect(await ask({ type: 'racelab:set-params', id: 3, params: { tellers: 4 } })).toMatchObject({ field: 'tellers' });
  expect(await ask({ type: 'racelab:set-params', id: 4, params: { threads: { n: 4 } } })).toMatchObject({ field: 'threads' });
  expect(await ask({ type: 'racelab:run', id: 5, speed: 'fast' })).toMatchObject({ field: 'speed' });
  expect(await ask({ type: 'racelab:set-strategy', id: 6 })).toMatchObject({ field: 'strategy' });
  // A range is the core's to check: the run is refused with its message.
  const range = await ask({ type: 'racelab:run', id: 7, params: { threads: 99 } });
  expect(range).toMatchObject({ type: 'racelab:error', field: 'threads' });
  expect(range.message).toMatch(/threads: .*1.*16/);

  const state = await ask({ type: 'racelab:set-params', id: 8, params: { threads: 2, accounts: [50, 50] } });
  expect(state).toMatchObject({ type: 'racelab:state', strategy: 'none', threads: true });
  expect(state.params).toMatchObject({ threads: '2', accounts: '50, 50' });
  const set = await ask({ type: 'racelab:set-strategy', id: 9, strategy: 'global' });
  expect(set.strategy).toBe('global');
  const run = await ask({ type: 'racelab:run', id: 10, params: { transfers_per_thread: 100 } });
  expect(run.report).toMatchObject({ strategy: 'global', threads: 3, outcome: 'ok' }); // 2 tellers, main
  expect(run.report.final.balances).toHaveLength(2);

  // Other messages are someone else's: no answer, nothing breaks.
  const before = await page.evaluate(() => window.got.length);
  await page.evaluate(() => {
    const frame = document.getElementById('lab').contentWindow;
    for (const m of ['hello', { type: 'resize' }, null, [1, 2], { type: 7 }]) frame.postMessage(m, '*');
  });
  const state2 = await ask({ type: 'racelab:get-state', id: 11 });
  expect(state2.strategy).toBe('global');
  const since = await page.evaluate((n) => window.got.slice(n).filter((m) => m.type !== 'racelab:height').length, before);
  expect(since, 'only the get-state answer').toBe(1);
  // controls=none: the frame shows the result only.
  await expect(lab(page).locator('#strategy-picker')).toBeHidden();
  await expect(lab(page).locator('#run')).toBeHidden();
});

test('where the frame cannot be isolated it runs stepped, offers step mode and real threads in a new tab', async ({ browser }) => {
  // No service workers (blocked, as in some private windows and third-party frames) on a
  // host without headers: nothing can isolate the frame.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const { courseUrl } = await setUp('embed.html?scenario=bank&strategy=none&p.threads=2&p.transfers_per_thread=50&p.accounts=100,100');
  await page.goto(courseUrl);
  expect(await frameReady(page)).toMatchObject({ threads: false });
  const frame = lab(page);
  await expect(frame.locator('#isolation')).toBeVisible();
  await expect(frame.locator('#isolation')).toContainText('This frame is not cross-origin isolated, so runs here take turns on one thread');
  await expect(frame.locator('#isolation')).toContainText('for real threads open racelab on its own page');
  const open = frame.getByRole('link', { name: /Open with real threads/ });
  expect(await open.getAttribute('target')).toBe('_blank');
  const href = new URL(await open.getAttribute('href'), frame.url());
  expect(href.pathname).toBe('/');
  expect(Object.fromEntries(href.searchParams)).toMatchObject({ scenario: 'bank', strategy: 'none', 'p.threads': '2', 'p.accounts': '100,100' });

  const result = await page.evaluate(() => window.send({ type: 'racelab:run', id: 1 }, ['racelab:result', 'racelab:error']));
  expect(result.report).toMatchObject({ executor: 'stepped', threads: 3 }); // 2 tellers, main
  await frame.getByRole('button', { name: 'Step through it' }).click();
  await expect(frame.locator('#step-panel')).toBeVisible();
  await expect(frame.locator('#stepper button').first()).toBeVisible();
  expect(errors).toEqual([]);
  await context.close();
});

test('the Embed button gives an iframe that reproduces the setup', async ({ page }) => {
  await openPlayground(page);
  await choose(page, 'booking', 'lock-update-only');
  await page.locator('#param-seats').fill('4');
  await page.getByRole('button', { name: 'Embed' }).click();
  const dialog = page.getByRole('dialog', { name: /Embed this setup/ });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('checkbox', { name: 'Parameters' }).check();
  const snippet = await dialog.locator('#embed-snippet').inputValue();
  expect(snippet).toMatch(/^<iframe src="[^"]+embed\.html\?/);
  expect(snippet).toContain('title="racelab: Seat booking, ');
  const src = snippet.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');
  const q = new URL(src).searchParams;
  expect(q.get('scenario')).toBe('booking');
  expect(q.get('strategy')).toBe('lock-update-only');
  expect(q.get('p.seats')).toBe('4');
  expect(q.get('controls')).toBe('strategy,params,run');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Embed' })).toBeFocused();

  await page.goto(src);
  await page.evaluate(() => window.racelab.ready);
  await expect(page.locator('#embed-title')).toContainText('Seat booking');
  await expect(page.locator('#strategy-picker [data-strategy="lock-update-only"] input')).toBeChecked();
  await expect(page.locator('#param-seats')).toHaveValue('4');
  // A bad part of the link is named, not ignored.
  const bad = new URL(src);
  bad.searchParams.set('controls', 'strategy,wheel');
  await page.goto(bad.href);
  await page.evaluate(() => window.racelab.ready);
  await expect(page.locator('#link-problems')).toContainText('controls: "wheel"');
});
