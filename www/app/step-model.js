// Step mode's model: what a step view is and says, as plain functions of configs and
// reports, with no DOM, so that Node tests it without a browser (tests/unit). stepper.js is
// the view: it draws these words and sends the learner's steps to the runtime.
//
// The small setups and challenges below name demos; they move into the lessons' manifests
// (lesson.json's `step`, which already holds them for the lesson programs) once step mode
// steps the programs.

import { num } from './format.js';

/**
 * The small setup step mode uses for a scenario whose lesson sizes would take hundreds of
 * thousands of steps. Other scenarios keep their parameters: their defaults are small.
 */
export const STEP_SETUPS = deepFreeze({
  // Seed 1 sends the two tellers in opposite directions, so the unordered locks can deadlock.
  bank: { accounts: [100, 100], threads: 2, transfers_per_thread: 1, max_amount: 50, seed: 1 },
  booking: { seats: 1, attempts: 2, threads: 2, seed: 1 },
});

/** STEP_SETUPS in words, for the sentence that says the lesson's sizes were replaced. */
const SETUP_WORDS = {
  bank: '2 tellers, 1 transfer each, two accounts of 100',
  booking: '2 threads, 2 booking attempts, 1 seat',
};

/**
 * The lessons' challenges, per scenario: the first entry whose `strategies` (if any) lists
 * the chosen strategy applies. `won(report)` says whether a stepped report meets the goal,
 * `story(report)` says what happened in words, and `setup` adjusts STEP_SETUPS for it.
 */
export const CHALLENGES = deepFreeze({
  bank: [
    {
      id: 'deadlock',
      strategies: ['fine-unordered'],
      goal: 'Deadlock the fine-grained bank: get each teller holding the lock the other needs.',
      won: (r) => r.outcome === 'deadlock',
      story: (r) => `Deadlock: ${cycleWords(r.deadlock?.cycle ?? [])}.`,
    },
    {
      id: 'go-negative',
      strategies: ['check-outside'],
      goal: 'Make a balance go negative: get both tellers past the balance check before ' +
        'either spends.',
      // Every transfer is locked, so no money is lost; the check is not. With seed 10 both
      // tellers spend from account[1], together more than its 60.
      setup: { accounts: [60, 60], seed: 10 },
      setupWords: 'accounts of 60, seed 10: both tellers spend from account[1]',
      won: (r) => violationsOf(r, 'no-negative-balance') > 0,
      story: (r) => `A balance went negative: ${r.final.balances.map(num).join(' and ')}, ` +
        'although every total was right.',
    },
    {
      id: 'lose-money',
      goal: 'Make the bank lose money: step the tellers so that an audit sees a wrong total, ' +
        'or the final total is wrong.',
      won: (r) => violationsOf(r, 'total-conserved') > 0,
      story: lostMoneyStory,
    },
  ],
  booking: [
    {
      id: 'overbook',
      goal: 'Overbook the seat: get two bookings confirmed for one seat.',
      won: (r) => violationsOf(r, 'no-overbooking') > 0,
      story: overbookStory,
    },
  ],
});

/** Config keys a step view sets itself, or that have no meaning for it. */
const RUN_KEYS = new Set(['executor', 'schedule', 'pause', 'trace', 'trace_limit', 'budget']);
/** Names that must not arrive as `p.<name>` from a link: they are not scenario parameters. */
const RESERVED = new Set(['scenario', 'strategy', 'seed', ...RUN_KEYS]);
/** Configs made by fromLink: open() uses them exactly as given, without STEP_SETUPS. */
const linked = new WeakSet();

/**
 * Reads a step-mode link (location.search): null without a `step` parameter, otherwise
 * `{ config, schedule }`. Whole numbers become numbers and comma lists become arrays; what
 * does not parse is passed on as text, for the API to refuse with a message naming it.
 * @param {string} search
 * @returns {{ config: object, schedule: number[] | string } | null}
 */
export function fromLink(search) {
  const q = new URLSearchParams(search);
  if (!q.has('step')) return null;
  const whole = (text) => (/^\s*-?\d+\s*$/.test(text) ? Number(text) : text);
  const config = { scenario: q.get('step') };
  if (q.has('strategy')) config.strategy = q.get('strategy');
  if (q.has('seed')) config.seed = whole(q.get('seed'));
  for (const [key, value] of q) {
    if (!key.startsWith('p.')) continue;
    const name = key.slice(2);
    if (!name || RESERVED.has(name)) continue;
    config[name] = value.includes(',') ? value.split(',').map(whole) : whole(value);
  }
  const text = q.get('schedule') ?? '';
  const schedule = /^[0-9a-z]*$/i.test(text) ? [...text].map((c) => parseInt(c, 36)) : text;
  linked.add(config);
  return { config, schedule };
}

function challengeFor(scenario, strategy) {
  return (CHALLENGES[scenario] ?? []).find((c) => !c.strategies || c.strategies.includes(strategy)) ?? null;
}

function violationsOf(report, id) {
  return report.invariants.find((inv) => inv.id === id)?.violations ?? 0;
}

/** "read account[1] → 100", "write account[1] ← 64", "acquire bank.lock". */
export function entryWords(e) {
  const value = e.value === undefined || e.value === null ? '' : e.value;
  if (e.op === 'read' && value !== '') return `read ${e.obj} → ${value}`;
  if (e.op === 'write' && value !== '') return `write ${e.obj} ← ${value}`;
  return `${e.op} ${e.obj}${value === '' ? '' : ` (${value})`}`;
}

/** What thread `t` just did, from the new report's log (or, if it is cut, the old plan). */
export function lastStepWords(before, after, t) {
  const { log, count } = after.steps;
  const last = log.length === count ? log.at(-1) : null;
  if (last && last.thread === t) return entryWords(last);
  const next = before?.steps.threads[t]?.next;
  return next ? `${next.op} ${next.obj}` : 'moved';
}

export function waitingWords(next) {
  if (!next) return 'waiting';
  const held = next.held_by === undefined || next.held_by === null ? '' : `, held by thread ${next.held_by}`;
  return `waiting for ${next.waits_for ?? next.obj}${held}`;
}

export function outcomeWords(report) {
  switch (report.outcome) {
    case 'ok': return 'The run is over: every invariant held.';
    case 'violated': return 'The run is over: an invariant was broken.';
    case 'deadlock': return `Deadlock: ${cycleWords(report.deadlock?.cycle ?? [])}, so no thread can move.`;
    case 'error': return report.error?.message ?? 'The run failed.';
    default: return '';
  }
}

/** "thread 0 holds a.lock and waits for b.lock; thread 1 ..." for a deadlock's cycle. */
export function cycleWords(cycle) {
  if (!cycle.length) return 'every thread left is waiting';
  return cycle.map((edge) => {
    const holds = edge.holds.length ? `holds ${edge.holds.join(' and ')}` : 'holds nothing';
    return `thread ${edge.thread} ${holds} and waits for ${edge.waits_for}`;
  }).join('; ');
}

/**
 * What the audit that first saw a wrong total added up, from the step log: the reads of the
 * thread and listing line of the violating step, one per account. Null when the log cannot
 * tell (it is cut short, or the violation was the final state's).
 */
export function auditTotal(report) {
  const { log, violation_at: at } = report.steps;
  const accounts = report.final.balances.length;
  const end = log[at - 1];
  if (!at || !end || end.op !== 'read' || !end.line) return null;
  const values = [];
  for (let i = at - 1; i >= 0 && values.length < accounts; i--) {
    const e = log[i];
    if (e.thread !== end.thread) continue;
    if (e.op !== 'read' || e.line !== end.line) break;
    values.push(e.value);
  }
  return values.length === accounts ? values.reduce((a, b) => a + b, 0) : null;
}

function lostMoneyStory(report) {
  const f = report.final;
  const seen = auditTotal(report);
  if (seen !== null && seen !== f.expected_total) {
    const gap = f.expected_total - seen;
    const why = gap > 0 ? 'money in flight' : 'money counted twice';
    return `An audit saw ${num(seen)} of ${num(f.expected_total)}: ${why}.`;
  }
  if (f.total !== f.expected_total) {
    const gap = f.expected_total - f.total;
    const moved = gap > 0 ? `${num(gap)} lost` : `${num(-gap)} made up`;
    return `The bank ${report.outcome === 'paused' ? 'holds' : 'ended with'} ${num(f.total)} of ${num(f.expected_total)}: ${moved}.`;
  }
  return 'An audit saw a wrong total.';
}

function overbookStory(report) {
  const f = report.final;
  const seats = report.params.seats;
  return `${num(f.confirmed)} bookings confirmed for ${num(seats)} seat${seats === 1 ? '' : 's'}` +
    `${f.seats_left < 0 ? `, and ${num(f.seats_left)} seats left` : ''}: overbooked.`;
}

/**
 * Marks the read and the write that one statement such as `src.balance -= amount` takes:
 * two steps of a thread on the same object and line. When another thread wrote the object
 * between them, the write overwrites that update (a lost update): `lost` names the thread.
 */
export function halves(log) {
  const notes = new Array(log.length).fill(null);
  const previous = new Map();
  for (let i = 0; i < log.length; i++) {
    const e = log[i];
    const k = previous.get(e.thread);
    previous.set(e.thread, i);
    if (e.op !== 'write' || k === undefined || !e.line) continue;
    const r = log[k];
    if (r.op !== 'read' || r.obj !== e.obj || r.line !== e.line) continue;
    let lost = null;
    for (let j = k + 1; j < i && lost === null; j++) {
      if (log[j].op === 'write' && log[j].obj === e.obj) lost = log[j].thread;
    }
    notes[k] = { half: 1, line: e.line, lost: null };
    notes[i] = { half: 2, line: e.line, lost };
  }
  return notes;
}

/** The first field of `final` that differs from `real`, in words; null when they are equal. */
export function firstDifference(final, real) {
  if (canonical(final) === canonical(real)) return null;
  if (!final || !real || typeof final !== 'object' || typeof real !== 'object') {
    return `the final state is ${canonical(final)} in the replay, ${canonical(real)} in the real run`;
  }
  const keys = [...new Set([...Object.keys(final), ...Object.keys(real)])].sort();
  const key = keys.find((k) => canonical(final[k]) !== canonical(real[k]));
  const shown = (v) => (typeof v === 'number' ? num(v) : v === undefined ? 'missing' : JSON.stringify(v));
  return `${key.replaceAll('_', ' ')} is ${shown(final[key])} in the replay, ${shown(real[key])} in the real run`;
}

/** JSON with object keys sorted, so that equal values give equal text. */
function canonical(value) {
  return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
    : v));
}

function deepFreeze(value) {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * A step-mode link (the query, with `?`) for `config` stepped through `schedule`:
 * `?step=<scenario>&strategy=&seed=`, each parameter as `p.<name>=` (lists
 * comma-separated), and `schedule=` with one base-36 character per step. fromLink reads it
 * back.
 * @param {object} config
 * @param {number[]} schedule
 * @returns {string}
 */
export function toLink(config, schedule) {
  const { scenario, strategy, seed, ...params } = config;
  const enc = (v) => encodeURIComponent(String(v));
  const parts = [`step=${enc(scenario)}`];
  if (strategy != null) parts.push(`strategy=${enc(strategy)}`);
  if (seed != null) parts.push(`seed=${enc(seed)}`);
  for (const [name, value] of Object.entries(params)) {
    parts.push(`p.${enc(name)}=${Array.isArray(value) ? value.map(enc).join(',') : enc(value)}`);
  }
  if (schedule.length) parts.push(`schedule=${schedule.map((t) => t.toString(36)).join('')}`);
  return `?${parts.join('&')}`;
}

/** Whether `config` came from fromLink: step mode then opens it exactly as given. */
export function isLinked(config) {
  return linked.has(config);
}

/**
 * What a step view of `config` is, before it runs: the config every run of it uses (step
 * mode's small setup for a lesson whose sizes would take too many steps, unless `asGiven`;
 * seed 1 unless given), its catalog entries, its challenge and the setup sentence.
 * @param {object} config { scenario, strategy?, ...params, seed? }
 * @param {object[]} catalog pg.scenarios()
 * @param {boolean} asGiven
 */
export function prepare(config, catalog, asGiven) {
  let c = {};
  for (const [key, value] of Object.entries(config ?? {})) {
    if (!RUN_KEYS.has(key) && value !== undefined) c[key] = value;
  }
  const scenario = catalog.find((s) => s.id === c.scenario) ?? null;
  if (scenario && c.strategy == null) c.strategy = scenario.strategies[0].id;
  const strategy = scenario?.strategies.find((s) => s.id === c.strategy) ?? null;
  const challenge = challengeFor(c.scenario, c.strategy);
  let setup = null;
  if (!asGiven && STEP_SETUPS[c.scenario]) {
    const seed = c.seed;
    c = { scenario: c.scenario, strategy: c.strategy, ...structuredClone(STEP_SETUPS[c.scenario]), ...challenge?.setup };
    if (seed != null) c.seed = seed;
    const extra = challenge?.setupWords && seed == null ? ` (${challenge.setupWords})` : '';
    setup = `Step mode uses a small setup: ${SETUP_WORDS[c.scenario]}${extra}.`;
  }
  c.seed ??= 1;
  return { config: c, scenario, strategy, challenge, setup };
}
