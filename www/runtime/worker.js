// The controller Worker: owns the racelab wasm instance and its thread pool.
//
// It exists so that the page's main thread never calls into wasm that can block: `run()`
// blocks *this* Worker until every thread of the program (each on a pool Web Worker sharing the
// same memory) has finished.
//
// Protocol (all messages are plain objects with a `type`):
//   page -> worker  { type: 'init', workers, pool }       start the module and, if `pool` (the page is
//                                                         cross-origin isolated), a pool of `workers`
//                                                         (default: the core's thread limit)
//                   { type: 'run', id, config, keepEvents }  config is a JSON string; keepEvents
//                                                         false drops a trace's events (not its counts)
//                   { type: 'explore', id, config }       search a small run's interleavings
//                   { type: 'crash-for-test', id, where } test hook: trap on 'controller' or 'pool'
//                   { type: 'hang-for-test', id }         test hook: spin forever, deaf to Stop
//                   { type: 'from-pool', id, data }       a message from pool worker `id` (below)
//   worker -> page  { type: 'spawn', id, url, options }   make pool worker `id` (while the pool starts:
//                                                         the page owns every worker, see PoolWorker)
//                   { type: 'to-pool', id, data }         post `data` to pool worker `id`
//                   { type: 'ready', catalog, lessons, maxThreads, workers, memory, controlPtr,
//                     controlLayout, crashPtr, moduleMs, poolMs }
//                                                         (without a pool: workers 0, memory null, since
//                                                         shared memory cannot be posted to the page)
//                   { type: 'result', id, report }        report (or exploration) is a JSON string
//                   { type: 'refused', id, message }      invalid config: message names the field
//                   { type: 'crashed', message }          the instance trapped: start a new Worker
//
// While a run blocks this Worker, the page follows it through shared memory: `controlPtr`
// is the address in `memory` of u32 words laid out as `controlLayout` says (the wasm's own
// layout: `{ runSeq, done, total, violations, cancel, words }`, each an index); the page
// reads the progress words and writes 1 to `cancel` to stop.
// `crashPtr` is the address of the crash note: u32 state (2 = a panic was recorded), u32
// length, then the panic message in UTF-8. A panic on a pool worker traps that worker and
// leaves this one blocked forever, so only the note can tell the page.

import init, {
  initThreadPool, catalog, lessons, maxThreads, controlPtr, controlLayout, crashPtr, crashForTest, hangForTest, run, explore,
} from '../pkg/racelab_web.js';

/**
 * A pool worker as this Worker sees it, while the page owns the real one.
 *
 * wasm-bindgen-rayon starts the pool from the thread that calls initThreadPool (this one)
 * with `new Worker(...)`. Workers made by a worker are where browsers differ: Firefox under
 * remote control (WebDriver BiDi) deadlocks in about half of such pool starts, and some
 * browsers have no nested workers at all. So `Worker` here is this stand-in: the page
 * makes the real worker ({ type: 'spawn' }), and messages go through the page both ways
 * ({ type: 'to-pool' } and { type: 'from-pool' }). It carries only the start-up handshake;
 * once started, the pool threads talk through shared memory.
 */
class PoolWorker extends EventTarget {
  static #next = 1;
  static #live = new Map();

  #id = PoolWorker.#next++;

  constructor(url, options) {
    super();
    PoolWorker.#live.set(this.#id, this);
    postMessage({ type: 'spawn', id: this.#id, url: String(url), options });
  }

  postMessage(data) {
    postMessage({ type: 'to-pool', id: this.#id, data });
  }

  /** Delivers a message the page relayed from pool worker `id`. */
  static deliver(id, data) {
    PoolWorker.#live.get(id)?.dispatchEvent(new MessageEvent('message', { data }));
  }
}
globalThis.Worker = PoolWorker;

let crashed = false;
let pool = false;

async function start(workers, withPool) {
  const t0 = performance.now();
  // Without isolation the module still loads (its shared memory stays inside this Worker);
  // only the pool, which must share that memory with other Workers, cannot start.
  const wasm = await init({ module_or_path: new URL('../pkg/racelab_web_bg.wasm', import.meta.url) });
  const moduleMs = performance.now() - t0;
  // Enough workers for the largest scenario unless the page asked otherwise.
  workers ??= maxThreads();
  if (withPool) await initThreadPool(workers);
  pool = withPool;
  const poolMs = performance.now() - t0 - moduleMs;
  postMessage({
    type: 'ready',
    catalog: catalog(),
    lessons: lessons(),
    maxThreads: maxThreads(),
    workers: withPool ? workers : 0,
    memory: withPool ? wasm.memory : null,
    controlPtr: controlPtr(),
    controlLayout: JSON.parse(controlLayout()),
    crashPtr: crashPtr(),
    moduleMs,
    poolMs,
  });
}

function runOne(id, config, keepEvents) {
  guarded(id, () => postMessage({ type: 'result', id, report: run(config, keepEvents !== false, pool) }));
}

/** Calls into wasm; a trap marks this instance dead, a refusal goes back to the caller. */
function guarded(id, call) {
  try {
    call();
  } catch (e) {
    // Refusals are errors thrown by our own code (JsError). A trap is a
    // WebAssembly.RuntimeError and leaves the instance unusable.
    if (e instanceof WebAssembly.RuntimeError) {
      crashed = true;
      postMessage({ type: 'crashed', message: `the runtime trapped: ${e.message}` });
    } else {
      postMessage({ type: 'refused', id, message: String(e && e.message || e) });
    }
  }
}

self.onmessage = ({ data }) => {
  if (crashed) return;
  if (data?.type === 'from-pool') {
    PoolWorker.deliver(data.id, data.data);
  } else if (data?.type === 'init') {
    start(data.workers, data.pool !== false).catch((e) => postMessage({ type: 'crashed', message: `could not start: ${e?.message || e}` }));
  } else if (data?.type === 'run') {
    runOne(data.id, data.config, data.keepEvents);
  } else if (data?.type === 'explore') {
    guarded(data.id, () => postMessage({ type: 'result', id: data.id, report: explore(data.config, pool) }));
  } else if (data?.type === 'crash-for-test') {
    guarded(data.id, () => crashForTest(data.where === 'pool'));
  } else if (data?.type === 'hang-for-test') {
    guarded(data.id, hangForTest);
  }
};
