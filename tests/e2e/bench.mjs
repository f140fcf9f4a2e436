// The browser half of `cargo xtask bench` (run it through xtask, which builds and serves).
//
// For each workload it alternates one native run (the racelab CLI, release build), one run
// in Chromium and one in Firefox (wasm, through api.js) with the same seed, so all three are
// measured side by side under the same machine load. Tracing and the timeline are measured
// in Chromium. Prints one JSON object on stdout.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { launch } from './engines/index.js';

const {
  RACELAB_URL: url, RACELAB_CLI: cli,
  BENCH_PLAN: plan, BENCH_TRACE_PLAN: tracePlan, BENCH_PROGRAMS: programsPlan = '[]',
} = process.env;
if (!url || !cli || !plan || !tracePlan) throw new Error('run this through `cargo xtask bench`');
const workloads = JSON.parse(plan);

/** The engines measured beside native, through the suite's drivers (engines/index.js). */
const ENGINES = ['chromium', 'firefox'];

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/** Pool start in `session`: fresh pages, from navigation to a ready pool (medians of 5). */
async function poolStart(session) {
  const pool = [];
  const module = [];
  const page = [];
  for (let i = 0; i < 5; i++) {
    const tab = await session.newTab();
    await tab.goto(url);
    const t = await tab.evaluate(async () => {
      const pg = await window.racelab.ready;
      return { module: pg.moduleMs, pool: pg.poolMs, page: performance.getEntriesByName('racelab:ready')[0].startTime };
    });
    pool.push(t.pool);
    module.push(t.module);
    page.push(t.page);
    await tab.close();
  }
  return { poolStartMs: median(pool), moduleMs: median(module), pageToReadyMs: median(page) };
}

const sessions = {};
const tabs = {};
const starts = {};
for (const engine of ENGINES) {
  sessions[engine] = await launch(engine);
  starts[engine] = { version: sessions[engine].version, ...(await poolStart(sessions[engine])) };
  tabs[engine] = await sessions[engine].newTab();
  await tabs[engine].goto(url);
  await tabs[engine].evaluate(() => window.racelab.ready.then(() => true));
  process.stderr.write(`bench: ${sessions[engine].version} ready\n`);
}
const page = tabs.chromium;
const inPage = (engine, config, keepEvents = true) => tabs[engine].evaluate(
  async ({ c, keep }) => (await window.racelab.ready).run(c, { keepEvents: keep }), { c: config, keep: keepEvents });

function native(config) {
  const args = ['run', config.scenario, '--json'];
  for (const [k, v] of Object.entries(config)) {
    if (k === 'trace') { if (v) args.push(`--${k}`); } else if (k !== 'scenario') args.push(`--${k}`, Array.isArray(v) ? v.join(',') : String(v));
  }
  // A traced report is megabytes of events; the timing is all the bench needs.
  return JSON.parse(execFileSync(cli, args, { encoding: 'utf8', maxBuffer: 1 << 30 }));
}
const wasm = (config) => inPage('chromium', config, false);

const results = [];
for (const w of workloads) {
  const nativeMs = [];
  const wasmMs = Object.fromEntries(ENGINES.map((e) => [e, []]));
  const violated = { native: 0, ...Object.fromEntries(ENGINES.map((e) => [e, 0])) };
  // One warm-up each, not counted; then native and each engine in turn, seed by seed, so
  // that the machine's load falls on all of them alike.
  native({ ...w.config, seed: 0 });
  for (const e of ENGINES) await inPage(e, { ...w.config, seed: 0 });
  for (let i = 1; i <= w.runs; i++) {
    const config = { ...w.config, seed: i };
    const n = native(config);
    nativeMs.push(n.elapsed_ms);
    violated.native += n.outcome === 'violated';
    for (const e of ENGINES) {
      const b = await inPage(e, config);
      wasmMs[e].push(b.elapsed_ms);
      violated[e] += b.outcome === 'violated';
    }
  }
  results.push({ name: w.name, strategy: w.config.strategy, runs: w.runs, nativeMs: median(nativeMs),
    wasmMs: Object.fromEntries(ENGINES.map((e) => [e, median(wasmMs[e])])), violated });
  process.stderr.write(`bench: ${w.name} ${w.config.strategy} done\n`);
}
// Tracing: off and on, natively and in the page. One run of each in turn, so load hits
// all alike.
const trace = [];
for (const w of JSON.parse(tracePlan)) {
  const kinds = {
    offMs: (c) => native(c),
    onMs: (c) => native({ ...c, trace: true }),
    wasmOffMs: (c) => wasm(c),
    wasmOnMs: (c) => wasm({ ...c, trace: true }),
  };
  const times = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  for (const k of Object.keys(kinds)) await kinds[k]({ ...w.config, seed: 0 });
  for (let i = 1; i <= w.runs; i++) {
    for (const [k, run] of Object.entries(kinds)) times[k].push((await run({ ...w.config, seed: i })).elapsed_ms);
  }
  trace.push({ name: w.name, strategy: w.config.strategy, runs: w.runs,
    ...Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, median(xs)])) });
  process.stderr.write(`bench: tracing ${w.name} ${w.config.strategy} done\n`);
}

// Programs: racelab's VM natively, in Chromium and in Firefox, against CPython on the same
// file, in turn. Each side times the run only (compiled first, interpreter started first).
const PYTHON_RUNNER = `
import io, json, os, sys, time, contextlib
sys.path.insert(0, os.environ['RACELAB_PY_DIR'])
src = open(sys.argv[1]).read()
code = compile(src, sys.argv[1], 'exec')
out = io.StringIO()
t = time.perf_counter()
with contextlib.redirect_stdout(out):
    exec(code, {'__name__': '__main__'})
print(json.dumps({'ms': (time.perf_counter() - t) * 1e3, 'out': out.getvalue()}))
`;
const programs = [];
const PY_DIR = new URL('../../www', import.meta.url).pathname;
for (const { name, path, runs, threads = false } of JSON.parse(programsPlan)) {
  const source = readFileSync(path, 'utf8');
  const kinds = {
    python: () => JSON.parse(execFileSync('python3', ['-c', PYTHON_RUNNER, path], {
      encoding: 'utf8', env: { ...process.env, RACELAB_PY_DIR: PY_DIR }, stdio: ['ignore', 'pipe', 'ignore'],
    })),
    native: () => {
      const r = JSON.parse(execFileSync(cli, ['run', path, '--json', '--seed', '1'], { encoding: 'utf8' }));
      return { ms: r.elapsed_ms, out: r.output.map((o) => o.text + (o.end ?? '\n')).join('') };
    },
    ...Object.fromEntries(ENGINES.map((e) => [e, async () => {
      const r = await inPage(e, { program: source, filename: name, seed: 1 });
      return { ms: r.elapsed_ms, out: r.output.map((o) => o.text + (o.end ?? '\n')).join('') };
    }])),
  };
  const times = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  const outputs = {};
  for (const run of Object.values(kinds)) await run();
  for (let i = 0; i < runs; i++) {
    for (const [k, run] of Object.entries(kinds)) {
      const r = await run();
      times[k].push(r.ms);
      outputs[k] = r.out;
    }
  }
  // A threaded program's output depends on the interleaving (that is the lesson): the table
  // shows what each side printed last instead.
  for (const [k, out] of Object.entries(outputs)) {
    if (!threads && out !== outputs.python) throw new Error(`${name}: ${k} printed ${JSON.stringify(out)}, CPython ${JSON.stringify(outputs.python)}`);
  }
  const printed = Object.fromEntries(Object.entries(outputs).map(([k, out]) => [k, out.trim().split('\n').at(-1)]));
  programs.push({ name, runs, threads, printed, ...Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, median(xs)])) });
  process.stderr.write(`bench: program ${name} done\n`);
}

// The timeline: a 100,000-event trace (the lesson's bank, cut at the default limit), zoomed
// in and panned a frame at a time.
const frames = await page.evaluate(async () => {
  const pg = await window.racelab.ready;
  const report = await pg.run({ scenario: 'bank', strategy: 'none', trace: true });
  const tl = window.racelab.timeline;
  tl.show(report);
  document.getElementById('timeline').scrollIntoView();
  const frame = () => new Promise(requestAnimationFrame);
  await frame();
  for (let i = 0; i < 3; i++) { tl.zoomBy(2); await frame(); }
  tl.resetStats();
  const times = [];
  for (let i = 0; i < 120; i++) {
    tl.panBy(i < 60 ? 0.05 : -0.05);
    await frame();
    times.push(tl.drawStats.lastMs);
  }
  times.sort((a, b) => a - b);
  return { events: report.trace.events.length, frames: tl.drawStats.frames, medianMs: tl.drawStats.medianMs,
    p95Ms: times[Math.floor(times.length * 0.95)] };
});

for (const session of Object.values(sessions)) await session.close();
console.log(JSON.stringify({ engines: starts, results, trace, frames, programs }));
