// The playground page as a learner uses it: controls, results, history, bad input, a long
// run that stays responsive and can be stopped, and a page that cannot run threads.
import { test } from '@playwright/test';
import { choose, expect, openPlayground, refusal, serveWithoutIsolation, strategyRadio } from './helpers.js';

test('a learner runs the bank without locks, then with one, and compares', async ({ page }) => {
  const errors = await openPlayground(page);
  await choose(page, 'bank', 'none');
  await expect(page.locator('#listing .line.lock')).toHaveCount(0);
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.locator('.outcome')).toHaveAttribute('data-outcome', 'violated');
  await expect(page.locator('[data-invariant="total-conserved"]')).toContainText('violated');

  await strategyRadio(page, 'global').check();
  await expect(page.locator('#listing .line.lock').first()).toContainText('bank_lock');
  await page.getByRole('button', { name: 'Re-run' }).click();
  await expect(page.locator('.outcome')).toHaveAttribute('data-outcome', 'ok');
  await expect(page.locator('table.final tr').filter({ hasText: /^total/ })).toHaveText(/^total\s*44,500 \(should be 44,500\)$/);

  const rows = page.locator('#history tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('One global lock');
  await expect(rows.nth(1)).toContainText('violated');
  expect(errors).toEqual([]);
});

test.describe('before the runtime is up', () => {
  // Requests a service worker makes are not the page's to hold back: leave it out here.
  test.use({ serviceWorkers: 'block' });

  test('the gallery, a linked setup and its code paint at once, from the lessons as data', async ({ page }) => {
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    // The runtime's module is held back until the page has been looked at.
    await page.route('**/racelab_web_bg.wasm', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto('/?scenario=booking&strategy=lock&p.seats=3');
    await expect(page.locator('#scenario-picker input')).toHaveCount(8);
    await expect(page.locator('#scenario-picker [data-scenario="booking"] input')).toBeChecked();
    await expect(strategyRadio(page, 'lock')).toBeChecked();
    await expect(page.getByLabel(/^seats/)).toHaveValue('3');
    await expect(page.locator('#listing-title')).toContainText('Seat booking');
    await expect(page.locator('#listing .line.lock').first()).toBeVisible();
    const before = await page.evaluate(() => ({
      ready: performance.getEntriesByName('racelab:ready').length,
      run: document.getElementById('run').disabled,
    }));
    expect(before).toEqual({ ready: 0, run: true });
    release();
    await page.evaluate(() => window.racelab.ready.then(() => true));
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(page.locator('.outcome')).toHaveAttribute('data-outcome', 'ok');
  });
});

test('every listing line fits its code panel, wrapping where it is long', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await openPlayground(page);
  const overflowing = await page.evaluate(async () => {
    const out = [];
    const cards = [...document.querySelectorAll('#scenario-picker input')];
    for (const card of cards) {
      card.click();
      for (const strategy of document.querySelectorAll('#strategy-picker input')) {
        strategy.click();
        await new Promise(requestAnimationFrame);
        const pre = document.getElementById('listing');
        if (pre.scrollWidth > pre.clientWidth) out.push(`${card.value} ${strategy.value}: ${pre.scrollWidth} > ${pre.clientWidth}`);
      }
    }
    return { out, shown: cards.length };
  });
  expect(overflowing.shown).toBe(8);
  expect(overflowing.out).toEqual([]);
});

test('the history survives a reload', async ({ page }) => {
  await openPlayground(page);
  await choose(page, 'booking', 'lock');
  await page.getByLabel(/processing ms/).fill('5');
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.locator('.outcome')).toHaveAttribute('data-outcome', 'ok');
  await page.reload();
  await page.evaluate(() => window.racelab.ready.then(() => true));
  await expect(page.locator('#history tbody tr')).toHaveCount(1);
  await expect(strategyRadio(page, 'lock')).toBeChecked();
  await expect(page.getByLabel(/processing ms/)).toHaveValue('5');
});

test('bad input in the page names the parameter and its range, and the next run works', async ({ page }) => {
  await openPlayground(page);
  await choose(page, 'bank');
  const threads = page.getByLabel('threads', { exact: true });
  await threads.fill('0');
  await page.getByRole('button', { name: 'Run' }).click();
  const error = page.locator('#config-error');
  await expect(error).toBeVisible();
  await expect(error).toHaveText('threads: must be a whole number from 1 to 16, got 0');
  await expect(threads).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('accounts').fill('100, lots, 300');
  await threads.fill('3');
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(error).toContainText('accounts: must be a list of 2 to 64 whole numbers');

  await page.getByRole('button', { name: 'Lesson defaults' }).click();
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(error).toBeHidden();
  await expect(page.locator('.outcome')).toBeVisible();
});

test('the JS API refuses invalid configs with the field and range, and never traps', async ({ page }) => {
  await openPlayground(page);
  const cases = [
    [{ scenario: 'bank', threads: 0 }, 'threads', 'from 1 to 16'],
    [{ scenario: 'bank', threads: 17 }, 'threads', 'from 1 to 16'],
    [{ scenario: 'bank', transfers_per_thread: 1e7 }, 'transfers_per_thread', 'to 1000000'],
    [{ scenario: 'booking', seats: -1 }, 'seats', 'from 0 to 10000'],
    [{ scenario: 'casino' }, 'scenario', 'bank, booking'],
    [{ scenario: 'bank', strategy: 'mutex' }, 'strategy', 'none, global, fine, fine-unordered, check-outside'],
    [{ scenario: 'bank', threads: '5' }, 'threads', 'got "5"'],
    [{ scenario: 'bank', threads: 2.5 }, 'threads', 'got 2.5'],
    [{ scenario: 'bank', accounts: 'many' }, 'accounts', 'got "many"'],
    [{ scenario: 'bank', accounts: [1] }, 'accounts', '2 to 64'],
    [{ scenario: 'bank', speed: 9 }, 'speed', 'unknown parameter'],
    [{ scenario: 42 }, 'scenario', 'must be a string'],
    [null, 'config', 'must be an object'],
    [[1, 2], 'config', 'must be an object'],
  ];
  for (const [config, field, words] of cases) {
    const e = await refusal(page, config);
    expect(e, JSON.stringify(config)).not.toBeNull();
    expect(e.name).toBe('RacelabError');
    expect(e.field, JSON.stringify(config)).toBe(field);
    expect(e.message, JSON.stringify(config)).toContain(words);
  }
  // Values JSON would quietly turn into null ("the default") or drop: refused in JS, before
  // they reach wasm, with the same wording as the core's.
  const slipping = await page.evaluate(async () => {
    const pg = await window.racelab.ready;
    const configs = {
      NaN: { scenario: 'bank', threads: NaN },
      Infinity: { scenario: 'bank', transfers_per_thread: Infinity },
      'NaN in a list': { scenario: 'bank', accounts: [100, NaN, 300] },
      'a hole in a list': { scenario: 'bank', accounts: [100, , 300] }, // eslint-disable-line no-sparse-arrays
      'a function': { scenario: 'bank', delay: () => 2 },
      'an object': { scenario: 'booking', seats: { value: 10 } },
      'a negative seed': { scenario: 'bank', seed: -1 },
    };
    const out = {};
    for (const [what, config] of Object.entries(configs)) {
      try {
        await pg.run(config);
        out[what] = null;
      } catch (e) {
        out[what] = { field: e.field, message: e.message };
      }
    }
    return out;
  });
  const expected = {
    NaN: ['threads', 'threads: must be a whole number from 1 to 16, got NaN'],
    Infinity: ['transfers_per_thread', 'got Infinity'],
    'NaN in a list': ['accounts', 'must be a list of 2 to 64 whole numbers'],
    'a hole in a list': ['accounts', 'must be a list of 2 to 64 whole numbers'],
    'a function': ['delay', 'got a function'],
    'an object': ['seats', 'got {"value":10}'],
    'a negative seed': ['seed', 'from 0 to'],
  };
  for (const [what, [field, words]] of Object.entries(expected)) {
    const e = slipping[what];
    expect(e, what).not.toBeNull();
    expect(e.field, what).toBe(field);
    expect(e.message, what).toContain(words);
  }
  const ok = await page.evaluate(async () => (await (await window.racelab.ready).run({ scenario: 'bank', strategy: 'global', transfers_per_thread: 100 })).outcome);
  expect(ok).toBe('ok');
});

test('during a long run the page answers, shows progress, and Stop ends it', async ({ page }) => {
  await openPlayground(page);
  await choose(page, 'bank', 'global');
  await page.getByLabel('transfers per thread').fill('1000000');
  await page.getByRole('button', { name: 'Run' }).click();
  const progress = page.locator('#progress');
  await expect(progress).toBeVisible();
  // A program does not know its length: the bar runs, the text counts time and what broke.
  await expect(page.locator('#progress-text')).toContainText(/running for \d+\.\d s · [\d,]+ violations so far/);

  // The main thread keeps answering: another control responds while the run goes on.
  await strategyRadio(page, 'fine').check();
  await expect(page.locator('#strategy-summary')).toContainText('always in account order');
  const lag = await page.evaluate(() => new Promise((resolve) => {
    const t0 = performance.now();
    setTimeout(() => resolve(performance.now() - t0), 0);
  }));
  console.log(`    lag: a timer set during the run fired after ${lag.toFixed(0)} ms`);
  // A page that ran the work itself would answer only once the run ended (seconds away);
  // the bound leaves room for a machine whose cores the run's five threads and a parallel
  // build share with the page.
  expect(lag).toBeLessThan(500);
  await expect(progress).toBeVisible();

  await page.keyboard.press('Escape');
  await expect(page.locator('.outcome')).toHaveAttribute('data-outcome', 'cancelled', { timeout: 5_000 });
  await expect(page.getByRole('button', { name: 'Re-run' })).toBeEnabled();
});

test.describe('where no service worker can add the headers', () => {
  // The site's service worker would add the headers back: that is what it is for.
  test.use({ serviceWorkers: 'block' });

  test('a page without isolation headers says plainly why threads cannot run, and steps instead', async ({ page, baseURL }) => {
    await serveWithoutIsolation(page, baseURL);
    await page.goto('/');
    const banner = page.locator('#isolation');
    await expect(banner).toBeVisible();
    await expect(banner).toContainText('not cross-origin isolated');
    await expect(banner).toContainText('Cross-Origin-Embedder-Policy: require-corp');
    const seen = await page.evaluate(async () => {
      const pg = await window.racelab.ready;
      let refused = null;
      try {
        await pg.run({ scenario: 'bank', strategy: 'none' });
      } catch (e) {
        refused = { field: e.field, message: e.message };
      }
      const stepped = await pg.run({ scenario: 'booking', strategy: 'none', executor: 'stepped', seed: 4 });
      return { isolated: crossOriginIsolated, threads: pg.threads, refused, outcome: stepped.outcome, executor: stepped.executor };
    });
    expect(seen.isolated).toBe(false);
    expect(seen.threads).toBe(false);
    expect(seen.refused?.field).toBe('executor');
    expect(seen.refused?.message).toContain('cross-origin isolated');
    expect(seen.executor).toBe('stepped');
    expect(['ok', 'violated']).toContain(seen.outcome);
    await expect(page.getByRole('button', { name: 'Run' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Step through it' })).toBeEnabled();
    await expect(page.locator('#runtime-status')).toContainText('step mode');
  });
});

test.describe('a browser that cannot run racelab at all', () => {
  test('without WebAssembly threads the page says so in one sentence, with no uncaught error', async ({ page }) => {
    // A browser whose wasm has no shared memory rejects the capability check's probe.
    await page.addInitScript(() => {
      const validate = WebAssembly.validate;
      WebAssembly.validate = (bytes) => (bytes.length === 37 ? false : validate(bytes));
    });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/');
    const banner = page.locator('#isolation');
    await expect(banner).toContainText('This browser cannot run racelab at all: it has no WebAssembly threads');
    await expect(banner).toContainText('open the page in a current Firefox, Chrome or Edge');
    await expect(page.locator('#runtime-status')).toHaveText('racelab cannot run in this browser.');
    const seen = await page.evaluate(() => window.racelab.ready.then(() => 'started', (e) => e.message));
    expect(seen).toContain('no WebAssembly threads');
    expect(errors).toEqual([]);
  });

  test('if the app\'s modules cannot load, the page says so instead of staying blank', async ({ page }) => {
    await page.route('**/app/main.js', (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.goto('/');
    await expect(page.locator('#runtime-status')).toContainText('racelab could not start in this browser (could not load');
    await expect(page.locator('#runtime-status')).toContainText('app/main.js');
    expect(await page.evaluate(() => window.racelab.errors.length)).toBeGreaterThan(0);
  });
});
