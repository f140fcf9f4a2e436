// 500 consecutive runs of mixed scenarios and strategies in one page, without a reload:
// deadlocking, cancelled and trapping ones among them. Nothing may leak: the Workers come
// back to one controller plus its pool, and memory stays flat.
import { test } from '@playwright/test';
import { expect, openPlayground } from './helpers.js';

const RUNS = 500;

// [config, the outcomes it may have]; 'stop' entries are stopped 30 ms after they start.
const MIX = [
  [{ scenario: 'bank', strategy: 'none', transfers_per_thread: 300 }, ['violated', 'ok']],
  [{ scenario: 'bank', strategy: 'global', transfers_per_thread: 300 }, ['ok']],
  [{ scenario: 'bank', strategy: 'fine', transfers_per_thread: 300 }, ['ok']],
  [{ scenario: 'bank', strategy: 'fine-unordered' }, ['deadlock', 'ok']],
  [{ scenario: 'bank', strategy: 'check-outside', transfers_per_thread: 300 }, ['ok', 'violated']],
  [{ scenario: 'booking', strategy: 'lock', processing_ms: 1 }, ['ok']],
  [{ scenario: 'booking', strategy: 'none', processing_ms: 1 }, ['violated', 'ok']],
  [{ scenario: 'reentrant', strategy: 'lock' }, ['deadlock']],
  [{ scenario: 'reentrant', strategy: 'rlock' }, ['ok']],
  [{ scenario: 'semaphore', strategy: 'semaphore', booking_ms: 2 }, ['ok']],
  [{ scenario: 'event', strategy: 'event', landing_ms: 2 }, ['ok']],
  [{ scenario: 'barrier', strategy: 'barrier', max_ready_ms: 3 }, ['ok']],
  [{ scenario: 'condition', strategy: 'condition', unit_ms: 2, serve_ms: 1 }, ['ok']],
  [{ scenario: 'joint-account', strategy: 'lock', delay_ms: 1, jitter_ms: 1 }, ['ok']],
  [{ stop: true, scenario: 'bank', strategy: 'global', transfers_per_thread: 1_000_000 }, ['cancelled']],
  [{ stop: true, scenario: 'condition', strategy: 'condition', unit_ms: 500 }, ['cancelled']],
];
// Before these runs the runtime is made to trap on a pool worker, and must come back.
const TRAPS_BEFORE = [150, 350];

test(`${RUNS} mixed runs in one page leak no Workers and no memory`, async ({ page }) => {
  test.setTimeout(300_000);
  const errors = await openPlayground(page);
  const cdp = await page.context().newCDPSession(page);
  const workers = async () => (await cdp.send('Target.getTargets')).targetInfos.filter((t) => t.type === 'worker').length;
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  /** Runs `from`..`to` of the soak in the page; returns what each did. */
  const soak = (from, to) => page.evaluate(async ({ mix, from, to, traps }) => {
    const pg = await window.racelab.ready;
    const out = [];
    for (let i = from; i < to; i++) {
      if (traps.includes(i)) {
        const trapped = await pg.crashForTest('pool').then(() => false, () => true);
        out.push({ trap: true, trapped });
      }
      const [{ stop, ...config }, allowed] = mix[i % mix.length];
      const running = pg.run(config);
      if (stop) setTimeout(() => pg.stop(), 30);
      try {
        const r = await running;
        out.push({ i, scenario: config.scenario, strategy: config.strategy, outcome: r.outcome, allowed, error: r.error?.message ?? null });
      } catch (e) {
        out.push({ i, scenario: config.scenario, strategy: config.strategy, outcome: 'rejected', allowed, error: e.message });
      }
    }
    return { out, memory: pg.memoryBytes, restarts: pg.restarts };
  }, { mix: MIX, from, to, traps: TRAPS_BEFORE });

  const workersAtStart = await workers();
  const t0 = Date.now();
  // The first 50 runs warm up (the allocator's pools, V8's code): measure from there.
  const warm = await soak(0, 50);
  const heapWarm = await heap();
  const rest = await soak(50, RUNS);
  const seconds = (Date.now() - t0) / 1000;
  const heapEnd = await heap();
  // A terminated controller's pool winds down over a few seconds: wait for it to settle.
  let workersAtEnd = await workers();
  for (let i = 0; i < 40 && workersAtEnd !== workersAtStart; i++) {
    await page.waitForTimeout(250);
    workersAtEnd = await workers();
  }

  const runs = [...warm.out, ...rest.out].filter((r) => !r.trap);
  const traps = [...warm.out, ...rest.out].filter((r) => r.trap);
  const tally = {};
  for (const r of runs) tally[r.outcome] = (tally[r.outcome] ?? 0) + 1;
  const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
  console.log(`    soak: ${runs.length} runs (+${traps.length} forced traps) in ${seconds.toFixed(1)} s; ` +
    `outcomes ${JSON.stringify(tally)}; restarts ${rest.restarts}; workers ${workersAtStart} -> ${workersAtEnd}; ` +
    `page heap ${kb(heapWarm)} -> ${kb(heapEnd)}; wasm memory ${kb(warm.memory)} -> ${kb(rest.memory)}`);

  expect(runs).toHaveLength(RUNS);
  for (const r of runs) {
    expect(r.allowed, `run ${r.i}: ${r.scenario} ${r.strategy} ended ${r.outcome} (${r.error})`).toContain(r.outcome);
  }
  expect(tally.deadlock).toBeGreaterThanOrEqual(50);
  expect(tally.cancelled).toBeGreaterThanOrEqual(50);
  expect(traps.every((t) => t.trapped)).toBe(true);
  expect(rest.restarts, 'only the forced traps restarted the runtime').toBe(TRAPS_BEFORE.length);
  expect(workersAtEnd, 'one controller and its pool, as at the start').toBe(workersAtStart);
  expect(heapEnd - heapWarm, 'page heap growth').toBeLessThan(2 * 1024 * 1024);
  // A fresh instance after the last trap starts small; a leak would still grow it past this.
  expect(rest.memory, 'wasm memory').toBeLessThanOrEqual(warm.memory);
  expect(errors.filter((m) => m !== 'unreachable')).toEqual([]);
});
