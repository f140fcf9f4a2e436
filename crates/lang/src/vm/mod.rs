//! racelab's VM: runs a compiled [`Program`] and reports what it printed, the exception
//! that ended it (with CPython's traceback text), the `check` violations and why it
//! stopped.
//!
//! # Design
//! - **Frames on the heap.** A Python call pushes a frame onto the thread's
//!   frame stack; the interpreter loop never recurses in Rust for a Python-to-Python call,
//!   a method call, `__init__`, a class body or `with`'s `__enter__`/`__exit__`. Built-ins
//!   that call back into Python (a `sorted` key, `__eq__` during `list.index`, `__str__`
//!   from `print`, `__lt__` while sorting, `map`/`filter` functions) re-enter the loop with
//!   a counted native depth, capped at [`interp::MAX_NATIVE_DEPTH`] levels and at
//!   [`RunOptions::native_stack_limit`] bytes of Rust stack (beyond either:
//!   `RecursionError`), so deep Python recursion can never overflow the Rust stack, even
//!   on a 1 MiB wasm thread stack. Dropping deeply nested values is iterative too
//!   ([`heap::release`]).
//! - **One thread's state in one struct** ([`interp::Interp`]: its value stack, frames,
//!   the exception being handled, its step budget). The loop runs until the module ends,
//!   an exception escapes, or the step budget is spent. Steps are counted exactly, but
//!   charged per straight-line segment (at jumps, calls, returns and exceptions).
//! - **Globals are slots** resolved at compile time: a plain `Vec` while one thread runs
//!   ([`shared::GlobalStore::Local`]), one `Mutex` per slot once threads share them
//!   ([`interp::Interp::share_globals`]). Locals are frame slots.
//! - **Shared operations through one seam** ([`shared`]): every read and write of a
//!   global, an attribute, or a list/dict element goes through a few methods there. In a
//!   real run they act directly; in a stepped run the thread takes its turn there first
//!   (`racelab::exec::turns`: the threads are real threads that take turns, so a thread
//!   simply blocks at the seam, inside a native callback such as a `sorted` key too).
//! - **Threads** ([`threads`], [`sync`]): one interpreter per Python thread, each on a
//!   real thread from the run's spawner, sharing the run's globals, output, checks and
//!   control block; their locks, events, queues... are the core's primitives.
//! - **Values are `Send + Sync`** ([`value::Value`]): ints and floats unboxed, everything
//!   else behind `Arc`, mutable containers behind a `Mutex` held for one operation and
//!   never while Python code runs (`list.index` snapshots, then compares).
//! - **Memory**: reference counting; cycles are not collected; a live-bytes estimate per
//!   run raises `MemoryError` past [`RunOptions::heap_budget`] (see [`heap`]; each thread
//!   settles with the shared counter every 64 KiB, so the budget is exact to that much).
//! - **Speed**: compact bytecode with superinstructions (`LoadFast2`, `BinaryInt`,
//!   `InplaceStore`, compare-and-jump), `for x in range(...)` on stack counters, fast
//!   paths for plain function and method calls, `list.append` and `dict.get`, `len` and
//!   `str`. Fused heads ([`crate::bytecode::fuse`]): the first instruction of a common
//!   sequence (`self.x`, `self.x += v`, `for i in range` with its store, `n - 1`,
//!   `n < 2`, `d[k] = v`) does the work of the whole sequence, reading locals in place
//!   (no reference-count traffic); the other instructions stay in place, so positions,
//!   lines, the exception table and step counts are those of the unfused code, and the
//!   shared-operation hook sees the same `pc` as without fusion. Method calls on
//!   instances use a per-thread cache (class identity and a global class epoch, bumped
//!   by every class attribute change, so another thread's change is seen), and each
//!   instance has a filter of the names ever set on it, so a method or class attribute
//!   read through it skips the instance lock.
//! - **Never panics**: checked arithmetic, checked indexing, a step budget.
//!
//! # Documented differences from CPython
//! - `int` is 64-bit: results outside it raise `OverflowError` (see `num`).
//! - `hash()` of strings differs (CPython randomizes it); ints, floats, tuples match.
//! - Generator expressions are evaluated eagerly into a list-backed iterator (only their
//!   results are observable in the supported subset: `sum(x for x in xs)`, `any(...)`).
//! - Set iteration order matches CPython for ints, floats and tuples of them; for strings
//!   it depends on CPython's random hashes anyway.
//! - Native callback nesting (a `__eq__` that triggers a `__eq__` that ...) is capped at
//!   [`interp::MAX_NATIVE_DEPTH`] levels; a repr of a structure nested deeper than
//!   [`interp::MAX_NATIVE_DEPTH`] raises `RecursionError`.
//! - A class that defines `__eq__` is unhashable; a user `__hash__` is not supported.
//! - `datetime.now()` is UTC (no time zone database).
//! - Built-in types cannot be subclassed (`class MyList(list)` raises `TypeError`);
//!   exception classes can.
//! - `random` draws come from xoshiro256** seeded by [`RunOptions::seed`], not CPython's
//!   Mersenne Twister (same seed, same draws, natively and in wasm).
//! - `float ** float` is correctly rounded, computed by racelab itself ([`crate::math`]) so
//!   that it gives the same bits natively and in wasm. CPython on Linux uses glibc's `pow`,
//!   which is not always correctly rounded: about 1 input in 1,200 of real-valued powers
//!   prints a different last digit (the test `math_pow_differential` measures it).
//! - Uncaught tracebacks omit CPython 3.11's `~~^~~` position markers.

pub mod builtins;
pub mod dict;
pub mod exceptions;
pub(crate) mod green;
pub mod heap;
pub mod interp;
pub mod methods;
pub mod modules;
pub mod names;
pub mod ops;
pub mod repr;
pub mod set;
pub mod shared;
pub mod stepview;
pub mod sync;
pub mod threads;
pub mod trace;
pub mod types;
pub mod value;

use std::sync::Arc;

use crate::bytecode;

/// How to run a program.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Seed of the `random` module.
    pub seed: u64,
    /// Stop after this many bytecode instructions (`None`: no limit).
    pub max_steps: Option<u64>,
    /// Heap budget in bytes: past it, allocations raise `MemoryError`.
    pub heap_budget: usize,
    /// Python's recursion limit (frames).
    pub recursion_limit: u32,
    /// Whether `time.sleep` really sleeps.
    pub real_sleep: bool,
    /// How much Rust stack nested native callbacks may use (bytes) before
    /// `RecursionError`: keeps a run safe on a 1 MiB wasm thread stack.
    pub native_stack_limit: usize,
    /// Where `time` and `datetime` get the time (`None`: the platform's clock,
    /// [`modules::StdClock`]); tests pass a fixed one.
    pub clock: Option<modules::ClockRef>,
    /// Asked every few tens of thousands of instructions whether to stop (the page's Stop);
    /// `None`: the run cannot be cancelled.
    pub cancel: Option<CancelRef>,
    /// Told of each `print` as it happens (the CLI writes the program's output as it
    /// goes); the run's result keeps every one too.
    pub on_print: Option<PrintRef>,
    /// Where `Thread.start()` gets its threads (`None`: a program that starts one gets
    /// `RuntimeError`). By default OS threads natively, none in wasm (the web build gives
    /// its worker pool).
    pub threads: Option<threads::SpawnRef>,
    /// The run's control block (its wait-for graph finds deadlocks; its cancel flag stops
    /// every thread). `None`: the run makes its own.
    pub control: Option<threads::ControlRef>,
    /// Record a trace of the run keeping its first this many events (see [`trace`]).
    pub trace: Option<u64>,
    /// Where a stepped run's threads take their turns when [`Self::threads`] offers real
    /// ones (see [`Stepping`]).
    pub stepping: Stepping,
}

/// Where a stepped run's threads take their turns.
///
/// A stepped run moves one thread at a time, so real threads buy it nothing but the
/// hand-off at every step (a context switch, about 10 µs natively; a turn through
/// `Atomics.wait` in the page): on one thread, each program thread an interpreter of its
/// own, the same run is ten times faster. Only a thread suspended inside a call further
/// down the one stack (a wait inside a `key=` function) cannot move there until that call
/// returns; such a run says it was narrowed, or refuses, and then needs real threads. A
/// traced run takes real threads from the start: on one thread its trace would lack a
/// Condition's wait and record a blocked thread's request only once it can move.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stepping {
    /// On one thread (untraced); again with real threads if that run was narrowed or
    /// refused. The report is the real threads' whenever it would differ.
    #[default]
    OneThreadFirst,
    /// With real threads taking turns (tests compare the two).
    RealThreads,
}

/// A hook told of each `print` as it happens.
#[derive(Clone)]
pub struct PrintRef(pub Arc<dyn Fn(&OutputLine) + Send + Sync>);

impl std::fmt::Debug for PrintRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrintRef")
    }
}

/// A cancel hook: returns true once the run should stop.
#[derive(Clone)]
pub struct CancelRef(pub Arc<dyn Fn() -> bool + Send + Sync>);

impl std::fmt::Debug for CancelRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CancelRef")
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: 0,
            max_steps: None,
            heap_budget: 256 << 20,
            recursion_limit: 1000,
            real_sleep: true,
            native_stack_limit: 256 << 10,
            clock: None,
            cancel: None,
            on_print: None,
            #[cfg(not(target_arch = "wasm32"))]
            threads: Some(threads::SpawnRef(Arc::new(racelab::OsThreads))),
            #[cfg(target_arch = "wasm32")]
            threads: None,
            control: None,
            trace: None,
            stepping: Stepping::default(),
        }
    }
}

/// One `print` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputLine {
    /// The thread that printed (0: the main thread).
    pub thread: usize,
    /// What was printed, without `end`.
    pub text: String,
    /// The `end` it was printed with (`"\n"` by default).
    pub end: String,
}

/// An exception that escaped a thread (the main thread's ends the program).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uncaught {
    /// The thread it escaped (0: the main thread).
    pub thread: usize,
    /// That thread's name (`MainThread`, `Thread-1 (worker)`).
    pub thread_name: String,
    /// Its class name (`ZeroDivisionError`, `InsufficientFunds`).
    pub type_name: String,
    /// `str(exc)`.
    pub message: String,
    /// The line where it was raised.
    pub line: u32,
    /// CPython's traceback text, ending with a newline (for a thread other than the main
    /// one, after CPython's "Exception in thread NAME:" line).
    pub traceback: String,
}

/// A `check(condition, name)` or an `assert` that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckFailure {
    /// The check's name (an `assert`'s: its statement, `assert total == 600`).
    pub name: String,
    /// Whether it was an `assert` (which also raised `AssertionError` in its thread).
    pub assert: bool,
    /// The line of the call.
    pub line: u32,
    /// The thread that made it.
    pub thread: usize,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct RunResult {
    /// Every `print`, in order.
    pub output: Vec<OutputLine>,
    /// The exception that ended the program, if one did.
    pub exception: Option<Uncaught>,
    /// Exceptions that escaped other threads, in the order they did.
    pub thread_exceptions: Vec<Uncaught>,
    /// The wait-for cycle that ended the run, if the threads deadlocked.
    pub deadlock: Option<racelab::sync::Deadlock>,
    /// Threads the run had, the main thread included.
    pub threads: usize,
    /// The module's simple globals at the end (see the report's `final`).
    pub globals: serde_json::Map<String, serde_json::Value>,
    /// Failed `check`s and `assert`s, the first 10,000 of a run.
    pub checks: Vec<CheckFailure>,
    /// Failures after those, counted by name (lines and threads not kept).
    pub more_checks: Vec<(String, u64)>,
    /// Why the run was stopped early (step budget, or the cancel hook), if it was.
    pub stopped: Option<String>,
    /// Whether it was the cancel hook that stopped it.
    pub cancelled: bool,
    /// Instructions executed.
    pub steps: u64,
    /// What every thread did, when the run was traced ([`RunOptions::trace`]).
    pub trace: Option<racelab::Trace>,
    /// A stepped run's steps by name and value, and its shared data (see [`stepview`]).
    pub step_view: Option<stepview::StepView>,
}

impl RunResult {
    /// Standard output as CPython would write it.
    pub fn stdout(&self) -> String {
        let mut s = String::new();
        for line in &self.output {
            s.push_str(&line.text);
            s.push_str(&line.end);
        }
        s
    }

    /// Standard error as CPython would write it: each thread's exception (CPython's
    /// "Exception in thread ...", without the frames of `threading.py` itself), then the
    /// main thread's traceback.
    pub fn stderr(&self) -> String {
        let mut s = String::new();
        for e in &self.thread_exceptions {
            s.push_str(&e.traceback);
        }
        if let Some(e) = &self.exception {
            s.push_str(&e.traceback);
        }
        s
    }
}

/// A compiled program, ready to run any number of times.
#[derive(Clone)]
pub struct Program {
    pub(crate) module: Arc<bytecode::Module>,
}

impl Program {
    /// Wraps a compiled module.
    pub fn new(module: bytecode::Module) -> Program {
        Program {
            module: Arc::new(module),
        }
    }

    /// Runs the program on this thread.
    pub fn run(&self, options: &RunOptions) -> RunResult {
        let account = Arc::new(heap::RunAccount::acquire(options.heap_budget));
        let guard = account.enter();
        let control = options
            .control
            .clone()
            .unwrap_or_else(|| threads::ControlRef::Shared(Arc::new(racelab::RunControl::new())));
        let shared = threads::RunShared::new(control, options.threads.clone(), account.clone());
        let shared = match options.trace {
            Some(limit) => {
                let stepped = shared.control.turns.is_active();
                shared.traced(trace::RunTrace::new(limit, stepped))
            }
            None => shared,
        };
        if shared.control.turns.is_one_thread() {
            shared
                .control
                .turns
                .set_run_others(Some(green::run_others(&shared)));
        }
        let result = {
            let mut it = interp::Interp::new(self.module.clone(), options.clone(), shared.clone());
            it.run_main()
        };
        shared.control.turns.set_run_others(None);
        drop(shared);
        drop(guard);
        result
    }

    /// A listing of the bytecode (for debugging).
    pub fn disassemble(&self) -> String {
        self.module.code.disassemble()
    }
}
