// `cargo xtask rates`: how often each of the lessons' claims is borne out, natively (the
// racelab CLI on OS threads) and on real threads in Chromium and Firefox, and the threshold
// of the suite's 20 runs that each measured rate supports.
//
// A claim's threshold must fail by chance less than once in a thousand suite runs. From each
// measurement this takes the Wilson 95% lower bound of the rate (what the runs back, not the
// lucky point estimate) and the largest k such that Binomial(20, rate) < k has probability
// under 0.001. A threshold above that k is a flake waiting to happen.
//
// Unsafe claims run `RATES_RUNS` times (default 200); safe ones a tenth as often: they must
// hold every time, so one failure is a bug, not a rate.
import { execFileSync } from 'node:child_process';
import { launch } from './engines/index.js';
import { ALL_CLAIMS, bornOut, chanceBelow, needed, rateLowerBound } from './specs/claims.js';

const { RACELAB_URL: url, RACELAB_CLI: cli } = process.env;
if (!url || !cli) throw new Error('run this through `cargo xtask rates`');
const RUNS = Number(process.env.RATES_RUNS || 200);
const SUITE_RUNS = 20;
const FALSE_FAILURE = 0.001;

/** One run on OS threads through the CLI, as a slim report (the shape runMany returns). */
function native(config) {
  const args = ['run', config.scenario, '--json'];
  for (const [k, v] of Object.entries(config)) {
    if (k !== 'scenario') args.push(`--${k.replaceAll('_', '-')}`, Array.isArray(v) ? v.join(',') : String(v));
  }
  const r = JSON.parse(execFileSync(cli, args, { encoding: 'utf8', maxBuffer: 1 << 28 }));
  return slim(r);
}

function slim(r) {
  return {
    outcome: r.outcome,
    invariants: Object.fromEntries(r.invariants.map((inv) => [inv.id, inv.violations])),
    final: r.final,
  };
}

/** The largest k of 20 that fails by chance under FALSE_FAILURE at `rate`. */
function supported(rate) {
  let k = 0;
  while (k < SUITE_RUNS && chanceBelow(k + 1, SUITE_RUNS, rate) < FALSE_FAILURE) k += 1;
  return k;
}

const tabs = {};
const sessions = [];
for (const engine of ['chromium', 'firefox']) {
  const session = await launch(engine);
  sessions.push(session);
  tabs[engine] = await session.newTab();
  await tabs[engine].goto(url);
  await tabs[engine].evaluate(() => window.racelab.ready.then(() => true));
}
const inPage = (engine, config) => tabs[engine].evaluate(async (c) => {
  const r = await (await window.racelab.ready).run(c);
  return { outcome: r.outcome, invariants: Object.fromEntries(r.invariants.map((i) => [i.id, i.violations])), final: r.final };
}, config);

console.log(`| claim | where | borne out | rate (95% lower bound) | threshold of ${SUITE_RUNS} | chance it fails | supported |`);
console.log('|---|---|---:|---:|---:|---:|---:|');
let unsupported = 0;
for (const claim of ALL_CLAIMS) {
  const runs = claim.unsafe ? RUNS : Math.max(10, Math.round(RUNS / 10));
  const reports = { native: [], chromium: [], firefox: [] };
  // In turn, run by run, so that the machine's load falls on all three alike.
  for (let i = 0; i < runs; i++) {
    reports.native.push(native(claim.config));
    for (const engine of ['chromium', 'firefox']) reports[engine].push(await inPage(engine, claim.config));
  }
  for (const [where, rs] of Object.entries(reports)) {
    const n = bornOut(claim, rs);
    const low = rateLowerBound(n, rs.length);
    const k = needed(claim);
    const chance = chanceBelow(k, SUITE_RUNS, low);
    const fits = claim.unsafe ? k <= supported(low) : n === rs.length;
    if (!fits) unsupported += 1;
    console.log(`| ${claim.title} | ${where} | ${n} of ${rs.length} | ${(n / rs.length).toFixed(3)} (${low.toFixed(3)}) | ${k} | ${claim.unsafe ? chance.toExponential(1) : '-'} | ${claim.unsafe ? `up to ${supported(low)}` : (fits ? 'holds' : 'BROKEN')} ${fits ? '' : '✗'} |`);
  }
}
for (const s of sessions) await s.close();
if (unsupported) {
  console.error(`rates: ${unsupported} threshold(s) above what the measured rate supports`);
  process.exitCode = 1;
}
