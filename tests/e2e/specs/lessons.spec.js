// More of the lessons' claims, on real threads (Web Workers over shared wasm memory) in
// Chromium, through the public JS API. Each claim is a rate over 20 runs. The core claims
// (the bank and the booking, unsafe and locked) are checked in every engine by
// engines.spec.js.
import { test } from '@playwright/test';
import { held } from './claims.js';
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

test('checking the balance outside the lock lets it go negative', async ({ page }) => {
  const accounts = [100, 100, 100];
  const outside = await runMany(page, { scenario: 'bank', strategy: 'check-outside', accounts }, 20);
  const negative = count(outside, (r) => r.invariants['no-negative-balance'] > 0, 'check-outside went negative');
  expect(negative, `negative in ${negative} of 20`).toBeGreaterThanOrEqual(10);
  const locked = await runMany(page, { scenario: 'bank', strategy: 'global', accounts }, 20);
  expect(count(locked, (r) => r.invariants['no-negative-balance'] > 0, 'global went negative')).toBe(0);
});

test('locking only the update still goes below zero seats', async ({ page }) => {
  const reports = await runMany(page, { scenario: 'booking', strategy: 'lock-update-only' }, 20);
  const n = count(reports, (r) => r.final.seats_left < 0 && r.invariants['seats-non-negative'] > 0, 'lock-update-only below zero');
  expect(n, `below zero in ${n} of 20`).toBeGreaterThanOrEqual(15);
});

test('a processing delay lasts as long in the browser as asked', async ({ page }) => {
  // 10,000 delays of 20 µs on one thread cannot take less than 200 ms. Browsers coarsen
  // their clock and tier up wasm code mid-run; the delay must stay honest through both.
  const reports = await runMany(page, { scenario: 'bank', strategy: 'none', threads: 1, delay: 20, transfers_per_thread: 10000 }, 3);
  const times = reports.map((r) => r.elapsed_ms).sort((a, b) => a - b);
  expect(times[1], `median of ${times.map(Math.round)} ms`).toBeGreaterThanOrEqual(180);
});
