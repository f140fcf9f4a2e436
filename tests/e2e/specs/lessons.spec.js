// More of the lessons' claims, on real threads (Web Workers over shared wasm memory) in
// Chromium, through the public JS API. Each claim is a rate over 20 runs. The core claims
// (the bank and the booking, unsafe and locked) are checked in every engine by
// engines.spec.js.
import { test } from '@playwright/test';
import { MORE_CLAIMS, UNSAFE_AT_LEAST, bornOut, held, needed } from './claims.js';
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

test('the lessons are data: the bank is a program per placement, its defaults read from them', async ({ page }) => {
  const bank = await page.evaluate(async () => (await window.racelab.ready).lessons().find((l) => l.id === 'bank'));
  expect(bank.placements.map((p) => p.id)).toEqual(['none', 'global', 'fine', 'fine-unordered', 'check-outside']);
  expect(bank.placements[1].file).toBe('bank/global.py');
  expect(bank.placements[1].program).toContain('with bank_lock:');
  // Its listing marks what the placement adds (the lock) and the invalid stretch.
  const line = (p, n) => p.program.split('\n')[n - 1].trim();
  expect(bank.placements[1].lock_lines.map((n) => line(bank.placements[1], n)))
    .toEqual(['bank_lock = threading.RLock()', 'with bank_lock:', 'with bank_lock:']);
  expect(bank.placements[0].invalid_lines.map((n) => line(bank.placements[0], n)))
    .toEqual(['src.balance -= amount', 'time.sleep(DELAY / 1_000_000)', 'dst.balance += amount']);
  expect(bank.params.find((p) => p.name === 'threads').default).toBe(5);
  expect(bank.invariants.map((i) => i.id)).toEqual(['total-conserved', 'no-negative-balance']);
  const ids = await page.evaluate(async () => (await window.racelab.ready).lessons().map((l) => l.id));
  expect(ids).toEqual(['bank', 'booking', 'joint-account', 'reentrant', 'semaphore', 'event', 'barrier', 'condition']);
});

test('every placement of every lesson runs in the browser as its program, and says so', async ({ page }) => {
  // Defaults throughout: each safe placement ends ok, and every report is named by lesson
  // and placement with its program's file. (An unsafe one need not break in one run at the
  // defaults, the check outside the lock with the lesson's large balances least of all: the
  // claims above and the native tests measure rates.)
  const runs = await page.evaluate(async () => {
    const pg = await window.racelab.ready;
    const out = [];
    for (const lesson of pg.lessons()) {
      for (const p of lesson.placements) {
        const r = await pg.run({ scenario: lesson.id, strategy: p.id, lesson: true });
        out.push({ lesson: lesson.id, placement: p.id, safe: p.safe, file: p.file, scenario: r.scenario,
          strategy: r.strategy, program: r.program, outcome: r.outcome,
          invariants: r.invariants.map((i) => i.id), expected: lesson.invariants.map((i) => i.id) });
      }
    }
    return out;
  });
  expect(runs.length).toBe(21);
  for (const r of runs) {
    const what = `${r.lesson} ${r.placement}: ${r.outcome}`;
    expect([r.scenario, r.strategy, r.program], what).toEqual([r.lesson, r.placement, r.file]);
    expect(r.invariants.slice(0, r.expected.length), what).toEqual(r.expected);
    if (r.safe) expect(r.outcome, what).toBe('ok');
    else expect(['ok', 'violated', 'deadlock'], what).toContain(r.outcome);
  }
});

test('the bank as its lesson programs: unlocked loses money, one global lock keeps every cent', async ({ page }) => {
  // The lesson's programs on the same workers the scenarios use, with fewer transfers (an
  // interpreted teller is slower): measured in Chromium, 2,000 transfers a teller break the
  // unlocked total in every run.
  const config = (strategy) => ({ scenario: 'bank', strategy, lesson: true, transfers_per_thread: 2000 });
  const none = await runMany(page, config('none'), 20);
  const broke = count(none, (r) => r.invariants['total-conserved'] > 0, 'bank none (program) lost money');
  expect(broke, `${broke} of 20`).toBeGreaterThanOrEqual(UNSAFE_AT_LEAST);
  const global = await runMany(page, config('global'), 20);
  const kept = count(global, (r) => held(r) && r.final.total === 44500, 'bank global (program) kept every cent');
  expect(kept, `${kept} of 20`).toBe(20);
});

test('the booking as its lesson programs: unlocked overbooks, with a lock exactly ten', async ({ page }) => {
  // 10 ms of processing rather than 100, as the native claims use: every worker still
  // checks long before any other takes a seat.
  const config = (strategy) => ({ scenario: 'booking', strategy, lesson: true, processing_ms: 10 });
  const none = await runMany(page, config('none'), 20);
  const over = count(none, (r) => r.invariants['no-overbooking'] > 0, 'booking none (program) overbooked');
  expect(over, `${over} of 20`).toBeGreaterThanOrEqual(UNSAFE_AT_LEAST);
  const locked = await runMany(page, config('lock'), 20);
  const exact = count(locked, (r) => held(r) && r.final.confirmed === 10 && r.final.refused === 5
    && r.final.seats_left === 0, 'booking lock (program) was exact');
  expect(exact, `${exact} of 20`).toBe(20);
});

test('a lesson run is drawn as its manifest says: rows, lanes, the summary and the batch number', async ({ page }) => {
  const drawn = await page.evaluate(async () => {
    const pg = await window.racelab.ready;
    const { renderFinal, finalSummary, keyNumber } = await import('./app/finals.js');
    const bank = await pg.run({ scenario: 'bank', strategy: 'none', lesson: true, transfers_per_thread: 2000 });
    const table = renderFinal(bank);
    const key = keyNumber(bank);
    const barrier = await pg.run({ scenario: 'barrier', strategy: 'none', lesson: true });
    const figure = renderFinal(barrier);
    return {
      bank: {
        rows: [...table.querySelectorAll('tr')].map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent,
          tr.cells[1].classList.contains('negative')]),
        final: bank.final, summary: finalSummary(bank), key: { label: key.label, value: key.value, bad: key.isBad },
      },
      barrier: {
        lanes: [...figure.querySelectorAll('.lane-label')].map((l) => l.textContent),
        early: figure.querySelectorAll('.mark.early').length,
        parties: barrier.final.parties, key: barrier.view.key, summary: finalSummary(barrier),
      },
    };
  });
  const { rows, final, summary, key } = drawn.bank;
  const grouped = (n) => n.toLocaleString('en-US');
  expect(rows.slice(0, -1)).toEqual(final.balances.map((b, i) => [`account ${i}`, grouped(b), b < 0]));
  const broke = final.total !== 44500;
  expect(rows.at(-1)).toEqual(['total', `${grouped(final.total)} (should be 44,500)`, broke]);
  expect(summary).toBe(`total ${grouped(final.total)}`);
  expect(key).toEqual({ label: 'final total (should be 44,500)', value: final.total, bad: broke });
  const { lanes, early, parties } = drawn.barrier;
  expect(lanes).toEqual(parties);
  expect(drawn.barrier.key.value).toBe(early);
  expect(drawn.barrier.summary).toBe(`${early} early start${early === 1 ? '' : 's'}`);
});

test('a lesson config is checked like a scenario config, against the lesson program', async ({ page }) => {
  const refusals = await page.evaluate(async () => {
    const pg = await window.racelab.ready;
    const refusal = async (config) => {
      try {
        await pg.run(config);
        return null;
      } catch (e) {
        return { field: e.field, message: e.message };
      }
    };
    return [
      await refusal({ scenario: 'bank', lesson: true, threads: 0 }),
      await refusal({ scenario: 'bank', lesson: 'yes' }),
      await refusal({ scenario: 'bank', lesson: true, strategy: 'mutex' }),
    ];
  });
  expect(refusals[0]).toEqual({ field: 'threads', message: 'threads: must be a whole number from 1 to 16, got 0' });
  expect(refusals[1].field).toBe('lesson');
  expect(refusals[2].field).toBe('strategy');
  expect(refusals[2].message).toContain('none, global, fine, fine-unordered, check-outside');
});
