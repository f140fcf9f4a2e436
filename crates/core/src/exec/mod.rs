//! Executors: where scenario threads get their threads, and how their bodies are driven.
//!
//! Thread bodies are `async` functions over a [`Ctx`]; every shared read and write, lock and
//! processing delay is an await point. Two executors drive the same bodies:
//! - [`parallel`]: each body polled to completion on its own real thread, where every await
//!   is ready at once and locks block for real, so the await points cost nothing;
//! - [`stepped`]: every body on one thread, one operation at a time, in an order a schedule
//!   or a seeded scheduler chooses. No shared memory needed, and the same seed gives the
//!   same run.

pub mod parallel;
pub mod scheduler;
pub mod stepped;
pub mod turns;

use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};
use std::time::Duration;

use web_time::Instant;

use crate::control::RunControl;
use crate::sync::{Abort, Lock, LockGuard, Waiter};
use crate::trace::{self, id_of, Op, Recorder};

pub use parallel::{run_parallel, Body, OsThreads, Spawn, Threads};
pub use scheduler::{Choice, Scheduler};
pub use stepped::{SharedRow, StepGate, StepKind, StepPlan, StepReport};
use stepped::{Turn, Wants};

/// How a run's threads are driven.
#[derive(Clone, Copy)]
pub enum Exec<'a> {
    /// On real threads, all at once.
    Parallel(&'a dyn Threads),
    /// One operation at a time on this thread, as the plan says.
    Stepped(&'a StepPlan),
}

impl Exec<'_> {
    /// Runs `n` copies of `body` (each told its thread index through its [`Ctx`]) and says
    /// how they ended and how long they took: wall-clock time in parallel, one microsecond
    /// a step when stepped.
    pub fn run<'s, 'b, F, Fut>(
        &self,
        n: usize,
        control: &'s RunControl,
        body: F,
    ) -> (RunEnd, Duration)
    where
        F: Fn(Ctx<'s>) -> Fut + Sync + 's,
        Fut: Future<Output = Result<(), Abort>> + 'b,
    {
        match self {
            Exec::Parallel(threads) => {
                let started = Instant::now();
                let end = run_parallel(*threads, n, control, body);
                (end, started.elapsed())
            }
            Exec::Stepped(plan) => {
                let end = stepped::run::run_stepped(plan, n, control, body);
                (end, Duration::from_micros(control.steps.steps()))
            }
        }
    }
}

/// A number shared between scenario threads, read and written as the lessons' Python does.
///
/// Loads and stores are relaxed atomics: racing on them is defined behaviour in Rust, yet a
/// read followed by a write is *not* atomic, so `x -= 1` from two threads can lose an update
/// exactly as `self.balance -= amount` does in Python.
#[derive(Debug, Default)]
pub struct SharedInt(AtomicI64);

impl SharedInt {
    /// A shared number starting at `v`.
    pub fn new(v: i64) -> Self {
        Self(AtomicI64::new(v))
    }

    /// The value once no thread is running (for final states and tests).
    pub fn snapshot(&self) -> i64 {
        self.0.load(Relaxed)
    }
}

/// What a thread body sees of the run: who it is, and the operations it may await.
#[derive(Debug)]
pub struct Ctx<'r> {
    thread: usize,
    control: &'r RunControl,
    /// When the threads left the starting line: the zero of every thread's clock.
    start: Instant,
    unreported_steps: Cell<u32>,
    unreported_violations: Cell<u32>,
    progress_batch: u32,
    /// Short processing time still owed (positive) or already over-served (negative), in
    /// nanoseconds: see [`Ctx::spin_for`].
    spin_owed_ns: Cell<i64>,
    /// Where in the listing the thread is, as far as the scenario said: see [`Ctx::at`].
    site: Cell<&'static str>,
    /// This thread's trace, when the run is traced.
    rec: Option<Recorder<'r>>,
    /// Whether the run is stepped: every operation then waits for its turn first.
    stepped: bool,
}

/// Progress is published in batches so that counting steps does not make every thread write
/// the same cache line on every step: at most this many steps, and about 1/200 of the run so
/// that a short run still moves the bar.
const PROGRESS_BATCH: u32 = 256;

impl<'r> Ctx<'r> {
    pub(crate) fn new(thread: usize, control: &'r RunControl, start: Instant) -> Self {
        let stepped = control.steps.is_active();
        Self {
            thread,
            control,
            start,
            unreported_steps: Cell::new(0),
            unreported_violations: Cell::new(0),
            // A stepped run counts violations at once: the step that saw one is the point
            // of the story.
            progress_batch: if stepped {
                1
            } else {
                (control.progress.steps_total.load(Relaxed) / 200).clamp(1, PROGRESS_BATCH)
            },
            spin_owed_ns: Cell::new(0),
            site: Cell::new(""),
            stepped,
            rec: if trace::COMPILED_IN {
                control
                    .trace
                    .recorder(thread, start, stepped.then_some(&control.steps))
            } else {
                None
            },
        }
    }

    /// Records `op` if the run is traced. The closure keeps building the event off the
    /// untraced path; without the `trace` feature the whole call compiles away.
    #[inline(always)]
    fn trace(&self, op: impl FnOnce() -> Op) {
        if trace::COMPILED_IN {
            if let Some(rec) = &self.rec {
                rec.record(op());
            }
        }
    }

    /// `guard`, recording its release (if traced) when it is dropped.
    fn held<G>(&self, guard: G, obj: usize) -> Held<'_, G> {
        Held {
            guard: Some(guard),
            rec: self.rec.as_ref().filter(|_| trace::COMPILED_IN),
            obj,
        }
    }

    /// In a stepped run, waits for this thread's turn to do `kind` on `obj`; ready at once
    /// otherwise. One concrete future (not an `async fn`), so the bodies' state machines
    /// and the wasm stay small.
    #[inline(always)]
    fn turn<'a>(&'a self, kind: StepKind, obj: usize, wants: Wants<'a>) -> Turn<'a> {
        Turn::new(
            self.stepped.then_some(&self.control.steps),
            self.thread,
            kind,
            obj,
            &self.site,
            wants,
        )
    }

    /// In a stepped run, records the value this step read or wrote.
    #[inline(always)]
    fn saw(&self, value: i64) {
        if self.stepped {
            self.control.steps.saw(value);
        }
    }

    /// Marks the start of a temporarily invalid stretch (for traces): from here until
    /// [`Ctx::invalid_end`] the shared data breaks an invariant. Call it before the first
    /// write that breaks it.
    pub fn invalid_begin(&self) {
        if self.stepped {
            self.control.steps.mark_invalid(self.thread, true);
        }
        self.trace(|| Op::InvalidBegin);
    }

    /// Marks the end of the invalid stretch: call it after the write that mends it.
    pub fn invalid_end(&self) {
        if self.stepped {
            self.control.steps.mark_invalid(self.thread, false);
        }
        self.trace(|| Op::InvalidEnd);
    }

    /// Marks the start of an audit (for traces): call it before the audit's first read.
    pub fn audit_begin(&self) {
        self.trace(|| Op::AuditBegin);
    }

    /// Marks the end of an audit that saw the total `value`, all invariants holding or not.
    pub fn audit_end(&self, value: i64, held: bool) {
        self.trace(|| Op::Audit { value, held });
    }

    /// Records an invariant checked on the spot (for traces).
    pub fn check(&self, invariant: &'static str, value: i64, held: bool) {
        self.trace(|| Op::Check {
            invariant,
            value,
            held,
        });
    }

    /// Says where in the listing the thread is about to be: `site` is a fragment of that
    /// line's text (`"with src.lock:"`). A deadlock report points at the line where each
    /// thread of the cycle waits. It costs one store to a thread-local cell.
    pub fn at(&self, site: &'static str) {
        self.site.set(site);
    }

    fn waiter(&self) -> Waiter<'r> {
        Waiter::new(self.thread, self.control).at(self.site.get())
    }

    /// This thread's index, from 0.
    pub fn thread(&self) -> usize {
        self.thread
    }

    /// Time since the threads left the starting line, on one clock for every thread (in a
    /// stepped run, one microsecond a step).
    pub fn elapsed(&self) -> Duration {
        if self.stepped {
            Duration::from_micros(self.control.steps.steps())
        } else {
            self.start.elapsed()
        }
    }

    /// [`Ctx::elapsed`] in milliseconds, as reports give times.
    pub fn now_ms(&self) -> f64 {
        self.elapsed().as_secs_f64() * 1e3
    }

    /// Reads a shared number. (Traced after the load: see [`crate::trace`] on order.)
    pub async fn load(&self, cell: &SharedInt) -> i64 {
        self.turn(StepKind::Read, id_of(cell), Wants::Nothing).await;
        let value = cell.0.load(Relaxed);
        self.saw(value);
        self.trace(|| Op::Read {
            obj: id_of(cell),
            value,
        });
        value
    }

    /// Writes a shared number. (Traced before the store.)
    pub async fn store(&self, cell: &SharedInt, value: i64) {
        self.turn(StepKind::Write, id_of(cell), Wants::Nothing)
            .await;
        self.saw(value);
        let store = || cell.0.store(value, Relaxed);
        if trace::COMPILED_IN {
            if let Some(rec) = &self.rec {
                let obj = id_of(cell);
                return rec.record_around(Op::Write { obj, value }, store);
            }
        }
        store();
    }

    /// Takes what `take` takes (a lock) for this thread,
    /// traced as a request, then an acquire once it is held.
    fn take<G>(
        &self,
        obj: usize,
        take: impl FnOnce(&Waiter<'r>) -> Result<G, Abort>,
    ) -> Result<Held<'_, G>, Abort> {
        self.trace(|| Op::Request { obj });
        let guard = take(&self.waiter())?;
        self.trace(|| Op::Acquire { obj });
        Ok(self.held(guard, obj))
    }

    /// Takes `lock`, waiting while another thread holds it; the guard releases it.
    pub async fn lock<'l>(&self, lock: &'l Lock) -> Result<Held<'_, LockGuard<'l>>, Abort> {
        self.turn(StepKind::Acquire, id_of(lock), Wants::On(lock))
            .await;
        self.take(id_of(lock), |w| lock.acquire(w))
    }

    /// Simulated processing of `d`: a busy wait when short (sleep is too coarse to model a
    /// few microseconds), a sleep in slices otherwise, giving up if the run is cancelled.
    pub async fn work(&self, d: Duration) -> Result<(), Abort> {
        // A stepped run's time is its steps: what other threads do meanwhile is up to the
        // schedule, not to a clock.
        if d.is_zero() || self.stepped {
            return self.check_cancel();
        }
        if d < Duration::from_millis(1) {
            self.spin_for(d);
            return Ok(());
        }
        let start = Instant::now();
        loop {
            self.check_cancel()?;
            let left = d.saturating_sub(start.elapsed());
            if left.is_zero() {
                return Ok(());
            }
            std::thread::sleep(left.min(Duration::from_millis(20)));
        }
    }

    /// Busy-waits `d`, exactly on average even where the clock is coarse.
    ///
    /// Browsers coarsen `performance.now()` (5 µs when cross-origin isolated), so waiting
    /// until the clock shows `d` would turn every 2 µs delay into 5 µs on wasm but not
    /// natively. Instead each thread keeps a balance: a delay adds `d` to what is owed, the
    /// thread spins until the clock shows at least that much, and what it waited beyond is
    /// credit against the next delay. Over many delays the total is what was asked, whatever
    /// the clock's resolution or the speed of the code (a wasm engine swaps in faster code
    /// mid-run, so nothing here may depend on a measured loop rate).
    fn spin_for(&self, d: Duration) {
        // Credit is capped so that a long preemption does not cancel many later delays.
        const MAX_CREDIT_NS: i64 = 100_000;
        let owed = self.spin_owed_ns.get().saturating_add(d.as_nanos() as i64);
        if owed <= 0 {
            self.spin_owed_ns.set(owed);
            return;
        }
        let start = Instant::now();
        let waited = loop {
            let waited = start.elapsed().as_nanos() as i64;
            if waited >= owed {
                break waited;
            }
            std::hint::spin_loop();
        };
        self.spin_owed_ns.set((owed - waited).max(-MAX_CREDIT_NS));
    }

    /// Fails with [`Abort::Cancelled`] once the run has been asked to stop, or halted by a
    /// deadlock another thread found.
    pub fn check_cancel(&self) -> Result<(), Abort> {
        if self.control.should_stop() {
            Err(Abort::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Counts one finished step and the violations it saw, for the live progress.
    pub fn step_done(&self, violations: u32) {
        let steps = self.unreported_steps.get() + 1;
        self.unreported_steps.set(steps);
        self.unreported_violations
            .set(self.unreported_violations.get() + violations);
        if steps >= self.progress_batch {
            self.flush_progress();
        }
    }

    fn flush_progress(&self) {
        self.control.add_progress(
            self.unreported_steps.replace(0),
            self.unreported_violations.replace(0),
        );
    }
}

impl Drop for Ctx<'_> {
    fn drop(&mut self) {
        self.flush_progress();
    }
}

/// A guard (of a lock) taken through a [`Ctx`]: it derefs to the
/// guard and, in a traced run, records the release when dropped. The release is recorded
/// before the guard lets go, so in the trace it always comes before the next owner's
/// acquire.
#[derive(Debug)]
pub struct Held<'c, G> {
    guard: Option<G>,
    rec: Option<&'c Recorder<'c>>,
    obj: usize,
}

impl<G> std::ops::Deref for Held<'_, G> {
    type Target = G;

    fn deref(&self) -> &G {
        self.guard
            .as_ref()
            .expect("a Held guard holds its guard until dropped")
    }
}

impl<G> Drop for Held<'_, G> {
    fn drop(&mut self) {
        if let Some(rec) = self.rec {
            rec.record(Op::Release { obj: self.obj });
        }
        drop(self.guard.take());
    }
}

/// How a parallel run ended, before the scenario turns it into a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    /// Every thread finished its body.
    Completed,
    /// At least one thread stopped early, for the first reason given.
    Aborted(Abort),
    /// The threads could not be run or one died.
    Failed(String),
    /// A stepped run stopped where its schedule ended, as asked: nothing is finished.
    Paused,
}
