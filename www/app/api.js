// racelab's public JS API, for the playground, course pages and tests.
//
//   const pg = await createPlayground({ workers })   // starts the controller Worker and pool
//   pg.scenarios()                                    // ids, titles, strategies, params
//   await pg.run({ scenario, strategy, ...params }, { onProgress })  // -> Report
//   pg.stop()                                         // cancels the run in flight
//   pg.progress()                                     // { runSeq, done, total, violations }
//
// Runs are queued and carried out one at a time. A config the core refuses rejects with a
// RacelabError whose `field` names the parameter; the message gives the allowed range.
// The page's main thread never calls into wasm: all of it lives in runtime/worker.js.

/** A refused config or a failed run. `field` names the parameter at fault, if any. */
export class RacelabError extends Error {
  constructor(message, field = null) {
    super(message);
    this.name = 'RacelabError';
    this.field = field;
  }
}

/** Why this page cannot run real threads, or null when it can. */
export function isolationProblem() {
  if (typeof SharedArrayBuffer === 'undefined' || !globalThis.crossOriginIsolated) {
    return 'This page is not cross-origin isolated, so the browser withholds SharedArrayBuffer, ' +
      'which real threads in WebAssembly need. The server must send ' +
      '"Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp" ' +
      '(cargo xtask serve does).';
  }
  return null;
}

const CONTROL_WORDS = 5;
const CANCEL = 4;
const READY_TIMEOUT_MS = 30_000;

function fieldOf(message) {
  const m = /^([a-z_]+): /.exec(message);
  return m ? m[1] : null;
}

class Playground {
  #worker = null;
  #catalog = [];
  #control = null;
  #pending = new Map();
  #nextId = 1;
  #queue = Promise.resolve();
  #workers;

  /** Milliseconds the last start took to load the module, and then to start the pool. */
  moduleMs = 0;
  poolMs = 0;
  /** Most threads a scenario may use. */
  maxThreads = 0;

  constructor(workers) {
    this.#workers = workers;
  }

  /** Starts (or restarts) the controller Worker and waits until its pool is ready. */
  async start() {
    this.#worker?.terminate();
    const worker = new Worker(new URL('../runtime/worker.js', import.meta.url), { type: 'module' });
    this.#worker = worker;
    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new RacelabError(
        `the thread pool did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      worker.onmessage = ({ data }) => {
        if (data.type === 'ready') {
          clearTimeout(timer);
          resolve(data);
        } else if (data.type === 'crashed') {
          clearTimeout(timer);
          reject(new RacelabError(data.message));
        }
      };
      worker.onerror = (e) => {
        clearTimeout(timer);
        reject(new RacelabError(`the runtime failed to load: ${e.message || 'script error'}`));
      };
    });
    worker.postMessage({ type: 'init', workers: this.#workers });
    const info = await ready;
    this.#catalog = JSON.parse(info.catalog);
    this.maxThreads = info.maxThreads;
    this.moduleMs = info.moduleMs;
    this.poolMs = info.poolMs;
    this.#control = new Uint32Array(info.memory.buffer, info.controlPtr, CONTROL_WORDS);
    worker.onmessage = ({ data }) => this.#onMessage(data);
    worker.onerror = (e) => this.#crash(`the runtime failed: ${e.message || 'script error'}`);
  }

  #onMessage(data) {
    if (data.type === 'crashed') return this.#crash(data.message);
    const pending = this.#pending.get(data.id);
    if (!pending) return;
    this.#pending.delete(data.id);
    if (data.type === 'result') pending.resolve(JSON.parse(data.report));
    else pending.reject(new RacelabError(data.message, fieldOf(data.message)));
  }

  /** The runtime is gone: fail what was in flight and start a fresh one for the next run. */
  #crash(message) {
    for (const { reject } of this.#pending.values()) {
      reject(new RacelabError(`${message}; the runtime has been restarted`));
    }
    this.#pending.clear();
    this.#control = null;
    this.#restart = this.start();
  }

  #restart = null;

  /** Every scenario with its strategies, parameters and listings. */
  scenarios() {
    return structuredClone(this.#catalog);
  }

  /** Live progress of the current (or last) run, read from shared memory. */
  progress() {
    const c = this.#control;
    if (!c) return null;
    return {
      runSeq: Atomics.load(c, 0),
      done: Atomics.load(c, 1),
      total: Atomics.load(c, 2),
      violations: Atomics.load(c, 3),
    };
  }

  /** Runs a config; resolves with the Report, rejects with a RacelabError. */
  run(config, { onProgress } = {}) {
    const checked = checkShape(config);
    const job = this.#queue.then(() => this.#runNow(checked, onProgress));
    this.#queue = job.catch(() => {});
    return job;
  }

  async #runNow(config, onProgress) {
    if (this.#restart) {
      await this.#restart;
      this.#restart = null;
    }
    const id = this.#nextId++;
    const result = new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#worker.postMessage({ type: 'run', id, config: JSON.stringify(config) });
    let timer = null;
    if (onProgress) {
      // Polled, not pushed: the controller is blocked inside the run.
      timer = setInterval(() => { const p = this.progress(); if (p) onProgress(p); }, 50);
    }
    try {
      return await result;
    } finally {
      clearInterval(timer);
    }
  }

  /** Asks the run in flight to stop; it resolves with outcome "cancelled". */
  stop() {
    if (this.#control) Atomics.store(this.#control, CANCEL, 1);
  }

  /** Ends the runtime (its Worker and pool). */
  terminate() {
    this.#worker?.terminate();
    this.#worker = null;
  }
}

/** Type checks made before anything reaches wasm. */
function checkShape(config) {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new RacelabError('config: must be an object like { scenario: "bank", strategy: "none" }', 'config');
  }
  if (typeof config.scenario !== 'string') {
    throw new RacelabError(`scenario: must be a string naming a scenario, got ${JSON.stringify(config.scenario) ?? 'nothing'}`, 'scenario');
  }
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      throw new RacelabError(`${key}: must be a number, a string or a list, got a ${typeof value}`, key);
    }
  }
  return config;
}

/**
 * Starts racelab: a controller Worker and a pool of `workers` Web Workers (default: the
 * core's thread limit, enough for the largest scenario). Rejects with a clear message when the page cannot run threads.
 */
export async function createPlayground({ workers } = {}) {
  const problem = isolationProblem();
  if (problem) throw new RacelabError(problem);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) {
    throw new RacelabError(`workers: must be a whole number from 1 to 64, got ${JSON.stringify(workers)}`, 'workers');
  }
  const pg = new Playground(workers);
  await pg.start();
  return pg;
}
