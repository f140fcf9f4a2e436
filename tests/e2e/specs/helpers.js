// Shared steps of the browser specs. Those that only evaluate in the page take a
// Playwright page or a driver tab of any engine (engines/index.js) alike.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from '@playwright/test';

/** Opens the playground and waits until its thread pool is ready. */
export async function openPlayground(page, path = '/') {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(path);
  await page.evaluate(() => window.racelab.ready.then(() => true));
  return errors;
}

/**
 * Opens `url` in a driver tab of any engine (engines/index.js), waits until the runtime is
 * up and returns what the page found and says: { threads, capabilities, banner (the
 * limitation's text, or null when hidden), status, readyMs (navigation to ready), moduleMs,
 * poolMs, errors (uncaught, as guard.js kept them) }.
 */
export async function openOn(tab, url) {
  await tab.goto(url);
  return pageState(tab);
}

/** What a driver tab's page found and says, once its runtime is up (see openOn). */
export function pageState(tab) {
  return tab.evaluate(async () => {
    const pg = await window.racelab.ready;
    const banner = document.getElementById('isolation');
    const mark = performance.getEntriesByName('racelab:ready')[0];
    return {
      threads: pg.threads,
      capabilities: pg.capabilities,
      banner: banner.hidden ? null : banner.textContent.replace(/\s+/g, ' ').trim(),
      status: document.getElementById('runtime-status').textContent,
      readyMs: mark ? Math.round(mark.startTime) : null,
      moduleMs: Math.round(pg.moduleMs),
      poolMs: Math.round(pg.poolMs),
      errors: window.racelab.errors,
    };
  });
}

/**
 * Runs `config` `n` times through api.js in the page and returns slim reports
 * ({ outcome, executor, invariants: {id: violations}, final }). With `stepped`, each run
 * is stepped with seed 1, 2, ... instead of running on real threads. `page` is a
 * Playwright page or a driver tab of any engine: only its `evaluate` is used.
 */
export function runMany(page, config, n, { stepped = false } = {}) {
  return page.evaluate(async ({ config, n, stepped }) => {
    const pg = await window.racelab.ready;
    const out = [];
    for (let i = 0; i < n; i++) {
      const r = await pg.run(stepped ? { ...config, executor: 'stepped', seed: i + 1 } : config);
      out.push({
        outcome: r.outcome,
        executor: r.executor,
        invariants: Object.fromEntries(r.invariants.map((inv) => [inv.id, inv.violations])),
        final: r.final,
        elapsed_ms: r.elapsed_ms,
      });
    }
    return out;
  }, { config, n, stepped });
}

/** The radio button of a demo's card in the gallery. */
export const demoRadio = (page, id) => page.locator(`.card[data-scenario="${id}"] input`);

/** The radio button of a strategy of the selected demo. */
export const strategyRadio = (page, id) => page.locator(`#strategy-picker [data-strategy="${id}"] input`);

/** Picks a demo in the gallery and a strategy, as a learner clicks them. */
export async function choose(page, scenario, strategy) {
  await demoRadio(page, scenario).check();
  if (strategy) await strategyRadio(page, strategy).check();
}

/**
 * Runs a config that should be refused and returns the error's message and field. `page`:
 * a Playwright page or a driver tab.
 */
export function refusal(page, config) {
  return page.evaluate(async (config) => {
    const pg = await window.racelab.ready;
    try {
      await pg.run(config);
      return null;
    } catch (e) {
      return { message: e.message, field: e.field, name: e.name };
    }
  }, config);
}

/** How many reports satisfy `pred`; logs the rate so every run of the suite shows it. */
export function count(reports, pred, what = 'matched') {
  const n = reports.filter(pred).length;
  console.log(`    rate: ${what} in ${n} of ${reports.length} runs`);
  return n;
}

/**
 * Makes `page` see the site as a static host that sends no headers would serve it: the
 * built site (RACELAB_DIST) straight from disk, so the page is not cross-origin isolated.
 * Matched by origin, not by the glob `${baseURL}**`, which misses addresses with a query.
 * Use it in a context with `serviceWorkers: 'block'`: the site's service worker would
 * otherwise add the headers back on the next load (which is what it is for).
 */
export async function serveWithoutIsolation(page, baseURL) {
  const dist = process.env.RACELAB_DIST;
  expect(dist, 'RACELAB_DIST is set by cargo xtask test').toBeTruthy();
  const types = { html: 'text/html', js: 'text/javascript', css: 'text/css', svg: 'image/svg+xml', wasm: 'application/wasm' };
  const origin = new URL(baseURL).origin;
  await page.route((url) => url.origin === origin, async (route) => {
    const path = new URL(route.request().url()).pathname;
    const file = join(dist, path.endsWith('/') ? `${path}index.html` : path);
    try {
      await route.fulfill({ body: await readFile(file), contentType: types[file.split('.').pop()] ?? 'application/octet-stream' });
    } catch {
      await route.fulfill({ status: 404, body: 'not found' });
    }
  });
}

export { expect };

const LESSON_PROGRAMS = new URL('../../../crates/lang/tests/programs/', import.meta.url);

/**
 * A lesson program (crates/lang/tests/programs, which the native suite runs too) with its
 * top-level constants set: `lessonProgram('counter.py', { LOCKED: 'True' })`.
 */
export function lessonProgram(file, constants = {}) {
  let source = readFileSync(new URL(file, LESSON_PROGRAMS), 'utf8');
  for (const [name, value] of Object.entries(constants)) {
    const re = new RegExp(`^${name} = .*$`, 'm');
    if (!re.test(source)) throw new Error(`${file} has no constant ${name}`);
    source = source.replace(re, `${name} = ${value}`);
  }
  return source;
}

/**
 * Waits until the page's runtime is up; returns whether it has real threads. The first
 * visit to a host without headers reloads once on its own: wait through that.
 */
export async function readyThroughReload(page) {
  for (let attempt = 0; ; attempt++) {
    try {
      await page.waitForFunction(() => window.racelab?.ready);
      return await page.evaluate(() => window.racelab.ready.then((pg) => pg.threads));
    } catch (e) {
      if (attempt > 2 || !/destroyed|navigat/i.test(e.message)) throw e;
      await page.waitForLoadState('load');
    }
  }
}

export const isolated = (page) => page.evaluate(() => globalThis.crossOriginIsolated);

/** Counts the documents `page` loads (a reload is one more; history.replaceState is none). */
export function countLoads(page) {
  const loads = { n: 0 };
  page.on('load', () => { loads.n += 1; });
  return loads;
}
