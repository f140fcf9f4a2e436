// A thread worker: one more thread for a program that starts more threads than the pool
// has workers (crates/web/src/lib.rs, `more_threads`, says when the page makes one).
//
// Protocol: page -> thread worker { module, memory } once: the racelab module and its
// shared memory, from the worker that asked for it ({ type: 'grow', module, memory }).
// It instantiates the module on that memory (a new wasm thread, with its own stack) and
// runs program threads as they come, for as long as the runtime lives.

import init, { threadWorker } from '../pkg/racelab_web.js';

self.onmessage = async ({ data: { module, memory } }) => {
  await init({ module_or_path: module, memory });
  threadWorker();
};
