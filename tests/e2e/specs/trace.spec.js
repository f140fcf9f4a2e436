// Seeing the race in Chromium: traces of real runs, many runs at once, strategies compared,
// the observer effect, and the trace exported for Perfetto.
import { readFile } from 'node:fs/promises';
import { test } from '@playwright/test';
import { choose, count, expect, openPlayground, refusal } from './helpers.js';

/** Five tellers, 250 transfers each, 48 accounts: the whole run fits in the trace. */
const SMALL_BANK = {
  scenario: 'bank', strategy: 'none', transfers_per_thread: 250,
  accounts: Array(48).fill(5000), delay: 20, trace: true,
};

test('a traced unsafe bank shows, for every failed check, the transfer in flight or the lost update', async ({ page }) => {
  await openPlayground(page);
  // Checked here from the raw events, independently of the core's own explanation.
  const runs = await page.evaluate(async (config) => {
    const pg = await window.racelab.ready;
    const out = [];
    for (let i = 0; i < 20; i++) {
      const { trace } = await pg.run(config);
      // A failed check looked at what its thread read since its last check or the end of
      // its last invalid stretch (its audit's reads).
      const since = new Map();
      const stretches = [];
      const open = new Map();
      const wrong = [];
      for (const e of trace.events) {
        if (!since.has(e.thread)) since.set(e.thread, e.seq);
        if (e.op === 'invalid-begin') { open.set(e.thread, stretches.length); stretches.push({ thread: e.thread, begin: e.seq, end: Infinity }); }
        if (e.op === 'invalid-end' && open.has(e.thread)) { stretches[open.get(e.thread)].end = e.seq; open.delete(e.thread); }
        if (e.op === 'check' && !e.held) wrong.push({ thread: e.thread, begin: since.get(e.thread), end: e.seq });
        if (e.op === 'invalid-end' || e.op === 'check') since.set(e.thread, e.seq);
      }
      const damage = trace.lost_updates.map((l) => l.by);
      let unexplained = 0, byOverlap = 0, agree = 0;
      for (const [k, a] of wrong.entries()) {
        const overlapped = stretches.filter((s) => s.thread !== a.thread && s.begin < a.end && s.end > a.begin);
        const lostBefore = damage.filter((d) => d < a.end).length;
        if (!overlapped.length && !lostBefore) unexplained += 1;
        if (overlapped.length && !lostBefore) byOverlap += 1;
        if (trace.violations[k]?.seq === a.end && trace.violations[k].overlapped.length === overlapped.length) agree += 1;
      }
      out.push({ truncated: trace.truncated, wrong: wrong.length, unexplained, byOverlap, agree });
    }
    return out;
  }, SMALL_BANK);
  for (const r of runs) {
    expect(r.truncated).toBe(false);
    expect(r.unexplained, 'failed checks with no transfer in flight and no update lost').toBe(0);
    expect(r.agree, "the core's explanation matches the events").toBe(r.wrong);
  }
  // Every wrong audit is explained in every run (above). That one is caught mid-flight
  // before any update is lost happens in about 98% of runs (a run whose first collision
  // came first, or whose threads barely overlapped, shows only the other cause).
  const n = count(runs, (r) => r.byOverlap > 0, 'an audit caught a transfer mid-flight (no update lost yet)');
  expect(n).toBeGreaterThanOrEqual(17);
});

test('trace settings are refused with their range, like parameters', async ({ page }) => {
  await openPlayground(page);
  let e = await refusal(page, { scenario: 'bank', trace: 'yes' });
  expect(e.field).toBe('trace');
  expect(e.message).toContain('true or false');
  e = await refusal(page, { scenario: 'bank', trace: true, trace_limit: 0 });
  expect(e.field).toBe('trace_limit');
  expect(e.message).toContain('from 1 to 200000');
  e = await refusal(page, { scenario: 'bank', trace: true, trace_limit: 1.5 });
  expect(e.field).toBe('trace_limit');
});

test('Run × 100 of the unsafe bank keeps the page responsive, shows the distribution, and Stop ends it at once', async ({ page }) => {
  const errors = await openPlayground(page);
  await choose(page, 'bank', 'none');
  await page.getByLabel('runs', { exact: true }).fill('100');
  // The gaps between animation frames while the batch runs: the page's own stalls.
  await page.evaluate(() => {
    window.__gaps = { all: [], last: performance.now(), on: true };
    const tick = (t) => {
      const g = window.__gaps;
      g.all.push(t - g.last);
      g.last = t;
      if (g.on) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.getByRole('button', { name: 'Repeat × N' }).click();
  await expect(page.locator('#batch')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  const gaps = await page.evaluate(() => {
    window.__gaps.on = false;
    const all = [...window.__gaps.all].sort((a, b) => a - b);
    return { median: all[all.length >> 1], p95: all[Math.floor(all.length * 0.95)], max: all[all.length - 1] };
  });
  console.log(`    frame: gaps between frames during Run × 100: median ${gaps.median.toFixed(0)} ms, 95th percentile ${gaps.p95.toFixed(0)} ms, longest ${gaps.max.toFixed(0)} ms`);
  // Painting goes on between runs: a batch driven from the page's main thread would stall it
  // for the whole batch (5 s and more). The longest single gap is the machine's as much as
  // the page's (100 ms idle, 233 ms with a parallel build on both cores), so it is bounded
  // only by what a learner would call frozen; the median says the page keeps painting.
  expect(gaps.median).toBeLessThan(50);
  expect(gaps.max).toBeLessThan(1_000);
  const verdict = page.locator('#batch .verdict');
  await expect(verdict).toHaveAttribute('data-runs', '100');
  const broken = Number(await verdict.getAttribute('data-broken'));
  console.log(`    rate: bank none broke an invariant in ${broken} of 100 runs (Run × 100)`);
  expect(broken).toBeGreaterThanOrEqual(95);
  for (const chart of ['invariants', 'outcomes', 'final', 'time']) {
    await expect(page.locator(`#batch [data-chart="${chart}"] svg`)).toBeVisible();
  }
  await expect(page.locator('#batch [data-chart="final"] figcaption')).toContainText('44,500');

  // Stop during a second batch: it ends within half a second of the click.
  await page.getByRole('button', { name: 'Repeat × N' }).click();
  await expect.poll(() => page.evaluate(() => window.racelab.batch.last?.done ?? 0)).toBeGreaterThan(3);
  const stopMs = await page.evaluate(async () => {
    const box = document.getElementById('batch');
    const t0 = performance.now();
    document.getElementById('stop').click();
    while (box.dataset.state !== 'stopped') await new Promise((r) => setTimeout(r, 5));
    return performance.now() - t0;
  });
  console.log(`    stop: a batch ended ${stopMs.toFixed(0)} ms after Stop`);
  expect(stopMs).toBeLessThan(500);
  await expect(page.locator('.batch-progress')).toContainText('Stopped after');
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
  expect(errors).toEqual([]);
});

test('comparing strategies shows time against correctness, and the cost of safety as a ratio', async ({ page }) => {
  await openPlayground(page);
  await choose(page, 'bank', 'none');
  await page.getByLabel('runs', { exact: true }).fill('5');
  await page.getByRole('button', { name: 'Compare strategies' }).click();
  await expect(page.locator('#batch')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  const rows = page.locator('#batch table[data-table="compare"] tbody tr');
  await expect(rows).toHaveCount(5);
  const row = (id) => page.locator(`#batch tr[data-strategy="${id}"]`);
  await expect(row('none')).toHaveAttribute('data-broken', '5');
  await expect(row('global')).toHaveAttribute('data-broken', '0');
  await expect(row('fine')).toHaveAttribute('data-broken', '0');
  const ratio = Number(await row('global').getAttribute('data-ratio'));
  const median = async (id) => Number(await row(id).getAttribute('data-median'));
  console.log(`    cost: one global lock took ${ratio.toFixed(2)}x the time of no lock (median of 5 each)`);
  // The ratio shown is the medians' ratio. Whether the lock costs time is the bench's to
  // measure (`cargo xtask bench`: 1.9x in Chromium): on a loaded machine five runs of each
  // can come out either way (0.92x was seen with a parallel build on both cores).
  expect(ratio).toBeCloseTo((await median('global')) / (await median('none')), 2);
  await expect(page.locator('#batch [data-chart="compare"] circle')).toHaveCount(5);
  await expect(page.locator('#batch .verdict')).toContainText('slower and right');
  // Every point's label is readable: clear of the axes' numbers and names, of the other
  // labels, and inside the chart.
  const clashes = await page.locator('#batch [data-chart="compare"] svg').evaluate((chart) => {
    const box = (t) => t.getBBox();
    const meet = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    const labels = [...chart.querySelectorAll('text.label')];
    const rest = [...chart.querySelectorAll('text:not(.label)')];
    const view = chart.viewBox.baseVal;
    const out = [];
    labels.forEach((l, i) => {
      const b = box(l);
      if (b.x < 0 || b.x + b.width > view.width || b.y < 0) out.push(`${l.textContent} leaves the chart`);
      for (const t of rest) if (meet(b, box(t))) out.push(`${l.textContent} / ${t.textContent}`);
      for (const m of labels.slice(i + 1)) if (meet(b, box(m))) out.push(`${l.textContent} / ${m.textContent}`);
    });
    return { out, labels: labels.length };
  });
  expect(clashes).toEqual({ out: [], labels: 5 });
});

test('the observer effect: the violation rate with tracing off and on, measured side by side', async ({ page }) => {
  await openPlayground(page);
  // Booking without a processing delay: the check-to-update window is a few instructions
  // wide, so how long each step takes (what recording adds) decides how often it overbooks.
  await choose(page, 'booking', 'none');
  await page.getByLabel(/processing ms/).fill('0');
  await page.getByLabel('runs', { exact: true }).fill('20');
  await page.getByRole('button', { name: 'Tracing on vs off' }).click();
  await expect(page.locator('#batch')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  const rates = await page.locator('#batch table[data-table="observer"] tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({ tracing: tr.dataset.tracing, runs: Number(tr.dataset.runs), broken: Number(tr.dataset.broken) })));
  expect(rates.map((r) => [r.tracing, r.runs])).toEqual([['off', 20], ['on', 20]]);
  console.log(`    rate: booking (no delay) overbooked in ${rates[0].broken} of 20 runs untraced, ${rates[1].broken} of 20 traced`);
  await expect(page.locator('#batch .verdict')).toContainText('Watching changes the race');
});

test('the trace downloads as JSON and as a valid Chrome trace for Perfetto', async ({ page }) => {
  await openPlayground(page);
  await choose(page, 'bank', 'fine');
  await page.getByLabel('transfers per thread').fill('300');
  await page.locator('#trace').check();
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.locator('.outcome')).toHaveAttribute('data-outcome', 'ok');

  const save = async (button) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
    return { name: download.suggestedFilename(), data: JSON.parse(await readFile(await download.path(), 'utf8')) };
  };
  const own = await save('#export-json');
  expect(own.name).toMatch(/^racelab-bank-fine-seed\d+\.json$/);
  expect(own.data.trace.events.length).toBe(own.data.trace.recorded);

  const chrome = await save('#export-chrome');
  expect(chrome.name).toMatch(/\.chrome\.json$/);
  const { traceEvents } = chrome.data;
  expect(Array.isArray(traceEvents)).toBe(true);
  // The trace event format's required fields, per phase. Checked in plain code and
  // asserted once: tens of thousands of expect() calls would take minutes.
  const problems = [];
  const bad = (ev, what) => problems.length < 10 && problems.push(`${what}: ${JSON.stringify(ev)}`);
  const slices = new Map();
  for (const ev of traceEvents) {
    if (typeof ev.name !== 'string') bad(ev, 'name');
    if (!['X', 'i', 'M'].includes(ev.ph)) bad(ev, 'ph');
    if (!Number.isInteger(ev.pid) || !Number.isInteger(ev.tid)) bad(ev, 'pid/tid');
    if (ev.ph === 'M') {
      if (!['process_name', 'thread_name', 'process_sort_index'].includes(ev.name) || typeof ev.args !== 'object') bad(ev, 'metadata');
      continue;
    }
    if (!(typeof ev.ts === 'number' && ev.ts >= 0)) bad(ev, 'ts');
    if (ev.ph === 'X') {
      if (!(typeof ev.dur === 'number' && ev.dur >= 0)) bad(ev, 'dur');
      const k = `${ev.pid}/${ev.tid}`;
      if (!slices.has(k)) slices.set(k, []);
      slices.get(k).push(ev);
    }
    if (ev.ph === 'i' && !['g', 'p', 't'].includes(ev.s)) bad(ev, 'instant scope');
  }
  // Slices on one track must nest, or viewers draw them wrong.
  for (const list of slices.values()) {
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const stack = [];
    for (const s of list) {
      // Times are µs with ns precision; allow float noise below that.
      while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= s.ts + 1e-6) stack.pop();
      const parent = stack.at(-1);
      if (parent && s.ts + s.dur > parent.ts + parent.dur + 1e-6) bad(s, `overlaps ${parent.name} without nesting`);
      stack.push(s);
    }
  }
  expect(problems).toEqual([]);
  expect(slices.size).toBeGreaterThan(0);
  const names = traceEvents.filter((e) => e.ph === 'X').map((e) => e.name);
  expect(names.some((n) => /^holds accounts\[\d\]\.lock$/.test(n))).toBe(true);
  expect(names).toContain('shared data invalid');
  // A process per thread: five tellers and the program's main thread.
  expect(traceEvents.filter((e) => e.name === 'process_name').length).toBe(6);
});

test('a bad number of runs is refused naming the field and its range', async ({ page }) => {
  await openPlayground(page);
  const runs = page.getByLabel('runs', { exact: true });
  await runs.fill('0');
  await page.getByRole('button', { name: 'Repeat × N' }).click();
  await expect(page.locator('#config-error')).toHaveText('runs: must be a whole number from 2 to 1000, got "0"');
  await expect(runs).toHaveAttribute('aria-invalid', 'true');
});
