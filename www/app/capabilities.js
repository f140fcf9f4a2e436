// What this browser can do for racelab, checked once at start-up, and the one sentence that
// tells a learner about it.
//
// Real threads need four things: wasm threads (shared memory and atomics, which the module
// itself is built with), module workers (the runtime is one), cross-origin isolation, and
// SharedArrayBuffer (which browsers withhold from pages that are not isolated; some WebKit
// builds withhold it even from pages that are). With the first two and not the others,
// racelab runs step mode and exploration: every thread takes turns on one. Without the
// first two it cannot run at all.

/**
 * @typedef {object} Capabilities
 * @property {boolean} wasmThreads   shared wasm memory and atomics validate
 * @property {boolean} moduleWorkers `new Worker(url, { type: 'module' })` is understood
 * @property {boolean} isolated      the page is cross-origin isolated
 * @property {boolean} sharedMemory  SharedArrayBuffer exists here
 * @property {boolean} framed        the page is in a frame of another page
 * @property {'parallel' | 'stepped' | null} executor  what runs here: real threads, turns on
 *   one thread, or nothing
 */

// The smallest module with a shared memory and an atomic load: what wasm-feature-detect
// checks for "threads".
const THREADS_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1,
  10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11,
]);

function wasmThreads() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(THREADS_PROBE);
  } catch {
    return false;
  }
}

// A browser that knows module workers reads `type` from the options; an invalid address
// then throws before any worker (or request) is made.
function moduleWorkers() {
  let read = false;
  try {
    new Worker('http://[', { get type() { read = true; return 'module'; } });
  } catch { /* the address is invalid on purpose */ }
  return read;
}

function framed() {
  try {
    return window.top !== window;
  } catch {
    return true; // a cross-origin parent may refuse even the comparison
  }
}

let found = null;

/**
 * What this browser and page can do. Checked on the first call only: none of it changes
 * while a page lives (its isolation is fixed when it loads).
 * @returns {Readonly<Capabilities>}
 */
export function detect() {
  if (found) return found;
  const caps = {
    wasmThreads: wasmThreads(),
    moduleWorkers: typeof Worker === 'function' && moduleWorkers(),
    isolated: globalThis.crossOriginIsolated === true,
    sharedMemory: typeof SharedArrayBuffer === 'function',
    framed: framed(),
  };
  caps.executor = !caps.wasmThreads || !caps.moduleWorkers ? null
    : caps.isolated && caps.sharedMemory ? 'parallel' : 'stepped';
  found = Object.freeze(caps);
  return found;
}

const ELSEWHERE = 'a current Firefox, Chrome or Edge';

/**
 * One sentence for the learner: what this browser can do here and how to get real threads;
 * null when real threads run. `serviceWorker` is why the site's service worker could not
 * isolate the page (sw-client.js), if it could not.
 * @param {Capabilities} caps
 * @param {{ serviceWorker?: string | null }} [why]
 * @returns {string | null}
 */
export function explain(caps, { serviceWorker = null } = {}) {
  if (!caps.wasmThreads) {
    return 'This browser cannot run racelab at all: it has no WebAssembly threads (shared memory ' +
      `and atomics), which every run is built on; open the page in ${ELSEWHERE}, or Safari 15 or later.`;
  }
  if (!caps.moduleWorkers) {
    return 'This browser cannot run racelab at all: it cannot start module workers, where ' +
      `racelab runs; open the page in ${ELSEWHERE}, or Safari 15 or later.`;
  }
  if (caps.executor === 'parallel') return null;
  const turns = 'runs here take turns on one thread, one operation at a time (step mode and exploration work)';
  if (caps.isolated) {
    return `This browser gives even an isolated page no SharedArrayBuffer, so ${turns}; ` +
      `for real threads open racelab in ${ELSEWHERE}.`;
  }
  if (caps.framed) {
    return `This frame is not cross-origin isolated, so ${turns}; ` +
      'for real threads open racelab on its own page.';
  }
  const cause = serviceWorker
    ? `its host sends no isolation headers and ${serviceWorker}`
    : 'its host sends no isolation headers';
  return `This page is not cross-origin isolated (${cause}), so ${turns}; for real threads ` +
    'open it in a normal (not private) window, or ask its host to send the headers below.';
}

/** The headers a host must send for real threads, for whoever hosts the site. */
export const ISOLATION_HEADERS =
  '"Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp"';
