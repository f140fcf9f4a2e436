// Shared steps of the browser specs.
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
 * Runs `config` `n` times through api.js in the page and returns slim reports
 * ({ outcome, invariants: {id: violations}, final }).
 */
export function runMany(page, config, n) {
  return page.evaluate(async ({ config, n }) => {
    const pg = await window.racelab.ready;
    const out = [];
    for (let i = 0; i < n; i++) {
      const r = await pg.run(config);
      out.push({
        outcome: r.outcome,
        invariants: Object.fromEntries(r.invariants.map((inv) => [inv.id, inv.violations])),
        final: r.final,
        elapsed_ms: r.elapsed_ms,
      });
    }
    return out;
  }, { config, n });
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

/** Runs a config that should be refused and returns the error's message and field. */
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
