// Many runs: one setup N times, every lock placement side by side, tracing on against off.
//
// A race is a heisenbug: one run proves little. A batch repeats runs through the public API,
// one at a time (the page never blocks: each run is a message to the runtime's Worker), and
// draws what the runs did: how many broke each invariant, the final numbers, the time each
// took. Runs are interleaved (strategy A, B, C, A, B, C, ...) so that the machine's load
// falls on every group alike. Reports come without trace events (only counts matter here).

import { bars, histogram, scatter } from './charts.js';
import { keyNumber } from './finals.js';
import { el, ms, num } from './format.js';

/** Most runs one batch asks for (per group). */
export const MAX_BATCH = 1000;

const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (n, of) => (of ? `${Math.round((100 * n) / of)}%` : '–');
const broken = (r) => r.outcome === 'violated' || r.outcome === 'deadlock' || r.outcome === 'error';

/** What a batch keeps of one report. */
function slim(report, group) {
  const key = keyNumber(report);
  return {
    group,
    outcome: report.outcome,
    violations: report.invariants.reduce((n, i) => n + i.violations, 0),
    invariants: Object.fromEntries(report.invariants.map((i) => [i.id, i.violations])),
    ms: report.elapsed_ms,
    key: key?.value ?? null,
    // A lesson's run says itself whether its number broke the lesson.
    keyBad: key?.isBad ?? null,
    keyInfo: key,
  };
}

export class Batch {
  #pg;
  #box;
  #stopped = false;
  /** The last batch's results, for tests: { kind, done, planned, stopped, results, groups }. */
  last = null;

  constructor(pg, box) {
    this.#pg = pg;
    this.#box = box;
  }

  /** Ends the batch: the run in flight is cancelled and no further run starts. */
  stop() {
    this.#stopped = true;
    this.#pg.stop();
  }

  /** Runs `config` `n` times and draws the distribution of outcomes. */
  repeat(config, n, { scenario, strategy }) {
    const title = `${scenario.title}, ${strategy.title}: ${n} runs`;
    const plan = Array.from({ length: n }, () => ({ config, group: strategy.id }));
    return this.#go('repeat', title, plan, [{ id: strategy.id, title: strategy.title, safe: strategy.safe }],
      (results) => this.#drawRepeat(results, scenario));
  }

  /** Runs every strategy of `scenario` `n` times each, interleaved, and compares them. */
  compare(config, n, scenario) {
    const groups = scenario.strategies.map((s) => ({ id: s.id, title: s.title, safe: s.safe }));
    const plan = [];
    for (let i = 0; i < n; i++) {
      for (const g of groups) plan.push({ config: { ...config, strategy: g.id }, group: g.id });
    }
    const title = `${scenario.title}: every lock placement, ${n} runs each`;
    return this.#go('compare', title, plan, groups, (results) => this.#drawCompare(results, groups));
  }

  /** Runs `config` `n` times untraced and `n` times traced, alternating, and compares. */
  observer(config, n, { scenario, strategy }) {
    const { trace: _ignored, ...plain } = config;
    const groups = [{ id: 'off', title: 'tracing off' }, { id: 'on', title: 'tracing on' }];
    const plan = [];
    for (let i = 0; i < n; i++) {
      plan.push({ config: plain, group: 'off' }, { config: { ...plain, trace: true }, group: 'on' });
    }
    const title = `${scenario.title}, ${strategy.title}: ${n} runs with tracing off, ${n} with it on`;
    return this.#go('observer', title, plan, groups, (results) => this.#drawObserver(results, groups));
  }

  async #go(kind, title, plan, groups, draw) {
    this.#stopped = false;
    const results = [];
    const bar = el('progress', { max: plan.length, value: 0, 'aria-label': 'Batch progress' });
    const status = el('span', {}, 'starting…');
    const body = el('div', { class: 'batch-body' });
    this.#box.replaceChildren(
      el('div', { class: 'batch-head' }, el('h3', {}, title)),
      el('div', { class: 'batch-progress' }, bar, status),
      body);
    this.last = { kind, done: 0, planned: plan.length, stopped: false, results, groups };
    let drawn = 0;
    try {
      for (const { config, group } of plan) {
        if (this.#stopped) break;
        const report = await this.#pg.run(config, { keepEvents: false });
        // A run cancelled by Stop is not a sample of the race.
        if (report.outcome === 'cancelled') break;
        results.push(slim(report, group));
        this.last.done = results.length;
        bar.value = results.length;
        const bad = results.filter(broken).length;
        status.textContent = `${results.length} of ${plan.length} runs · ${bad} broke an invariant`;
        // Redraw about ten times a batch (and at the end): charts cost more than a run's message.
        if (results.length - drawn >= Math.max(1, plan.length / 10)) {
          drawn = results.length;
          body.replaceChildren(...draw(results));
        }
      }
    } finally {
      const stopped = results.length < plan.length;
      this.last.stopped = stopped;
      status.textContent = stopped
        ? `Stopped after ${results.length} of ${plan.length} runs.`
        : `${plan.length} runs done.`;
      bar.value = results.length;
      body.replaceChildren(...draw(results));
      this.#box.dataset.state = stopped ? 'stopped' : 'done';
    }
    return this.last;
  }

  #drawRepeat(results, scenario) {
    if (!results.length) return [];
    const n = results.length;
    const bad = results.filter(broken).length;
    const out = [el('p', { class: 'verdict', 'data-broken': bad, 'data-runs': n },
      bad ? `${num(bad)} of ${num(n)} runs (${pct(bad, n)}) broke an invariant.`
        : `All ${num(n)} runs kept every invariant.`)];
    const invariants = scenario.invariants.map(([id, text]) => {
      const v = results.filter((r) => r.invariants[id] > 0).length;
      return { label: text, value: v, max: n, bad: v > 0 };
    });
    const outcomes = ['ok', 'violated', 'deadlock', 'error']
      .map((o) => ({ label: o, value: results.filter((r) => r.outcome === o).length, max: n, bad: o !== 'ok' }))
      .filter((o) => o.value > 0);
    const charts = [
      bars(invariants, { caption: 'Runs that broke each invariant', attrs: { 'data-chart': 'invariants' } }),
      bars(outcomes, { caption: 'Outcomes', attrs: { 'data-chart': 'outcomes' } }),
    ];
    const info = results.find((r) => r.keyInfo)?.keyInfo;
    if (info) {
      const bad = info.isBad === undefined ? info.bad : (v) => results.some((r) => r.key === v && r.keyBad);
      charts.push(histogram(results.filter((r) => r.key !== null).map((r) => r.key),
        { caption: `Distribution: ${info.label}`, format: info.format, bad, attrs: { 'data-chart': 'final' } }));
    }
    const times = results.map((r) => r.ms);
    charts.push(histogram(times.map((t) => Math.round(t * 10) / 10), {
      caption: 'Time per run', note: `median ${ms(median(times))}, ${ms(Math.min(...times))} to ${ms(Math.max(...times))}`,
      format: (t) => ms(t), attrs: { 'data-chart': 'time' },
    }));
    out.push(el('div', { class: 'charts' }, charts));
    return out;
  }

  #drawCompare(results, groups) {
    const rows = groups.map((g) => {
      const mine = results.filter((r) => r.group === g.id);
      return {
        ...g,
        runs: mine.length,
        broken: mine.filter(broken).length,
        deadlocks: mine.filter((r) => r.outcome === 'deadlock').length,
        median: median(mine.map((r) => r.ms)),
      };
    }).filter((r) => r.runs > 0);
    if (!rows.length) return [];
    // The cost of safety: each placement's time against the unguarded one (listed first).
    const base = rows[0];
    const ratio = (r) => r.median / base.median;
    const table = el('table', { class: 'batch', 'data-table': 'compare' },
      el('thead', {}, el('tr', {}, ['Lock placement', 'Runs', 'Broke an invariant', 'Deadlocked', 'Median time', `Time ÷ ${base.title}`]
        .map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows.map((r) => el('tr', { 'data-strategy': r.id, 'data-ratio': ratio(r).toFixed(3), 'data-median': r.median, 'data-broken': r.broken },
        el('th', { scope: 'row' }, r.title),
        el('td', { class: 'num' }, num(r.runs)),
        el('td', { class: `num ${r.broken ? 'bad' : 'good'}` }, `${num(r.broken)} (${pct(r.broken, r.runs)})`),
        el('td', { class: 'num' }, num(r.deadlocks)),
        el('td', { class: 'num' }, ms(r.median)),
        el('td', { class: 'num' }, `${ratio(r).toFixed(2)}×`)))));
    const safe = rows.filter((r) => r.id !== base.id && r.broken === 0 && r.runs > 0);
    const fastestSafe = safe.sort((a, b) => a.median - b.median)[0];
    const verdict = fastestSafe && base.broken > 0
      ? `Faster and wrong, or slower and right? ${base.title}: wrong in ${pct(base.broken, base.runs)} of runs. ` +
        `${fastestSafe.title}: right in all ${num(fastestSafe.runs)}, at ${ratio(fastestSafe).toFixed(2)}× the time.`
      : 'Each placement: how often it broke an invariant, and what it cost in time.';
    const plot = scatter(rows.map((r) => ({
      x: r.median, y: (100 * r.broken) / r.runs, label: r.title,
      kind: r.deadlocks ? 'deadlock' : r.broken ? 'bad' : '',
    })), {
      caption: 'Time against correctness', note: 'each dot a lock placement: median time per run, share of runs that went wrong',
      xLabel: 'median time per run', yLabel: 'runs wrong', xFormat: (x) => ms(x), yFormat: (y) => `${Math.round(y)}%`,
      attrs: { 'data-chart': 'compare' },
    });
    return [el('p', { class: 'verdict' }, verdict), table, el('div', { class: 'wide-chart' }, plot)];
  }

  #drawObserver(results, groups) {
    const rows = groups.map((g) => {
      const mine = results.filter((r) => r.group === g.id);
      const total = mine.reduce((n, r) => n + r.violations, 0);
      return {
        ...g, runs: mine.length, broken: mine.filter(broken).length,
        mean: mine.length ? total / mine.length : NaN, median: median(mine.map((r) => r.ms)),
      };
    });
    const [off, on] = rows;
    if (!off.runs || !on.runs) return [];
    const table = el('table', { class: 'batch', 'data-table': 'observer' },
      el('thead', {}, el('tr', {}, ['Tracing', 'Runs', 'Broke an invariant', 'Violations per run (mean)', 'Median time']
        .map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows.map((r) => el('tr', { 'data-tracing': r.id, 'data-mean': r.mean.toFixed(3), 'data-broken': r.broken, 'data-runs': r.runs },
        el('th', { scope: 'row' }, r.title),
        el('td', { class: 'num' }, num(r.runs)),
        el('td', { class: 'num' }, `${num(r.broken)} (${pct(r.broken, r.runs)})`),
        el('td', { class: 'num' }, num(Math.round(r.mean * 10) / 10)),
        el('td', { class: 'num' }, ms(r.median))))));
    const change = off.mean ? on.mean / off.mean : NaN;
    const verdict = `Watching changes the race: with tracing on, a run took ${ms(on.median)} instead of ` +
      `${ms(off.median)} (${(on.median / off.median).toFixed(2)}×), and saw ` +
      (Number.isFinite(change) ? `${change.toFixed(2)}× as many violations` : `${num(Math.round(on.mean))} violations against none`) +
      '. A heisenbug moves when you look at it; that is why racelab counts over many runs.';
    return [el('p', { class: 'verdict' }, verdict), table];
  }
}
