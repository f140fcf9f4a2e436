// More of the lessons' claims, on real threads (Web Workers over shared wasm memory) in
// Chromium, through the public JS API. Each claim is a rate over 20 runs. The core claims
// (the bank and the booking, unsafe and locked) are checked in every engine by
// engines.spec.js.
import { test } from '@playwright/test';
import { MORE_CLAIMS, bornOut, held, needed } from './claims.js';
import { count, expect, openPlayground, runMany } from './helpers.js';

test.beforeEach(async ({ page }) => {
  await openPlayground(page);
});

test('the page is cross-origin isolated and the pool has enough workers', async ({ page }) => {
  const info = await page.evaluate(async () => {
    const pg = await window.racelab.ready;
    return { isolated: crossOriginIsolated, maxThreads: pg.maxThreads, ids: pg.scenarios().map((s) => s.id) };
  });
  expect(info.isolated).toBe(true);
  expect(info.maxThreads).toBeGreaterThanOrEqual(10);
  expect(info.ids).toEqual(expect.arrayContaining(['bank', 'booking']));
});

test('bank with fine locks keeps every cent', async ({ page }) => {
  const reports = await runMany(page, { scenario: 'bank', strategy: 'fine' }, 20);
  const n = count(reports, (r) => held(r) && r.final.total === 44500, 'bank fine held everything');
  expect(n, `held in ${n} of 20`).toBe(20);
});

for (const claim of MORE_CLAIMS.filter((c) => c.invariant)) {
  test(claim.title, async ({ page }) => {
    const reports = await runMany(page, claim.config, 20);
    const n = count(reports, (r) => bornOut(claim, [r]) === 1, claim.title);
    expect(n, `${n} of 20`).toBeGreaterThanOrEqual(needed(claim));
  });
}

test('checking the balance inside the lock never goes negative', async ({ page }) => {
  const outside = MORE_CLAIMS.find((c) => c.invariant === 'no-negative-balance');
  const locked = await runMany(page, { ...outside.config, strategy: 'global' }, 20);
  expect(count(locked, (r) => r.invariants['no-negative-balance'] > 0, 'global went negative')).toBe(0);
});

test('a processing delay lasts as long in the browser as asked', async ({ page }) => {
  // 10,000 delays of 20 µs on one thread cannot take less than 200 ms. Browsers coarsen
  // their clock and tier up wasm code mid-run; the delay must stay honest through both.
  const reports = await runMany(page, { scenario: 'bank', strategy: 'none', threads: 1, delay: 20, transfers_per_thread: 10000 }, 3);
  const times = reports.map((r) => r.elapsed_ms).sort((a, b) => a - b);
  expect(times[1], `median of ${times.map(Math.round)} ms`).toBeGreaterThanOrEqual(180);
});
