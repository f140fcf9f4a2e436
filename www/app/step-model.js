// Step mode's model: what a step view is and says, as plain functions of configs and
// reports, with no DOM, so that Node tests it without a browser (tests/unit). stepper.js is
// the view: it draws these words and sends the learner's steps to the runtime.
//
// What a step view offers (its small setup, its challenge and what wins it) is the
// lesson's, from its manifest (lesson.json's `step`); nothing here names a demo.

import { num } from './format.js';

/** Config keys a step view sets itself, or that have no meaning for it. */
const RUN_KEYS = new Set(['executor', 'schedule', 'pause', 'trace', 'trace_limit', 'budget']);
/** Names that must not arrive as `p.<name>` from a link: they are not scenario parameters. */
const RESERVED = new Set(['scenario', 'strategy', 'seed', 'lesson', 'v', ...RUN_KEYS]);
/** Configs made by fromLink: open() uses them exactly as given, without the step setup. */
const linked = new WeakSet();
/**
 * The `v` of a link to a view of a lesson's program. Step links without it were made for
 * the hand-written scenarios (their schedules count the scenarios' steps): they open the
 * program from its start.
 */
const PROGRAM_LINK = '2';

/**
 * Reads a step-mode link (location.search): null without a `step` parameter, otherwise
 * `{ config, schedule, kind }`: `kind` is 'program' for a view of a lesson's program
 * (`v=2`) and 'scenario' for a link made before lessons were stepped as programs. Whole
 * numbers become numbers and comma lists become arrays; what does not parse is passed on
 * as text, for the API to refuse with a message naming it.
 * @param {string} search
 * @returns {{ config: object, schedule: number[] | string, kind: string } | null}
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
  return { config, schedule, kind: q.get('v') === PROGRAM_LINK ? 'program' : 'scenario' };
}

/**
 * A manifest's challenge as step mode uses it: `won(report)` says whether a stepped report
 * meets its goal, `story(report)` what happened (the lesson's own words, evaluated by the
 * runtime into `view.story`, or the outcome's).
 */
function challengeOf(c) {
  const won = c.won.outcome
    ? (r) => r.outcome === c.won.outcome
    : (r) => violationsOf(r, c.won.violated) > 0;
  const story = (r) => r.view?.story ?? (r.outcome === 'deadlock'
    ? `Deadlock: ${deadlockWords(r.deadlock)}.`
    : `Broken: “${r.invariants.find((i) => i.id === c.won.violated)?.text ?? c.won.violated}”.`);
  return { id: c.id, goal: c.goal, won, story, setup: c.setup ?? {}, seed: c.seed ?? null, setupWords: c.setup_words ?? null };
}

function violationsOf(report, id) {
  return report.invariants.find((inv) => inv.id === id)?.violations ?? 0;
}

/** "read accounts[1].balance → 100", "write accounts[1].balance ← 64", "acquire bank_lock". */
export function entryWords(e) {
  const value = e.value === undefined || e.value === null ? '' : e.value;
  if (e.op === 'read' && value !== '') return `read ${e.obj} → ${value}`;
  if (e.op === 'write' && value !== '') return `write ${e.obj} ← ${value}`;
  return `${e.op} ${e.obj}${value === '' ? '' : ` (${value})`}`;
}

/**
 * What thread `t` just did, from the new report's log: its step after those of `before`
 * (steps nobody had to choose may follow it); or, if the log is cut, the old plan.
 */
export function lastStepWords(before, after, t) {
  const { log, count } = after.steps;
  const from = before?.steps.count ?? 0;
  const step = log.length === count ? log.slice(from).find((e) => e.thread === t) : null;
  if (step) return entryWords(step);
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
    case 'deadlock': return `Deadlock: ${deadlockWords(report.deadlock)}, so no thread can move.`;
    case 'error': return report.error?.message ?? 'The run failed.';
    default: return '';
  }
}

/**
 * A deadlock in words: its cycle of locks (see cycleWords) or, for a program's threads that
 * each wait for something none of the others will give, what each waits for.
 */
export function deadlockWords(deadlock) {
  if (!deadlock?.cycle?.length && deadlock?.waiting?.length) {
    return deadlock.waiting.map((w) => `thread ${w.thread} ${w.why}`).join('; ');
  }
  return cycleWords(deadlock?.cycle ?? []);
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

/**
 * A step-mode link (the query, with `?`) for `config` stepped through `schedule`:
 * `?step=<scenario>&strategy=&seed=`, each parameter as `p.<name>=` (lists
 * comma-separated), `schedule=` with one base-36 character per step, and `v=2` for a view of
 * a lesson's program. fromLink reads it back.
 * @param {object} config
 * @param {number[]} schedule
 * @param {string} [kind] 'program' or 'scenario'
 * @returns {string}
 */
export function toLink(config, schedule, kind = 'program') {
  const { scenario, strategy, seed, ...params } = config;
  const enc = (v) => encodeURIComponent(String(v));
  const parts = [`step=${enc(scenario)}`];
  if (strategy != null) parts.push(`strategy=${enc(strategy)}`);
  if (seed != null) parts.push(`seed=${enc(seed)}`);
  for (const [name, value] of Object.entries(params)) {
    parts.push(`p.${enc(name)}=${Array.isArray(value) ? value.map(enc).join(',') : enc(value)}`);
  }
  if (schedule.length) parts.push(`schedule=${schedule.map((t) => t.toString(36)).join('')}`);
  if (kind === 'program') parts.push(`v=${PROGRAM_LINK}`);
  return `?${parts.join('&')}`;
}

/** Whether `config` came from fromLink: step mode then opens it exactly as given. */
export function isLinked(config) {
  return linked.has(config);
}

/** A placement's program as listing lines, each with its role (lock, invalid or code). */
export function listingOf(placement) {
  const lock = new Set(placement.lock_lines ?? []);
  const invalid = new Set(placement.invalid_lines ?? []);
  const lines = placement.program.replace(/\n$/, '').split('\n');
  return lines.map((text, i) => ({
    text,
    role: lock.has(i + 1) ? 'lock' : invalid.has(i + 1) ? 'invalid' : 'code',
  }));
}

/**
 * What a step view of `config` (the lesson's program for the placement) is, before it
 * runs: the config every run of it uses (the lesson's small step setup and its challenge's, unless
 * `asGiven`; seed 1 unless given), its titles, listing, invalid lines, whether the placement
 * is safe, its challenge, the setup sentence, and `retired`: a link made when its demo was a
 * hand-written scenario, whose steps counted the scenario's and cannot be kept.
 * @param {object} config { scenario, strategy?, ...params, seed? }
 * @param {{ lessons: object[] }} known pg.lessons()
 * @param {{ asGiven: boolean, kind?: string }} how `kind` 'scenario': a link made before
 *   the lessons were programs
 */
export function prepare(config, { lessons }, { asGiven, kind }) {
  let c = {};
  for (const [key, value] of Object.entries(config ?? {})) {
    if (!RUN_KEYS.has(key) && key !== 'lesson' && value !== undefined) c[key] = value;
  }
  const lesson = lessons.find((l) => l.id === c.scenario) ?? null;
  // A link made when this demo was a hand-written scenario, which its program has replaced:
  // its steps counted the scenario's, so the program opens from its start, with the link's
  // setup.
  const retired = kind === 'scenario' && lesson !== null;
  if (lesson && c.strategy == null) c.strategy = lesson.placements[0].id;
  const placement = lesson?.placements.find((p) => p.id === c.strategy) ?? null;
  const step = lesson?.step ?? null;
  const manifest = (step?.challenges ?? []).find((ch) => !ch.placements || ch.placements.includes(c.strategy)) ?? null;
  const challenge = manifest ? challengeOf(manifest) : null;
  let setup = null;
  if (!asGiven && step && (Object.keys(step.params ?? {}).length || Object.keys(challenge?.setup ?? {}).length)) {
    const seed = c.seed;
    c = { scenario: c.scenario, strategy: c.strategy, ...structuredClone(step.params ?? {}), ...structuredClone(challenge?.setup ?? {}) };
    c.seed = seed ?? challenge?.seed ?? step.seed ?? 1;
    const extra = challenge?.setupWords && seed == null ? ` (${challenge.setupWords})` : '';
    if (step.words) setup = `Step mode uses a small setup: ${step.words}${extra}.`;
  }
  c.seed ??= step?.seed ?? 1;
  if (retired) {
    setup = `This link's steps were counted in the ${lesson.title} demo as it was before it became ` +
      'a program; they cannot be replayed on the program, so it starts from the beginning.';
  }
  return {
    config: c, title: lesson?.title ?? null, placementTitle: placement?.title ?? null,
    safe: Boolean(placement?.safe), listing: placement ? listingOf(placement) : [],
    invalidLines: new Set(placement?.invalid_lines ?? []), challenge, setup, retired,
  };
}
