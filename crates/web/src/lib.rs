//! racelab-web: the wasm-bindgen face of racelab's lessons and programs.
//!
//! Loaded by the controller Worker (`www/runtime/worker.js`), never by the page's main thread:
//! `run` blocks its caller until the program's threads have finished. A program's main
//! thread runs on the controller; the threads it starts run on a rayon pool of Web Workers
//! sharing this module's memory (wasm-bindgen-rayon), and past it on workers of their own.
//!
//! While a run blocks the controller, the page follows it through a [`RunControl`] block in
//! shared memory: [`control_ptr`] gives its address; the page reads progress from it and
//! writes the cancel flag.
//!
//! A panic anywhere (with `panic = abort` it is a trap that kills the instance) first
//! leaves a [`CrashNote`] in shared memory: a trap in a pool worker cannot be reported by the
//! controller, which stays blocked in `run`, so the page watches the note instead and
//! restarts the runtime.
//!
//! A config with a `program` (a learner's Python) runs through `racelab-lang`; any other
//! names a lesson (`racelab-lessons`), whose placement's program runs the same way.
//!
//! Natively this crate is empty: everything below needs wasm32 with atomics.
#![cfg(target_arch = "wasm32")]

use std::sync::atomic::{AtomicU32, AtomicU8, Ordering::SeqCst};

use racelab::{RunControl, Spawn};
use racelab_lang::run::ProgramConfig;
use racelab_lang::vm::threads::{ControlRef, SpawnRef};
use racelab_lessons::LessonRun;
use wasm_bindgen::prelude::*;

pub use wasm_bindgen_rayon::init_thread_pool;

/// The module's allocator: std's, behind a per-thread cache of small blocks, because std's
/// takes one spinning lock for every call and a program's threads allocate at every step
/// (racelab-alloc's docs). Workers live as long as the page, so no thread's cache is lost.
#[global_allocator]
// SAFETY: the module's one cache.
#[allow(unsafe_code)]
static ALLOC: racelab_alloc::ThreadCache<std::alloc::System> =
    unsafe { racelab_alloc::ThreadCache::new(std::alloc::System) };

/// The control block of the run in flight (one run at a time per module instance).
static CONTROL: RunControl = RunControl::new();

/// Room for the panic message in the crash note, in bytes of UTF-8.
const CRASH_TEXT: usize = 500;

/// What the last panic said, for the page to read after the trap: `state` (0 none, 1 being
/// written, 2 written), `len`, then `len` bytes of UTF-8 text.
#[repr(C)]
struct CrashNote {
    state: AtomicU32,
    len: AtomicU32,
    text: [AtomicU8; CRASH_TEXT],
}

static CRASH: CrashNote = CrashNote {
    state: AtomicU32::new(0),
    len: AtomicU32::new(0),
    text: [const { AtomicU8::new(0) }; CRASH_TEXT],
};

impl CrashNote {
    /// Keeps the first panic's message: later ones are usually its consequences.
    fn record(&self, message: &str) {
        if self.state.compare_exchange(0, 1, SeqCst, SeqCst).is_err() {
            return;
        }
        let mut end = message.len().min(CRASH_TEXT);
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        for (slot, byte) in self.text.iter().zip(&message.as_bytes()[..end]) {
            slot.store(*byte, SeqCst);
        }
        self.len.store(end as u32, SeqCst);
        self.state.store(2, SeqCst);
    }
}

/// From the first call on, every panic, on any thread of the pool, leaves its message in the
/// crash note before it traps. The hook lives in shared memory, so the controller installs
/// it once for all; a `#[wasm_bindgen(start)]` function would run again in every pool
/// worker as it starts, which measurably slowed the pool's start.
fn note_panics() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| std::panic::set_hook(Box::new(|info| CRASH.record(&info.to_string()))));
}

/// Address in the shared memory of the crash note: `u32` state (2 = a panic was recorded),
/// `u32` length, then that many bytes of UTF-8 text.
#[wasm_bindgen(js_name = crashPtr)]
pub fn crash_ptr() -> u32 {
    std::ptr::addr_of!(CRASH) as u32
}

/// Test hook: spins on the controller forever, never looking at the cancel flag, like a run
/// that cannot be unwound. The browser specs use it to check that Stop still ends it (by
/// ending the runtime); nothing else calls it.
#[wasm_bindgen(js_name = hangForTest)]
pub fn hang_for_test() {
    loop {
        std::hint::spin_loop();
    }
}

/// Test hook: panics (a trap) on the controller (`on_pool` false) or, like a program's thread
/// failing mid-run, on a pool worker while the controller waits for it (`on_pool` true).
/// The browser specs use it to check that the page recovers; nothing else calls it.
#[wasm_bindgen(js_name = crashForTest)]
pub fn crash_for_test(on_pool: bool) {
    note_panics();
    if on_pool {
        rayon::scope(|s| s.spawn(|_| panic!("forced trap on a pool worker (test hook)")));
    } else {
        panic!("forced trap on the controller (test hook)");
    }
}

/// The rayon pool of Web Workers as a source of threads.
struct WorkerPool;

impl Spawn for WorkerPool {
    /// Every thread a program may have: past the pool's workers, more are made on demand.
    fn capacity(&self) -> usize {
        racelab::limits::MAX_PROGRAM_THREADS
    }

    fn spawn(&self, body: Box<dyn FnOnce() + Send + 'static>) -> Result<(), String> {
        // A program's thread keeps its worker until it ends. While the pool has a worker
        // free, the thread starts on it at once; past that, on a worker of its own (see
        // `more_threads`), made the first time a run needs that many.
        let pool = rayon::current_num_threads();
        if ON_POOL.fetch_add(1, SeqCst) < pool {
            rayon::spawn(move || {
                let _counted_out = OnPool;
                body();
            });
        } else {
            ON_POOL.fetch_sub(1, SeqCst);
            more_threads::spawn(body);
        }
        Ok(())
    }
}

/// A program's threads running on the rayon pool now.
static ON_POOL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Counts a program thread out of the pool when its body ends (or unwinds).
struct OnPool;

impl Drop for OnPool {
    fn drop(&mut self) {
        ON_POOL.fetch_sub(1, SeqCst);
    }
}

/// Program threads past the rayon pool's workers: Web Workers of their own, asked of the
/// page the first time a run needs them and kept (idle, waiting for the next thread) until
/// the runtime ends. The page makes them because it is never blocked, while the thread that
/// starts a program thread (the controller, or a pool worker) may be, and a worker a blocked
/// thread makes does not start until that thread yields. `www/runtime/thread.js` starts one:
/// it instantiates this module on the shared memory and calls [`thread_worker`].
mod more_threads {
    use std::collections::VecDeque;
    use std::sync::{Condvar, Mutex, PoisonError};

    use wasm_bindgen::prelude::*;

    type Job = Box<dyn FnOnce() + Send + 'static>;

    struct Waiting {
        jobs: VecDeque<Job>,
        /// Workers waiting for a job.
        idle: usize,
        /// Workers made or asked for, in the life of this module.
        asked: usize,
    }

    static WAITING: Mutex<Waiting> = Mutex::new(Waiting {
        jobs: VecDeque::new(),
        idle: 0,
        asked: 0,
    });
    static POSTED: Condvar = Condvar::new();

    #[wasm_bindgen(inline_js = "export function ask_for_worker(module, memory) { \
        self.postMessage({ type: 'grow', module, memory }); }")]
    extern "C" {
        /// Asks the page, from whichever worker this is, for one more thread worker.
        fn ask_for_worker(module: JsValue, memory: JsValue);
    }

    /// Runs `job` on a thread worker: an idle one, or one asked of the page now.
    pub(super) fn spawn(job: Job) {
        let mut w = WAITING.lock().unwrap_or_else(PoisonError::into_inner);
        w.jobs.push_back(job);
        // More jobs than idle workers can take: ask for one more (the program's thread
        // limit bounds how many a run can ever need).
        if w.jobs.len() > w.idle && w.asked < racelab::limits::MAX_PROGRAM_THREADS {
            w.asked += 1;
            ask_for_worker(wasm_bindgen::module(), wasm_bindgen::memory());
        }
        drop(w);
        POSTED.notify_one();
    }

    /// A thread worker's life: runs program threads, one at a time, as they come. Never
    /// returns.
    #[wasm_bindgen(js_name = threadWorker)]
    pub fn thread_worker() {
        loop {
            let job = {
                let mut w = WAITING.lock().unwrap_or_else(PoisonError::into_inner);
                w.idle += 1;
                while w.jobs.is_empty() {
                    w = POSTED.wait(w).unwrap_or_else(PoisonError::into_inner);
                }
                w.idle -= 1;
                w.jobs.pop_front()
            };
            if let Some(job) = job {
                job();
            }
        }
    }
}

/// Every demo (the built-in lessons) with its strategies, parameters (ranges, defaults) and
/// listings (its programs), as JSON (`racelab_lessons::catalog`).
#[wasm_bindgen]
pub fn catalog() -> Result<String, JsError> {
    Ok(racelab_lessons::catalog_json(builtin_lessons()?))
}

/// Every lesson (`www/lessons`, built in): its placements' programs, parameters (ranges,
/// defaults read from the programs) and invariants, as JSON.
#[wasm_bindgen]
pub fn lessons() -> Result<String, JsError> {
    racelab_lessons::Lessons::builtin()
        .map(|l| l.to_json())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// The built-in lessons, or why they did not load (a broken build's files).
fn builtin_lessons() -> Result<&'static racelab_lessons::Lessons, JsError> {
    racelab_lessons::Lessons::builtin().map_err(|e| JsError::new(&format!("lessons: {e}")))
}

/// Workers the pool starts with (a program's threads past them get workers of their own).
#[wasm_bindgen(js_name = maxThreads)]
pub fn max_threads() -> u32 {
    racelab::limits::MAX_THREADS as u32
}

/// Address in the shared memory of the run's [`racelab::control::Progress`] words, laid out
/// as [`control_layout`] says.
#[wasm_bindgen(js_name = controlPtr)]
pub fn control_ptr() -> u32 {
    std::ptr::addr_of!(CONTROL.progress) as u32
}

/// The layout of the words at [`control_ptr`]: a JSON object from each word's name
/// (`runSeq`, `done`, `total`, `violations`, `cancel`) to its index in a `Uint32Array`,
/// plus `words`, how many there are. The page reads by it rather than by a copy of it.
#[wasm_bindgen(js_name = controlLayout)]
pub fn control_layout() -> String {
    let words = racelab::control::Progress::WORDS;
    let mut layout: serde_json::Map<String, serde_json::Value> = words
        .iter()
        .enumerate()
        .map(|(i, name)| (name.to_string(), i.into()))
        .collect();
    layout.insert("words".into(), words.len().into());
    serde_json::Value::Object(layout).to_string()
}

/// Validates `config` (JSON), runs it and returns the Report as JSON: on the pool, or for
/// `executor: "stepped"` one operation at a time on this thread.
///
/// Blocks until the run ends; rejects an invalid config with a message naming the field,
/// the value and the allowed range. With `keep_events` false a traced run's report keeps
/// the trace's counts and explanations but not its events: a batch of runs measuring what
/// tracing costs need not ship megabytes of events per run to the page. `pool` says whether
/// the thread pool was started: a page that is not cross-origin isolated has none, and only
/// stepped runs work there.
#[wasm_bindgen]
pub fn run(config: &str, keep_events: bool, pool: bool) -> Result<String, JsError> {
    note_panics();
    let value: serde_json::Value = serde_json::from_str(config)
        .map_err(|e| JsError::new(&format!("config: is not valid JSON: {e}")))?;
    if ProgramConfig::is_program(&value) {
        let program =
            ProgramConfig::from_value(&value).map_err(|e| JsError::new(&e.to_string()))?;
        return Ok(run_program(&program, keep_events, pool, |r| r));
    }
    let lessons = builtin_lessons()?;
    let lesson =
        LessonRun::from_value(lessons, &value).map_err(|e| JsError::new(&e.to_string()))?;
    // A lesson's programs start threads: without the pool only a stepped run can go (a
    // program of one's own may need none, and says so itself if it starts one).
    if !pool && lesson.program.stepped.is_none() {
        return Err(JsError::new(
            "executor: real threads need a cross-origin isolated page (SharedArrayBuffer), \
             and this one is not; choose \"stepped\" to run one operation at a time",
        ));
    }
    Ok(run_program(&lesson.program, keep_events, pool, |r| {
        lesson.finish(r)
    }))
}

/// Keeps a traced run's counts and explanations but not its events (see [`run`]).
fn drop_events(report: &mut racelab::Report) {
    if let Some(trace) = report.trace.as_mut() {
        trace.events = Vec::new();
        trace.replay = Vec::new();
    }
}

/// A program's run (`{ program: "<source>", seed?, max_steps? }`, or a lesson's placement):
/// its main thread runs on this thread, the threads it starts on the pool (a program
/// without threads needs no pool). Stop and deadlocks go through [`CONTROL`], seen within
/// about a millisecond of the program's work. A program that does not compile is a report
/// with `outcome: "error"` and the error's line and column, not a refusal. `finish` makes
/// the program's report a lesson's.
fn run_program(
    program: &ProgramConfig,
    keep_events: bool,
    pool: bool,
    finish: impl FnOnce(racelab::Report) -> racelab::Report,
) -> String {
    let compiled = match program.compile() {
        Ok(compiled) => compiled,
        Err(e) => return program.refused(&e).to_json(),
    };
    CONTROL.begin(0);
    let mut options = program.options();
    options.threads = pool.then(|| SpawnRef(std::sync::Arc::new(WorkerPool)));
    options.control = Some(ControlRef::Static(&CONTROL));
    let mut report = finish(program.run_with(&compiled, options));
    if !keep_events {
        drop_events(&mut report);
    }
    report.to_json()
}

/// A program's exploration: every way its threads can take turns, each a stepped run on
/// one thread (on the pool's workers when one thread would narrow it); Stop ends the search
/// between runs and within one.
fn explore_program(value: &serde_json::Value, pool: bool) -> Result<String, JsError> {
    let search = racelab_lang::explore::ProgramSearch::from_value(value)
        .map_err(|e| JsError::new(&e.to_string()))?;
    CONTROL.begin(0);
    let mut options = search.program.options();
    options.threads = pool.then(|| SpawnRef(std::sync::Arc::new(WorkerPool)));
    options.control = Some(ControlRef::Static(&CONTROL));
    options.cancel = Some(racelab_lang::run::cancel_hook(|| CONTROL.is_cancelled()));
    Ok(search.explore(&options).to_json())
}

/// Validates an exploration config (JSON: a program's `{ program, seed?, budget? }`, or a
/// lesson's placement with its parameters and `budget`), searches its interleavings and
/// returns what it found as JSON: the program's threads on the pool, taking turns (see
/// `racelab_lang::explore`).
#[wasm_bindgen]
pub fn explore(config: &str, pool: bool) -> Result<String, JsError> {
    note_panics();
    let value: serde_json::Value = serde_json::from_str(config)
        .map_err(|e| JsError::new(&format!("config: is not valid JSON: {e}")))?;
    if ProgramConfig::is_program(&value) {
        return explore_program(&value, pool);
    }
    // A lesson's placement is explored as its program; the search's own field stays.
    let lessons = builtin_lessons()?;
    let mut value = value;
    let budget = value.as_object_mut().and_then(|o| o.remove("budget"));
    let lesson =
        LessonRun::from_value(lessons, &value).map_err(|e| JsError::new(&e.to_string()))?;
    let mut search = serde_json::json!({
        "program": lesson.program.source,
        "filename": lesson.program.filename,
        "seed": lesson.program.seed,
    });
    if let Some(budget) = budget {
        search["budget"] = budget;
    }
    explore_program(&search, pool)
}
