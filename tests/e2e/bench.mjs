// The browser half of `cargo xtask bench` (run it through xtask, which builds and serves).
//
// For each workload it alternates one native run (the racelab CLI, release build) and one
// Chromium-wasm run (through api.js) with the same seed, so both are measured side by side
// under the same machine load. Prints one JSON object on stdout.
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const { RACELAB_URL: url, RACELAB_CLI: cli, CHROMIUM: chromiumPath, BENCH_PLAN: plan } = process.env;
if (!url || !cli || !plan) throw new Error('run this through `cargo xtask bench`');
const workloads = JSON.parse(plan);

const browser = await chromium.launch({
  executablePath: chromiumPath || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

// Pool start: fresh pages, from navigation to a ready pool.
const poolStarts = [];
const moduleLoads = [];
const pageToReady = [];
for (let i = 0; i < 5; i++) {
  const page = await browser.newPage();
  await page.goto(url);
  const t = await page.evaluate(async () => {
    const pg = await window.racelab.ready;
    return { module: pg.moduleMs, pool: pg.poolMs, page: performance.now() };
  });
  poolStarts.push(t.pool);
  moduleLoads.push(t.module);
  pageToReady.push(t.page);
  await page.close();
}

const page = await browser.newPage();
await page.goto(url);
await page.evaluate(() => window.racelab.ready.then(() => true));

function native(config) {
  const args = ['run', config.scenario, '--json'];
  for (const [k, v] of Object.entries(config)) {
    if (k !== 'scenario') args.push(`--${k}`, Array.isArray(v) ? v.join(',') : String(v));
  }
  return JSON.parse(execFileSync(cli, args, { encoding: 'utf8' }));
}

const results = [];
for (const w of workloads) {
  const nativeMs = [];
  const wasmMs = [];
  const violated = { native: 0, wasm: 0 };
  // One warm-up each, not counted.
  native({ ...w.config, seed: 0 });
  await page.evaluate(async (c) => (await window.racelab.ready).run(c), { ...w.config, seed: 0 });
  for (let i = 1; i <= w.runs; i++) {
    const config = { ...w.config, seed: i };
    const n = native(config);
    const b = await page.evaluate(async (c) => (await window.racelab.ready).run(c), config);
    nativeMs.push(n.elapsed_ms);
    wasmMs.push(b.elapsed_ms);
    violated.native += n.outcome === 'violated';
    violated.wasm += b.outcome === 'violated';
  }
  results.push({ name: w.name, strategy: w.config.strategy, runs: w.runs,
    nativeMs: median(nativeMs), wasmMs: median(wasmMs), violated });
  process.stderr.write(`bench: ${w.name} ${w.config.strategy} done\n`);
}
await browser.close();
console.log(JSON.stringify({ poolStartMs: median(poolStarts), moduleMs: median(moduleLoads), pageToReadyMs: median(pageToReady), results }));
