//! Executors: where scenario threads get their threads, and how their bodies are driven.
//!
//! Thread bodies are `async` functions over a [`Ctx`]; every shared read and write, lock and
//! processing delay is an await point. The parallel executor here polls each body to
//! completion on its own real thread, where every await is ready at once and locks block for
//! real, so the await points cost nothing. A stepped executor can drive the same bodies one
//! operation at a time on a single thread.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use web_time::Instant;

use crate::control::RunControl;
use crate::sync::{
    Abort, Barrier, Condition, ConditionGuard, Event, Lock, LockGuard, Semaphore, SemaphoreGuard,
    Waiter,
};
use crate::trace::{self, id_of, Op, Recorder};

/// A thread body ready to run: borrowed scenario state, boxed so any source of threads can
/// take it.
pub type Body<'s> = Box<dyn FnOnce() + Send + 's>;

/// A source of real threads: OS threads natively, a rayon pool of Web Workers in the browser.
pub trait Threads {
    /// How many bodies this source can run at once (each may block for as long as it likes).
    fn capacity(&self) -> usize;

    /// Runs every body, each on a thread of its own, and returns when all have finished.
    /// An `Err` says a body died (a panic) and in words why.
    fn run_all<'s>(&self, bodies: Vec<Body<'s>>) -> Result<(), String>;
}

/// Scoped OS threads: the native source of threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsThreads;

impl Threads for OsThreads {
    fn capacity(&self) -> usize {
        usize::MAX
    }

    fn run_all<'s>(&self, bodies: Vec<Body<'s>>) -> Result<(), String> {
        std::thread::scope(|s| {
            let handles: Vec<_> = bodies.into_iter().map(|b| s.spawn(b)).collect();
            let died = handles.into_iter().filter_map(|h| h.join().err()).count();
            match died {
                0 => Ok(()),
                n => Err(format!("{n} scenario thread(s) panicked")),
            }
        })
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
}

/// Progress is published in batches so that counting steps does not make every thread write
/// the same cache line on every step: at most this many steps, and about 1/200 of the run so
/// that a short run still moves the bar.
const PROGRESS_BATCH: u32 = 256;

impl<'r> Ctx<'r> {
    fn new(thread: usize, control: &'r RunControl, start: Instant) -> Self {
        Self {
            thread,
            control,
            start,
            unreported_steps: Cell::new(0),
            unreported_violations: Cell::new(0),
            progress_batch: (control.steps_total.load(Relaxed) / 200).clamp(1, PROGRESS_BATCH),
            spin_owed_ns: Cell::new(0),
            site: Cell::new(""),
            rec: if trace::COMPILED_IN {
                control.trace.recorder(thread, start)
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

    /// Marks the start of a temporarily invalid stretch (for traces): from here until
    /// [`Ctx::invalid_end`] the shared data breaks an invariant. Call it before the first
    /// write that breaks it.
    pub fn invalid_begin(&self) {
        self.trace(|| Op::InvalidBegin);
    }

    /// Marks the end of the invalid stretch: call it after the write that mends it.
    pub fn invalid_end(&self) {
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

    /// Time since the threads left the starting line, on one clock for every thread.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// [`Ctx::elapsed`] in milliseconds, as reports give times.
    pub fn now_ms(&self) -> f64 {
        self.elapsed().as_secs_f64() * 1e3
    }

    /// Reads a shared number. (Traced after the load: see [`crate::trace`] on order.)
    pub async fn load(&self, cell: &SharedInt) -> i64 {
        let value = cell.0.load(Relaxed);
        self.trace(|| Op::Read {
            obj: id_of(cell),
            value,
        });
        value
    }

    /// Writes a shared number. (Traced before the store.)
    pub async fn store(&self, cell: &SharedInt, value: i64) {
        self.trace(|| Op::Write {
            obj: id_of(cell),
            value,
        });
        cell.0.store(value, Relaxed);
    }

    /// Takes what `take` takes (a lock, a permit, a condition's lock) for this thread,
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
        self.take(id_of(lock), |w| lock.acquire(w))
    }

    /// Takes a permit of `sem`, waiting while none is free; the guard gives it back.
    pub async fn acquire<'l>(
        &self,
        sem: &'l Semaphore,
    ) -> Result<Held<'_, SemaphoreGuard<'l>>, Abort> {
        self.take(id_of(sem), |w| sem.acquire(w))
    }

    /// Waits until `event` is set.
    pub async fn wait_event(&self, event: &Event) -> Result<(), Abort> {
        let obj = id_of(event);
        self.trace(|| Op::Wait { obj });
        event.wait(&self.waiter())?;
        self.trace(|| Op::Wake { obj });
        Ok(())
    }

    /// Sets `event`, waking its waiters.
    pub async fn set_event(&self, event: &Event) {
        self.trace(|| Op::Signal { obj: id_of(event) });
        event.set();
    }

    /// Arrives at `barrier` and waits for every party; returns the arrival index.
    pub async fn wait_barrier(&self, barrier: &Barrier) -> Result<u32, Abort> {
        let obj = id_of(barrier);
        self.trace(|| Op::Wait { obj });
        let index = barrier.wait(&self.waiter())?;
        self.trace(|| Op::Wake { obj });
        Ok(index)
    }

    /// Takes `cond`'s lock (`with condition:`); the guard may wait and notify.
    pub async fn enter<'l>(
        &self,
        cond: &'l Condition,
    ) -> Result<Held<'_, ConditionGuard<'l>>, Abort> {
        self.take(id_of(cond), |w| cond.enter(w))
    }

    /// `condition.wait()`: gives the lock up until notified, and returns holding it again.
    /// A trace shows it as release, wait, wake, acquire.
    pub async fn wait_notified<'c, 'l>(
        &'c self,
        cond: &'l Condition,
        guard: Held<'c, ConditionGuard<'l>>,
    ) -> Result<Held<'c, ConditionGuard<'l>>, Abort> {
        let obj = id_of(cond);
        let guard = guard.into_inner();
        self.trace(|| Op::Release { obj });
        self.trace(|| Op::Wait { obj });
        let guard = cond.wait(guard, &self.waiter())?;
        self.trace(|| Op::Wake { obj });
        self.trace(|| Op::Acquire { obj });
        Ok(self.held(guard, obj))
    }

    /// `condition.notify()` on the condition `guard` holds.
    pub fn notify(&self, guard: &Held<'_, ConditionGuard<'_>>) {
        self.trace(|| Op::Signal { obj: guard.obj });
        guard.notify();
    }

    /// Simulated processing until `at` after the start (at once if that has passed).
    pub async fn work_until(&self, at: Duration) -> Result<(), Abort> {
        self.work(at.saturating_sub(self.elapsed())).await
    }

    /// Simulated processing of `d`: a busy wait when short (sleep is too coarse to model a
    /// few microseconds), a sleep in slices otherwise, giving up if the run is cancelled.
    pub async fn work(&self, d: Duration) -> Result<(), Abort> {
        if d.is_zero() {
            return Ok(());
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

/// A guard (of a lock, a permit, a condition) taken through a [`Ctx`]: it derefs to the
/// guard and, in a traced run, records the release when dropped. The release is recorded
/// before the guard lets go, so in the trace it always comes before the next owner's
/// acquire.
#[derive(Debug)]
pub struct Held<'c, G> {
    guard: Option<G>,
    rec: Option<&'c Recorder<'c>>,
    obj: usize,
}

impl<G> Held<'_, G> {
    /// The guard itself, its release no longer recorded (a condition's wait records its own).
    fn into_inner(mut self) -> G {
        self.rec = None;
        self.guard
            .take()
            .expect("a Held guard holds its guard until dropped")
    }
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
}

/// Most time the threads may take to all reach the starting line.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `n` copies of `body` (each told its thread index through its [`Ctx`]) at once on
/// `threads`, released together from a common starting line so that they really overlap.
pub fn run_parallel<'s, F, Fut>(
    threads: &dyn Threads,
    n: usize,
    control: &'s RunControl,
    body: F,
) -> RunEnd
where
    F: Fn(Ctx<'s>) -> Fut + Sync + 's,
    Fut: Future<Output = Result<(), Abort>>,
{
    if n > threads.capacity() {
        return RunEnd::Failed(format!(
            "the run needs {n} threads at once but only {} are available",
            threads.capacity()
        ));
    }
    let arrived = AtomicUsize::new(0);
    let start = OnceLock::new();
    let first_abort: Mutex<Option<Abort>> = Mutex::new(None);
    let start_failed = AtomicUsize::new(0);
    let (body, arrived, start, first_abort, start_failed) =
        (&body, &arrived, &start, &first_abort, &start_failed);
    let bodies: Vec<Body<'_>> = (0..n)
        .map(|i| {
            Box::new(move || {
                if !wait_at_start(arrived, n, control) {
                    start_failed.fetch_add(1, Relaxed);
                    return;
                }
                // The first thread over the line sets the clock every thread reads.
                let start = *start.get_or_init(Instant::now);
                if let Err(abort) = block_on(body(Ctx::new(i, control, start))) {
                    let mut first = first_abort.lock().unwrap_or_else(|e| e.into_inner());
                    first.get_or_insert(abort);
                }
            }) as Body<'_>
        })
        .collect();
    if let Err(why) = threads.run_all(bodies) {
        return RunEnd::Failed(why);
    }
    if start_failed.load(Relaxed) > 0 && !control.is_cancelled() {
        return RunEnd::Failed(format!(
            "only {} of {n} threads started within {}s; the thread pool is too small or busy",
            arrived.load(Relaxed),
            START_TIMEOUT.as_secs()
        ));
    }
    // A deadlock outranks the stops it caused in the other threads, whichever came first.
    if let Some(found) = control.waits.deadlock() {
        return RunEnd::Aborted(Abort::Deadlock(found));
    }
    let first = first_abort.lock().unwrap_or_else(|e| e.into_inner()).take();
    match first {
        Some(abort) => RunEnd::Aborted(abort),
        None if control.is_cancelled() => RunEnd::Aborted(Abort::Cancelled),
        None => RunEnd::Completed,
    }
}

/// The starting line: returns once all `n` threads have arrived (true), or gives up on
/// cancel or after [`START_TIMEOUT`] (false), so a too-small pool cannot hang a run.
fn wait_at_start(arrived: &AtomicUsize, n: usize, control: &RunControl) -> bool {
    arrived.fetch_add(1, Relaxed);
    let start = Instant::now();
    let mut spins = 0u32;
    while arrived.load(Relaxed) < n {
        if control.is_cancelled() || start.elapsed() > START_TIMEOUT {
            return false;
        }
        spins += 1;
        if spins < 1_000 {
            std::hint::spin_loop();
        } else {
            std::thread::sleep(Duration::from_micros(100));
        }
    }
    true
}

/// Polls a body whose awaits are all ready at once (the parallel executor's contract).
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        std::hint::spin_loop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::LockKind;

    #[test]
    fn unlocked_increments_from_many_threads_lose_updates_and_locked_ones_do_not() {
        let control = RunControl::new();
        let count = |locked: bool| {
            let x = SharedInt::new(0);
            let lock = Lock::new("lock", LockKind::Plain);
            let end = run_parallel(&OsThreads, 4, &control, |ctx| {
                let (x, lock) = (&x, &lock);
                async move {
                    // Long enough to overlap even if another test holds a core for a while.
                    for _ in 0..500_000 {
                        let _g = if locked {
                            Some(ctx.lock(lock).await?)
                        } else {
                            None
                        };
                        let v = ctx.load(x).await;
                        ctx.store(x, v + 1).await;
                    }
                    Ok(())
                }
            });
            assert_eq!(end, RunEnd::Completed);
            x.snapshot()
        };
        assert_eq!(count(true), 2_000_000);
        let lost = (0..10).filter(|_| count(false) < 2_000_000).count();
        assert!(
            lost >= 9,
            "unlocked increments lost updates in only {lost} of 10 runs"
        );
    }

    #[test]
    fn short_work_delays_last_about_as_long_as_asked() {
        let control = RunControl::new();
        let ctx = Ctx::new(0, &control, Instant::now());
        let start = Instant::now();
        for _ in 0..1000 {
            block_on(ctx.work(Duration::from_micros(20))).unwrap();
        }
        let took = start.elapsed();
        // 1000 x 20 µs = 20 ms; preemption on a busy machine only makes it longer.
        assert!(took >= Duration::from_millis(15), "took {took:?}");
        assert!(took <= Duration::from_millis(200), "took {took:?}");
    }

    #[test]
    fn asking_for_more_threads_than_available_fails_with_a_reason() {
        struct Two;
        impl Threads for Two {
            fn capacity(&self) -> usize {
                2
            }
            fn run_all<'s>(&self, _: Vec<Body<'s>>) -> Result<(), String> {
                unreachable!()
            }
        }
        let control = RunControl::new();
        let end = run_parallel(&Two, 3, &control, |_ctx| async { Ok(()) });
        assert!(matches!(end, RunEnd::Failed(why) if why.contains("3 threads")));
    }
}
