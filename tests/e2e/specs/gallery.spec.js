// The primitives gallery on real threads in Chromium, through the public JS API: each
// primitive switched on keeps its guarantee 20 of 20 times; switched off, it breaks in most
// runs (claims.js says how many, and why that many).
import { test } from '@playwright/test';
import { GALLERY, bornOut, galleryClaims, held, needed } from './claims.js';
import { choose, count, demoRadio, expect, openPlayground, refusal, runMany, strategyRadio } from './helpers.js';

test.beforeEach(async ({ page }) => {
  await openPlayground(page);
});

for (const [scenario, unsafe, invariant, safes] of GALLERY) {
  test(`${scenario}: ${unsafe} breaks ${invariant}; ${safes.join(' and ')} hold`, async ({ page }) => {
    for (const claim of galleryClaims(scenario)) {
      const reports = await runMany(page, claim.config, 20);
      const n = count(reports, (r) => bornOut(claim, [r]) === 1, `${scenario} ${claim.config.strategy} ${claim.unsafe ? `broke ${invariant}` : 'held'}`);
      expect(n, `${claim.title}: ${n} of 20`).toBeGreaterThanOrEqual(needed(claim));
    }
  });
}

test('semaphore of three: never a fourth inside, measured', async ({ page }) => {
  const reports = await runMany(page, { scenario: 'semaphore', strategy: 'semaphore' }, 5);
  expect(reports.map((r) => r.final.max_inside)).toEqual([3, 3, 3, 3, 3]);
  const open = await runMany(page, { scenario: 'semaphore', strategy: 'none' }, 1);
  expect(open[0].final.max_inside).toBeGreaterThan(3);
});

test('joint account with a lock: both serial outcomes across 50 runs', async ({ page }) => {
  const reports = await runMany(page, { scenario: 'joint-account', strategy: 'lock' }, 50);
  expect(count(reports, held, 'joint-account lock held')).toBe(50);
  const balances = new Set(reports.map((r) => r.final.balance));
  console.log(`    rate: deposit first (800) in ${reports.filter((r) => r.final.balance === 800).length} of 50 runs`);
  expect([...balances].sort()).toEqual([790, 800]);
});

test('Lock taken again by its holder deadlocks at once, every time; the next run works', async ({ page }) => {
  const results = await page.evaluate(async () => {
    const pg = await window.racelab.ready;
    const out = [];
    for (let i = 0; i < 20; i++) {
      const dead = await pg.run({ scenario: 'reentrant', strategy: 'lock' });
      const next = await pg.run({ scenario: 'reentrant', strategy: 'rlock' });
      out.push({ outcome: dead.outcome, cycle: dead.deadlock?.cycle, ms: dead.elapsed_ms, next: next.outcome });
    }
    return out;
  });
  const n = count(results, (r) => r.outcome === 'deadlock' && r.next === 'ok', 'reentrant lock deadlocked, then rlock ran');
  expect(n).toBe(20);
  // Line 15 of the program: log_change's `with lock:`, reached while update() holds it; the
  // caller is thread 1 (thread 0 is the program's main thread).
  expect(results[0].cycle).toEqual([{ thread: 1, holds: ['lock'], waits_for: 'lock', line: 15 }]);
  // Found at once, not by a timeout.
  expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(1000);
});

test('a gallery config that needs too many threads is refused, naming the parameter', async ({ page }) => {
  const travellers = await refusal(page, { scenario: 'barrier', strategy: 'barrier', travellers: 16 });
  expect(travellers).toMatchObject({ field: 'travellers', message: 'travellers: must be a whole number from 1 to 15, got 16' });
  const customers = await refusal(page, { scenario: 'condition', customers: 99 });
  expect(customers.field).toBe('customers');
  // The largest configs allowed fit the pool: every party gets a thread to wait on.
  const full = await runMany(page, { scenario: 'barrier', strategy: 'barrier', travellers: 15, max_ready_ms: 5 }, 1);
  expect(full[0].outcome).toBe('ok');
});

test('the gallery: a card per demo saying what it guarantees; choosing one shows its code', async ({ page }) => {
  const cards = page.locator('#scenario-picker .card');
  await expect(cards).toHaveCount(8);
  for (const id of ['joint-account', 'reentrant', 'semaphore', 'event', 'barrier', 'condition']) {
    const card = page.locator(`.card[data-scenario="${id}"]`);
    await expect(card.locator('.card-guarantee')).not.toBeEmpty();
    await expect(card.locator('.card-watch')).toContainText('Watch:');
  }
  // Each card's radio is named by its title alone, and described by its two sentences.
  await expect(page.getByRole('radio', { name: 'Semaphore', exact: true })).toHaveAccessibleDescription(/at most n threads/);
  await choose(page, 'semaphore', 'semaphore');
  await expect(page.locator('#listing')).toContainText('threading.Semaphore(LIMIT)');
  await strategyRadio(page, 'none').check();
  await expect(page.locator('#listing')).not.toContainText('threading.Semaphore');
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.locator('[data-outcome]')).toHaveAttribute('data-outcome', 'violated');
  // The manifest's table: its first row is the most inside at once.
  const most = Number(await page.locator('table[aria-label="Bookings"] td').first().getAttribute('data-value'));
  expect(most).toBeGreaterThan(3);

  // Keyboard: arrow keys move through the gallery like any radio group.
  await demoRadio(page, 'semaphore').focus();
  await page.keyboard.press('ArrowRight');
  await expect(demoRadio(page, 'event')).toBeChecked();
  await expect(page.locator('#listing-title')).toHaveText('The code: Event, No wait');
  await expect(page.locator('#listing')).toContainText('def flight_status():');
});

test('Lock vs RLock in the page: the deadlock is named, and RLock runs right after', async ({ page }) => {
  await choose(page, 'reentrant', 'lock');
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.locator('[data-outcome]')).toHaveAttribute('data-outcome', 'deadlock');
  await expect(page.locator('ul.deadlock')).toContainText(
    'thread 1 holds lock and waits for lock: which it holds itself, stuck at line 15: with lock:');
  await expect(page.locator('#listing .line.stuck')).toContainText('thread 1 stuck here');
  // The program never reached its check: it is not said to have held, and the final state
  // is where the program stopped.
  await expect(page.locator('[data-invariant="every-call-completes"]')).toContainText('not seen broken before the run stopped');
  await expect(page.locator('#result .final-stopped')).toContainText('Where the program stopped, its globals were:');
  await strategyRadio(page, 'rlock').check();
  await page.getByRole('button', { name: 'Re-run' }).click();
  await expect(page.locator('[data-outcome]')).toHaveAttribute('data-outcome', 'ok');
});

test('joint account with a lock: the page says the lock does not choose the order', async ({ page }) => {
  await choose(page, 'joint-account', 'lock');
  for (let i = 0; i < 3; i++) {
    await page.getByRole('button', { name: /^(Re-)?run$/i }).click();
    await expect(page.locator('#run')).toBeEnabled();
  }
  await expect(page.locator('.note')).toContainText('it does not choose the order');
  await expect(page.locator('.note')).toContainText(/Seen with this placement this session: balance (800|790) ×/);
});
