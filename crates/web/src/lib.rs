//! racelab-web: the wasm-bindgen face of the racelab core.
//!
//! Loaded by the controller Worker (`www/runtime/worker.js`), never by the page's main thread:
//! `run` blocks its caller until every scenario thread has finished. Scenario threads run on
//! a rayon pool of Web Workers sharing this module's memory (wasm-bindgen-rayon).
//!
//! While a run blocks the controller, the page follows it through a [`RunControl`] block in
//! shared memory: [`control_ptr`] gives its address; the page reads progress from it and
//! writes the cancel flag.
//!
//! Natively this crate is empty: everything below needs wasm32 with atomics.
#![cfg(target_arch = "wasm32")]

use racelab::exec::Body;
use racelab::{RunConfig, RunControl, Threads};
use wasm_bindgen::prelude::*;

pub use wasm_bindgen_rayon::init_thread_pool;

/// The control block of the run in flight (one run at a time per module instance).
static CONTROL: RunControl = RunControl::new();

/// The rayon pool of Web Workers as a source of threads.
struct WorkerPool;

impl Threads for WorkerPool {
    fn capacity(&self) -> usize {
        rayon::current_num_threads()
    }

    fn run_all<'s>(&self, bodies: Vec<Body<'s>>) -> Result<(), String> {
        // Every body gets a worker of its own because the pool has at least as many workers
        // as bodies (checked by `run_parallel`) and a body that blocks keeps its worker.
        rayon::scope(|s| {
            for body in bodies {
                s.spawn(move |_| body());
            }
        });
        Ok(())
    }
}

/// Every scenario with its strategies, parameters (ranges, defaults) and listings, as JSON.
#[wasm_bindgen]
pub fn catalog() -> String {
    racelab::catalog_json()
}

/// Most scenario threads one run may use: the pool must be started with at least this many.
#[wasm_bindgen(js_name = maxThreads)]
pub fn max_threads() -> u32 {
    racelab::limits::MAX_THREADS as u32
}

/// Address in the shared memory of the run-control block: five `u32` words
/// `[run_seq, steps_done, steps_total, violations, cancel]`.
#[wasm_bindgen(js_name = controlPtr)]
pub fn control_ptr() -> u32 {
    std::ptr::addr_of!(CONTROL) as u32
}

/// Validates `config` (JSON), runs it on the pool and returns the Report as JSON.
///
/// Blocks until the run ends; rejects an invalid config with a message naming the field,
/// the value and the allowed range.
#[wasm_bindgen]
pub fn run(config: &str) -> Result<String, JsError> {
    let config = RunConfig::from_json(config).map_err(|e| JsError::new(&e.to_string()))?;
    config
        .check_capacity(rayon::current_num_threads())
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(config.run(&WorkerPool, &CONTROL).to_json())
}
