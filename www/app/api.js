// racelab's public JS API, for the playground, course pages and tests.
//
//   const pg = await createPlayground({ workers })   // starts the controller Worker and pool
//   pg.threads                                        // false: no real threads in this browser
//                                                     // or page; only stepped runs and explore work
//   pg.capabilities                                   // what was found at start-up, and the
//                                                     // executor it picked (capabilities.js)
//   pg.scenarios()                                    // every demo (a lesson): ids, titles,
//                                                     // placements (strategies), params
//   pg.lessons()                                      // the lessons (www/lessons): each a
//                                                     // program per placement, params, invariants
//   await pg.run({ scenario, strategy, ...params }, { onProgress, keepEvents })  // -> Report
//     (the lesson's program for that placement, its params written into the program's
//     constants: the Report has output and exceptions as a program's does; trace: true adds
//     report.trace; keepEvents: false keeps its counts but not its events)
//   await pg.run({ ..., executor: 'stepped', seed, schedule: [0, 1, 1], pause: true })
//     (one operation at a time: the same seed and schedule give the same report; with pause
//     the run stops where the schedule ends and report.steps says where each thread stands)
//     (`lesson: true`, which asked for the program while the bank still had a hand-written
//     scenario, is accepted and changes nothing)
//   await pg.run({ program: 'print("hi")', seed, max_steps, filename })  // a Python program
//   await pg.run({ program, executor: 'stepped', seed, schedule, pause })  // its threads taking turns
//     (pause: "choice" goes on after the schedule while there is nothing to choose: steps no
//     other thread's can conflict with, marked quiet in steps.log, and a thread alone able to
//     move; then pauses. A program's steps.log names objects by path, accounts[1].balance,
//     with the number read or written, and steps.shared holds its shared data, row by row)
//   await pg.run({ program, trace: true })  // report.trace: what every thread did, and
//     trace.replay, the schedule that replays this real run one operation at a time
//     -> the same Report, plus output: [{ thread, text, end? }] and exceptions: [{ thread,
//     type, message, line, traceback }]; a program that does not compile resolves with
//     outcome "error" and error: { message, line, column } (it is a report, not a refusal)
//   await pg.explore({ scenario, strategy, ...small params, seed, budget })
//   await pg.explore({ program, seed, budget })  // every way a program's threads take turns
//     -> { mode, runs, schedules, violating, states, exhausted, example: { schedule, outcome } }
//        (a program's also: narrowed, when stepping on one thread could not offer every
//        interleaving, so the search is not exhausted: where real threads are, it is)
//   pg.stop()                                         // cancels the run in flight and queued ones
//   pg.progress()                                     // { runSeq, done, total, violations }
//   pg.addEventListener('restart', (e) => e.detail.reason)  // a fresh runtime was started
//
// Runs are queued and carried out one at a time. A config refused (by the type checks here,
// or by the runtime) rejects with a RacelabError whose `field` names the parameter; the message
// gives the allowed range. A trap anywhere in the runtime rejects the run in flight and
// starts a fresh runtime for the next one. The page's main thread never calls into wasm:
// all of it lives in runtime/worker.js.

import { detect, explain } from './capabilities.js';

/** A refused config or a failed run. `field` names the parameter at fault, if any. */
export class RacelabError extends Error {
  constructor(message, field = null) {
    super(message);
    this.name = 'RacelabError';
    this.field = field;
  }
}

const READY_TIMEOUT_MS = 30_000;
/** How often a run in flight is looked at (progress, and the crash note). */
const POLL_MS = 50;
/**
 * How long a stopped run may take to unwind before its runtime is ended instead. Every wait
 * in the core gives up within 20 ms of a stop, so only a runtime that is stuck (a trap we
 * could not see, a bug) gets here; ending it keeps Stop within half a second regardless.
 */
export const STOP_GRACE_MS = 400;

function fieldOf(message) {
  const m = /^([a-z_]+): /.exec(message);
  return m ? m[1] : null;
}

/**
 * The playground's runtime: a controller Worker owning the wasm instance and its pool.
 * Emits a `restart` event (detail: { reason }) whenever it had to start a fresh runtime.
 */
class Playground extends EventTarget {
  #worker = null;
  /** The pool's workers, by the controller's id for them (the page owns them all). */
  #pool = new Map();
  #failStart = null;
  #catalog = [];
  #lessons = [];
  #memory = null;
  #control = null;
  /** Where each word of the control block is (`controlLayout()` of the wasm). */
  #layout = null;
  #crashPtr = 0;
  #crashState = null;
  #pending = new Map();
  #current = null;
  #waiting = new Set();
  #nextId = 1;
  #queue = Promise.resolve();
  #workers;

  /** Milliseconds the last start took to load the module, and then to start the pool. */
  moduleMs = 0;
  poolMs = 0;
  /** Workers the pool starts with (a program's threads past them get workers of their own). */
  maxThreads = 0;
  /** How many times the runtime was restarted after a trap or a stuck stop. */
  restarts = 0;
  /**
   * Whether real threads can run here. Without them there is no pool: stepped runs and
   * exploration still work; capabilities.js's `explain(pg.capabilities)` says why, in one
   * sentence.
   */
  threads = true;
  /** What this browser and page can do, as found at start-up (see capabilities.js). */
  capabilities;

  constructor(workers, capabilities) {
    super();
    this.#workers = workers;
    this.capabilities = capabilities;
    this.threads = capabilities.executor === 'parallel';
  }

  /** Starts (or restarts) the controller Worker and waits until its pool is ready. */
  async start() {
    this.#end();
    const worker = new Worker(new URL('../runtime/worker.js', import.meta.url), { type: 'module' });
    this.#worker = worker;
    let failStart;
    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new RacelabError(
        `the thread pool did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      failStart = (message) => {
        clearTimeout(timer);
        reject(new RacelabError(message));
      };
      worker.onmessage = ({ data }) => {
        if (this.#poolMessage(worker, data)) return;
        if (data.type === 'ready') {
          clearTimeout(timer);
          resolve(data);
        } else if (data.type === 'crashed') {
          failStart(data.message);
        }
      };
      worker.onerror = (e) => failStart(`the runtime failed to load: ${e.message || 'script error'}`);
    });
    this.#failStart = failStart;
    worker.postMessage({ type: 'init', workers: this.#workers, pool: this.threads });
    const info = await ready;
    this.#failStart = null;
    this.#catalog = JSON.parse(info.catalog);
    this.#lessons = JSON.parse(info.lessons);
    this.maxThreads = info.maxThreads;
    this.moduleMs = info.moduleMs;
    this.poolMs = info.poolMs;
    // Without a pool the memory stays in the Worker: no live progress, and Stop ends the
    // runtime after its grace period instead of asking the run.
    this.#memory = info.memory;
    this.#layout = info.controlLayout;
    this.#control = info.memory && new Uint32Array(info.memory.buffer, info.controlPtr, info.controlLayout.words);
    this.#crashPtr = info.crashPtr;
    this.#crashState = info.memory && new Uint32Array(info.memory.buffer, info.crashPtr, 2);
    worker.onmessage = ({ data }) => this.#poolMessage(worker, data) || this.#onMessage(worker, data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.#crash(worker, `the runtime failed: ${e.message || 'script error'}`);
    };
  }

  /**
   * The page makes the pool's workers for the controller and relays their start-up
   * handshake (runtime/worker.js says why), and makes a thread worker when a program
   * starts more threads than the pool has workers (runtime/thread.js). Returns whether
   * `data` was such a message.
   */
  #poolMessage(controller, data) {
    if (data?.type === 'grow') {
      this.#threadWorker(controller, data);
      return true;
    }
    if (data?.type === 'spawn') {
      const member = new Worker(data.url, data.options);
      member.onmessage = (e) => this.#poolMessage(controller, e.data)
        || controller.postMessage({ type: 'from-pool', id: data.id, data: e.data });
      member.onerror = (e) => {
        // A trap on a pool worker is ours to handle, not the page's: a failed start, or a
        // crash of the runtime (the crash note, if any, says more).
        e.preventDefault();
        const message = `a pool worker failed: ${e.message || 'script error'}`;
        if (this.#failStart && controller === this.#worker) this.#failStart(message);
        else this.#crash(controller, message);
      };
      this.#pool.set(data.id, member);
      return true;
    }
    if (data?.type === 'to-pool') {
      this.#pool.get(data.id)?.postMessage(data.data);
      return true;
    }
    return false;
  }

  /** One more worker for a program's threads, on the runtime's module and memory. */
  #threadWorker(controller, { module, memory }) {
    const member = new Worker(new URL('../runtime/thread.js', import.meta.url), { type: 'module' });
    member.onmessage = (e) => this.#poolMessage(controller, e.data);
    member.onerror = (e) => {
      e.preventDefault();
      this.#crash(controller, `a thread worker failed: ${e.message || 'script error'}`);
    };
    member.postMessage({ module, memory });
    this.#pool.set(`thread ${this.#pool.size}`, member);
  }

  /** Ends the controller Worker and every pool worker. */
  #end() {
    this.#worker?.terminate();
    this.#worker = null;
    for (const member of this.#pool.values()) member.terminate();
    this.#pool.clear();
  }

  #onMessage(worker, data) {
    if (data.type === 'crashed') return this.#crash(worker, data.message);
    const pending = this.#pending.get(data.id);
    if (!pending) return;
    this.#pending.delete(data.id);
    if (data.type === 'result') pending.resolve(JSON.parse(data.report));
    else pending.reject(new RacelabError(data.message, fieldOf(data.message)));
  }

  /** The panic message a trapped instance left in shared memory, or null. */
  #crashNote() {
    const state = this.#crashState;
    if (!state || Atomics.load(state, 0) !== 2) return null;
    const len = Atomics.load(state, 1);
    // TextDecoder refuses views of shared memory: copy the bytes out first.
    const bytes = new Uint8Array(this.#memory.buffer, this.#crashPtr + 8, len).slice();
    return new TextDecoder().decode(bytes).replace(/\s+/g, ' ').trim();
  }

  /**
   * `worker`'s runtime is gone (a trap, or a stop it could not carry out): fail what was in
   * flight with `message` and start a fresh runtime for the next run.
   */
  #crash(worker, message) {
    if (worker !== this.#worker) return; // already handled
    const note = this.#crashNote();
    const reason = note ? `${message} (${note})` : message;
    this.#retire(new RacelabError(`${reason}; the runtime has been restarted`));
    this.dispatchEvent(new CustomEvent('restart', { detail: { reason } }));
  }

  /** Ends the current runtime, rejects what was in flight with `error`, starts a new one. */
  #retire(error) {
    this.#end();
    this.#control = null;
    this.#crashState = null;
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
    this.restarts += 1;
    this.#restart = this.start();
    // A failed restart is reported to the next run, which tries once more.
    this.#restart.catch(() => {});
  }

  #restart = null;

  /** Bytes of the runtime's shared wasm memory (it can only grow): what a soak watches. */
  get memoryBytes() {
    return this.#memory?.buffer.byteLength ?? 0;
  }

  /** Every scenario with its strategies, parameters and listings. */
  scenarios() {
    return structuredClone(this.#catalog);
  }

  /**
   * Every lesson (`www/lessons/<id>/`): id, title, summary, guarantee, watch, params (as
   * scenarios' are, defaults read from the programs), invariants ({ id, check, text }) and
   * placements ({ id, title, safe, summary, fix?, file, program }).
   */
  lessons() {
    return structuredClone(this.#lessons);
  }

  /** Live progress of the current (or last) run, read from shared memory. */
  progress() {
    const c = this.#control;
    if (!c) return null;
    const at = this.#layout;
    return {
      runSeq: Atomics.load(c, at.runSeq),
      done: Atomics.load(c, at.done),
      total: Atomics.load(c, at.total),
      violations: Atomics.load(c, at.violations),
    };
  }

  /**
   * Runs a config; resolves with the Report, rejects with a RacelabError. A config with
   * `trace: true` (and optionally `trace_limit`) adds `report.trace`; `keepEvents: false`
   * leaves out its events, keeping its counts and explanations (for batches).
   */
  run(config, { onProgress, keepEvents = true } = {}) {
    const checked = checkConfig(config, { lessons: this.#lessons });
    return this.#enqueue({ type: 'run', config: JSON.stringify(checked), keepEvents }, checked, onProgress);
  }

  /**
   * Searches the interleavings of a small run (a lesson's placement with small params, or a
   * program's `{ program, seed, budget }`): its threads on the pool, taking turns, every
   * choice tried, breadth first, until none is left (`exhausted` with `violating: 0` means no
   * interleaving breaks it) or `budget` runs were tried. `example` is a shortest violating
   * schedule: pass it as `schedule` (with the same `seed`) to a stepped run. Stop ends it
   * like a run.
   */
  explore(config) {
    const checked = checkConfig(config, { explore: true, lessons: this.#lessons });
    return this.#enqueue({ type: 'explore', config: JSON.stringify(checked) }, checked);
  }

  /**
   * Test hook: makes the runtime trap, on the controller (`'controller'`) or on a pool
   * worker in the middle of its work (`'pool'`). Rejects as a run that crashed does, and
   * the next run gets a fresh runtime. The browser specs use it; pages have no need to.
   */
  crashForTest(where = 'pool') {
    return this.#enqueue({ type: 'crash-for-test', where }, { scenario: 'crash-for-test' });
  }

  /**
   * Test hook: a run that spins forever and never looks at the cancel flag, so that only
   * Stop's last resort (ending the runtime) can end it. The browser specs use it.
   */
  hangForTest() {
    return this.#enqueue({ type: 'hang-for-test' }, { scenario: 'hang-for-test' });
  }

  #enqueue(message, config, onProgress) {
    const job = { message, config, onProgress, id: 0, started: 0, stopped: false, stopTimer: null };
    this.#waiting.add(job);
    const done = this.#queue.then(() => this.#runNow(job));
    this.#queue = done.catch(() => {});
    return done;
  }

  async #runNow(job) {
    if (!job.stopped && (this.#restart || !this.#worker)) {
      const restart = this.#restart ?? this.start();
      this.#restart = null;
      try {
        await restart;
      } catch (e) {
        this.#waiting.delete(job);
        this.#end();
        throw e;
      }
    }
    this.#waiting.delete(job);
    // Stopped while it waited for its turn or for a fresh runtime: it never starts.
    if (job.stopped) return madeUpReport(job, 'stopped before it started');
    const worker = this.#worker;
    job.id = this.#nextId++;
    job.started = performance.now();
    const result = new Promise((resolve, reject) => this.#pending.set(job.id, { resolve, reject }));
    this.#current = job;
    worker.postMessage({ ...job.message, id: job.id });
    // Polled, not pushed: the controller is blocked inside the run, and a trap on a pool
    // worker shows only in the crash note.
    const timer = setInterval(() => {
      if (this.#crashNote()) return this.#crash(worker, 'a thread of the run trapped');
      if (job.onProgress) {
        const p = this.progress();
        if (p) job.onProgress(p);
      }
    }, POLL_MS);
    try {
      return await result;
    } finally {
      clearInterval(timer);
      clearTimeout(job.stopTimer);
      this.#current = null;
    }
  }

  /**
   * Stops the run in flight, and every run still waiting for its turn; they resolve with
   * outcome "cancelled". A run that has not unwound within STOP_GRACE_MS has its runtime
   * ended and a fresh one started; it still resolves "cancelled", with a `note` saying so.
   */
  stop() {
    for (const waiting of this.#waiting) waiting.stopped = true;
    const job = this.#current;
    if (!job) return;
    if (this.#control) Atomics.store(this.#control, this.#layout.cancel, 1);
    job.stopTimer ??= setTimeout(() => {
      const pending = this.#pending.get(job.id);
      if (this.#current !== job || !pending) return;
      this.#pending.delete(job.id);
      pending.resolve(madeUpReport(job, `the run did not stop within ${STOP_GRACE_MS} ms, so its ` +
        'runtime was ended and a fresh one started; nothing of the run could be kept'));
      this.#retire(new RacelabError('the runtime was restarted'));
      this.dispatchEvent(new CustomEvent('restart', {
        detail: { reason: `a stopped run did not unwind within ${STOP_GRACE_MS} ms` },
      }));
    }, STOP_GRACE_MS);
  }

  /** Ends the runtime (its Worker and pool). */
  terminate() {
    this.#end();
  }
}

/**
 * The report of a stopped run that the runtime could not give: it never started, or its
 * runtime had to be ended. Nothing of the run survived, so there is no final state and no
 * invariant; `note` says why.
 */
function madeUpReport(job, note) {
  if ('program' in job.config) {
    return {
      program: job.config.filename ?? 'prog.py',
      executor: 'parallel',
      params: { seed: job.config.seed ?? null },
      threads: 0,
      elapsed_ms: job.started ? performance.now() - job.started : 0,
      outcome: 'cancelled',
      invariants: [],
      final: null,
      output: [],
      exceptions: [],
      note,
    };
  }
  const {
    scenario, strategy = null, seed = null, trace: _t, trace_limit: _l, executor: _e, schedule: _s,
    pause: _p, budget: _b, ...params
  } = job.config;
  return {
    scenario,
    strategy,
    executor: job.config.executor === 'stepped' ? 'stepped' : 'parallel',
    params: { ...params, seed },
    threads: 0,
    elapsed_ms: job.started ? performance.now() - job.started : 0,
    outcome: 'cancelled',
    invariants: [],
    final: null,
    note,
  };
}

/** A value as error messages show it. */
function shown(v) {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'function' || typeof v === 'symbol') return `a ${typeof v}`;
  try {
    const text = JSON.stringify(v);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(v);
  }
}

/** A parameter's allowed values in words, worded as the core words them. */
function rangeText(spec) {
  const unit = spec.unit ? ` ${spec.unit}` : '';
  return spec.type === 'int-list'
    ? `a list of ${spec.min_len} to ${spec.max_len} whole numbers, each from ${spec.min} to ${spec.max}${unit}`
    : `a whole number from ${spec.min} to ${spec.max}${unit}`;
}

const MAX_SEED = Number.MAX_SAFE_INTEGER;

/**
 * Type checks made before anything reaches wasm. JSON would quietly turn NaN, Infinity and
 * undefined into null (which means "the default") and drop functions, so a config that
 * cannot cross as it is must be refused here. Ranges are the runtime's to check.
 */
function checkConfig(config, { explore = false, lessons = [] } = {}) {
  const refuse = (field, message) => { throw new RacelabError(`${field}: ${message}`, field); };
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    refuse('config', `must be an object like { scenario: "bank", strategy: "none" }, got ${shown(config)}`);
  }
  if ('program' in config) return checkProgram(config, refuse, { explore });
  const ids = lessons.map((l) => l.id);
  if (typeof config.scenario !== 'string') {
    refuse('scenario', `must be a string naming a lesson (${ids.join(', ')}), got ${shown(config.scenario)}`);
  }
  if (config.lesson !== undefined && config.lesson !== null && config.lesson !== true) {
    refuse('lesson', `must be true (run the lesson's program), got ${shown(config.lesson)}`);
  }
  // Parameters are checked against the lesson's table (its manifest's).
  const info = lessons.find((l) => l.id === config.scenario);
  if (!info) refuse('scenario', `unknown scenario "${config.scenario}"; choose one of ${ids.join(', ')}`);
  const out = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined || value === null) continue;
    if (key === 'scenario' || key === 'strategy' || key === 'executor') {
      if (typeof value !== 'string') refuse(key, `must be a string, got ${shown(value)}`);
    } else if (key === 'pause') {
      if (typeof value !== 'boolean' && value !== 'choice') refuse(key, PAUSE_WORDS + shown(value));
    } else if (key === 'trace' || key === 'lesson') {
      if (typeof value !== 'boolean') refuse(key, `must be true or false, got ${shown(value)}`);
    } else if (key === 'schedule') {
      const ok = Array.isArray(value) && value.length === Object.keys(value).length && value.every(Number.isSafeInteger);
      if (!ok) refuse(key, `must be a list of thread numbers like [0, 1, 1, 0], got ${shown(value)}`);
    } else if (key === 'budget' && explore) {
      if (!Number.isSafeInteger(value)) refuse(key, `must be a whole number (runs to try), got ${shown(value)}`);
    } else if (key === 'trace_limit') {
      // The range is the runtime's to check; only what JSON would mangle is refused here.
      if (!Number.isSafeInteger(value)) refuse(key, `must be a whole number (events kept), got ${shown(value)}`);
    } else if (key === 'seed') {
      if (!Number.isSafeInteger(value) || value < 0) {
        refuse('seed', `must be a whole number from 0 to ${MAX_SEED}, got ${shown(value)}`);
      }
    } else {
      const spec = info.params.find((p) => p.name === key);
      if (!spec) {
        refuse(key, `unknown parameter for ${info.id}; its parameters are: ${info.params.map((p) => p.name).join(', ')}`);
      }
      const whole = spec.type === 'int-list'
        ? Array.isArray(value) && value.length === Object.keys(value).length && value.every(Number.isSafeInteger)
        : Number.isSafeInteger(value);
      if (!whole) refuse(key, `must be ${rangeText(spec)}, got ${shown(value)}`);
    }
    out[key] = value;
  }
  return out;
}

/** What `pause` may be, as a refusal says it. */
const PAUSE_WORDS = 'must be true (pause where the schedule ends), "choice" (a program\'s run: go on while ' +
  'there is nothing to choose, then pause) or false, got ';

/** The fields of a program's config, as the runtime accepts them. */
const PROGRAM_FIELDS = ['program', 'filename', 'seed', 'executor', 'schedule', 'pause', 'max_steps', 'trace', 'trace_limit'];

/** Type checks of a program's config (its text is compiled, and ranges checked, in wasm). */
function checkProgram(config, refuse, { explore = false } = {}) {
  const out = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined || value === null) continue;
    if (explore && key === 'budget') {
      if (!Number.isSafeInteger(value)) refuse(key, `must be a whole number of runs, got ${shown(value)}`);
      out[key] = value;
      continue;
    }
    if (key === 'program' || key === 'filename' || key === 'executor') {
      if (typeof value !== 'string') {
        refuse(key, key === 'program'
          ? `must be the program's text (a string), got ${shown(value)}`
          : `must be a string, got ${shown(value)}`);
      }
    } else if (key === 'seed') {
      if (!Number.isSafeInteger(value) || value < 0) {
        refuse('seed', `must be a whole number from 0 to ${MAX_SEED}, got ${shown(value)}`);
      }
    } else if (key === 'max_steps') {
      if (!Number.isSafeInteger(value)) refuse(key, `must be a whole number (instructions), got ${shown(value)}`);
    } else if (key === 'schedule') {
      if (!Array.isArray(value) || !value.every(Number.isSafeInteger)) {
        refuse(key, `must be a list of thread numbers like [0, 1, 1, 0], got ${shown(value)}`);
      }
    } else if (key === 'pause') {
      if (typeof value !== 'boolean' && value !== 'choice') refuse(key, PAUSE_WORDS + shown(value));
    } else if (key === 'trace') {
      if (typeof value !== 'boolean') refuse(key, `must be true or false, got ${shown(value)}`);
    } else if (key === 'trace_limit') {
      if (!Number.isSafeInteger(value)) refuse(key, `must be a whole number of events, got ${shown(value)}`);
    } else {
      refuse(key, `unknown field for a program; its fields are ${PROGRAM_FIELDS.join(', ')}`);
    }
    out[key] = value;
  }
  if (typeof out.program !== 'string') refuse('program', `must be the program's text (a string), got ${shown(config.program)}`);
  return out;
}

/**
 * Starts racelab: a controller Worker and a pool of `workers` Web Workers (default: the
 * core's thread limit, enough for the largest scenario). Where real threads cannot run (a
 * page that is not cross-origin isolated, a browser without SharedArrayBuffer) it starts
 * without the pool (`pg.threads` false): stepped runs and exploration work, real-thread
 * runs are refused with the reason. A browser that cannot run racelab at all (no wasm
 * threads, no module workers) is refused with a RacelabError that says so.
 */
export async function createPlayground({ workers } = {}) {
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) {
    throw new RacelabError(`workers: must be a whole number from 1 to 64, got ${JSON.stringify(workers)}`, 'workers');
  }
  const capabilities = detect();
  if (!capabilities.executor) throw new RacelabError(explain(capabilities));
  const pg = new Playground(workers, capabilities);
  await pg.start();
  return pg;
}
