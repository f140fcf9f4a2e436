//! `Lock` and `RLock`: one type, told apart by [`LockKind`].

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use std::time::Duration;

use web_time::Instant;

use super::graph::Blocker;
use super::{inner, Abort, Awaited, Deadlock, WaitEdge, Waiter, WAIT_POLL};
use crate::exec::stepped::StepKind;
use crate::trace::EventOp;

/// Whether a lock may be taken again by the thread that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// Like `threading.Lock`: taking it twice from one thread never returns.
    Plain,
    /// Like `threading.RLock`: the holder may take it again; it is free after as many
    /// releases as acquires.
    Reentrant,
}

/// Who owns a lock and how often it has changed hands, in one word, so that taking a free
/// lock and giving it back are one compare-and-swap each, with no mutex: the bits below
/// [`Word::EPOCH`] are the owner's thread plus one (zero: free), the bits above count
/// changes of owner, so the deadlock detector can tell that an owner it read twice held
/// the lock throughout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Word(u64);

impl Word {
    const EPOCH: u32 = 16;
    const OWNER: u64 = (1 << Self::EPOCH) - 1;

    fn owner(self) -> Option<usize> {
        match self.0 & Self::OWNER {
            0 => None,
            o => Some(o as usize - 1),
        }
    }

    fn epoch(self) -> u64 {
        self.0 >> Self::EPOCH
    }

    /// The next word: `owner` owns it (or nobody), one change of owner later.
    fn handed_to(self, owner: Option<usize>) -> Word {
        let o = owner.map_or(0, |t| t as u64 + 1);
        debug_assert!(
            o <= Self::OWNER,
            "thread {owner:?} does not fit a lock word"
        );
        Word(((self.epoch() + 1) << Self::EPOCH) | o)
    }
}

/// How long one waiter spins for a held lock before it sleeps.
///
/// Sleeping (a futex wait natively, `Atomics.wait` in the page) and being woken costs two
/// context switches and a system call on the releasing side, tens of microseconds in a
/// browser, while a lesson's critical sections last a few: a lock passed between busy
/// threads changed hands through the kernel every time. Now one waiter spins and takes the
/// lock the moment it is free and wakes a sleeper to spin next; the others sleep, and a
/// release wakes one of them when nobody spins (they also look every [`WAIT_POLL`]). One
/// spinner at most, so that with more threads than cores spinners never crowd out the
/// holder.
const SPIN_FOR: Duration = Duration::from_micros(50);

/// What the wait-for graph shares of a lock: its name and who owns it.
#[derive(Debug)]
pub(super) struct LockCore {
    pub(super) name: String,
    kind: LockKind,
    word: AtomicU64,
    /// How many times the owner holds it (only the owner writes it).
    depth: AtomicU32,
    /// Threads asleep (or about to sleep) on `freed`.
    sleepers: AtomicU32,
    /// Whether a waiter is spinning for the lock.
    spinning: AtomicBool,
    /// Only for sleeping on `freed`: the lock's state is `word`.
    park: Mutex<()>,
    freed: Condvar,
}

impl LockCore {
    fn word(&self) -> Word {
        Word(self.word.load(Ordering::SeqCst))
    }

    /// Takes the lock for `thread` if it is free.
    fn try_take(&self, thread: usize, depth: u32) -> bool {
        let mut w = self.word();
        while w.owner().is_none() {
            match self.word.compare_exchange_weak(
                w.0,
                w.handed_to(Some(thread)).0,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => {
                    self.depth.store(depth, Ordering::Relaxed);
                    return true;
                }
                Err(now) => w = Word(now),
            }
        }
        false
    }

    /// Frees the lock, whoever held it, and wakes a sleeper unless a spinner will take it.
    /// `Err` if it was free.
    fn free(&self) -> Result<(), ()> {
        let mut w = self.word();
        loop {
            if w.owner().is_none() {
                return Err(());
            }
            match self.word.compare_exchange_weak(
                w.0,
                w.handed_to(None).0,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => break,
                Err(now) => w = Word(now),
            }
        }
        if !self.spinning.load(Ordering::SeqCst) {
            self.wake_a_sleeper();
        }
        Ok(())
    }

    /// Spins for the lock, if no other thread does, until it takes it (true), [`SPIN_FOR`]
    /// has passed or the run stops.
    fn spin_to_take(&self, thread: usize, depth: u32, waiter: &Waiter<'_>) -> bool {
        if self.spinning.swap(true, Ordering::SeqCst) {
            return false;
        }
        let start = Instant::now();
        let taken = 'spin: loop {
            for _ in 0..64 {
                if self.try_take(thread, depth) {
                    self.wake_a_sleeper();
                    break 'spin true;
                }
                std::hint::spin_loop();
            }
            if start.elapsed() >= SPIN_FOR || waiter.stop_reason().is_some() {
                break false;
            }
        };
        // A release that saw this spinner did not wake a sleeper: this thread looks at
        // the word once more (in `take_or_sleep`) after it stops spinning.
        self.spinning.store(false, Ordering::SeqCst);
        taken
    }

    /// Wakes one sleeper, if any: after a release nobody spins for, and after a spinner took
    /// the lock, so that the woken thread spins for it next.
    ///
    /// Without the second, the thread that just released the lock comes back and spins
    /// while the new owner works, two threads pass the lock between them, and the others
    /// sleep until their poll. A lesson needs every waiter in play: in the bank's
    /// check-outside program at its defaults, a check made outside the lock went stale (a
    /// balance negative) in 5 of 20 native runs with the spinning kept, 19 of 20 with it
    /// handed on, as with the sleeping lock before this one. The price is a wake for each
    /// contended acquire.
    fn wake_a_sleeper(&self) {
        // A sleeper counts itself before it last looks at the word (both SeqCst): either
        // it sees the lock free, or this sees it and wakes it.
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            // Taking and dropping `park` orders this after a sleeper's last look at the
            // word; notifying after dropping it spares the woken thread from waking only
            // to wait for `park` while this thread still holds it.
            drop(inner(&self.park));
            self.freed.notify_one();
        }
    }

    /// Takes the lock, or sleeps until it is freed, for at most `left`: true if taken.
    fn take_or_sleep(&self, thread: usize, depth: u32, left: Duration) -> bool {
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        let park = inner(&self.park);
        let taken = self.try_take(thread, depth) || {
            let (_park, _) = self
                .freed
                .wait_timeout(park, left)
                .unwrap_or_else(PoisonError::into_inner);
            self.try_take(thread, depth)
        };
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        taken
    }
}

impl Awaited for LockCore {
    fn ready_for(&self, thread: usize) -> bool {
        match self.word().owner() {
            None => true,
            Some(o) => o == thread && self.kind == LockKind::Reentrant,
        }
    }

    fn owner(&self) -> Option<(usize, u64)> {
        let w = self.word();
        w.owner().map(|o| (o, w.epoch()))
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn describe(&self) -> String {
        match self.word().owner() {
            Some(o) => format!("waits for {}, which thread {o} holds", self.name),
            None => format!("waits for {}", self.name),
        }
    }

    fn is_held(&self) -> bool {
        true
    }
}

/// A lock (plain or reentrant) that records its owner. Clones are the same lock.
#[derive(Debug, Clone)]
pub struct Lock {
    core: Arc<LockCore>,
}

impl Lock {
    /// A free lock called `name` (the name appears in listings and deadlock reports).
    pub fn new(name: impl Into<String>, kind: LockKind) -> Self {
        Self {
            core: Arc::new(LockCore {
                name: name.into(),
                kind,
                word: AtomicU64::new(0),
                depth: AtomicU32::new(0),
                sleepers: AtomicU32::new(0),
                spinning: AtomicBool::new(false),
                park: Mutex::new(()),
                freed: Condvar::new(),
            }),
        }
    }

    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.core.name
    }

    /// Takes the lock for the waiter's thread, blocking (for real) while another thread
    /// holds it.
    ///
    /// A plain lock asked for again by its holder would block forever; that is reported at
    /// once as a one-thread [`Deadlock`] instead. While blocked, the waiter looks for a
    /// wait-for cycle through itself every [`WAIT_POLL`] (see [`super::WaitGraph`]). (The
    /// tests' way in; a program's thread goes through [`Lock::acquire_for`].)
    #[cfg(test)]
    pub(crate) fn acquire(&self, waiter: &Waiter<'_>) -> Result<LockGuard<'_>, Abort> {
        self.acquire_depth(waiter, 1)?;
        Ok(LockGuard {
            lock: self,
            thread: waiter.thread,
        })
    }

    fn acquire_depth(&self, waiter: &Waiter<'_>, depth: u32) -> Result<(), Abort> {
        let thread = waiter.thread;
        let core = &*self.core;
        if core.word().owner() == Some(thread) {
            return match core.kind {
                LockKind::Reentrant => {
                    core.depth.fetch_add(depth, Ordering::Relaxed);
                    Ok(())
                }
                LockKind::Plain => Err(waiter.deadlocked(Deadlock {
                    waiting: Vec::new(),
                    cycle: vec![WaitEdge {
                        thread,
                        holds: vec![core.name.clone()],
                        waits_for: core.name.clone(),
                        line: waiter.line,
                    }],
                })),
            };
        }
        waiter.note(
            EventOp::Request {
                obj: self.trace_id(),
            },
            false,
        );
        if waiter.turns.is_active() {
            // A stepped program: taking a lock is a step even when it is free (others may
            // come first), and a thread waiting for it is chosen again once it is free.
            loop {
                self.step_for(waiter, true)?;
                if core.try_take(thread, depth) {
                    break;
                }
            }
        } else if !core.try_take(thread, depth) && !core.spin_to_take(thread, depth, waiter) {
            self.wait_to_take(waiter, depth)?;
        }
        // Taking a lock one does not hold is a step when stepped (see above).
        waiter.note(
            EventOp::Acquire {
                obj: self.trace_id(),
            },
            true,
        );
        Ok(())
    }

    /// The lock's identity in a trace.
    pub fn trace_id(&self) -> usize {
        super::trace_id(&self.core)
    }

    /// In a stepped program: gives the turn back until this thread may take the lock
    /// (`blocking`), or for one step (a timed acquire, which then looks once).
    fn step_for(&self, waiter: &Waiter<'_>, blocking: bool) -> Result<(), Abort> {
        waiter.turns.wait_on(
            waiter.thread,
            StepKind::Acquire,
            Some(self.core.name.clone()),
            waiter.line,
            blocking.then(|| Arc::clone(&self.core) as Blocker),
            waiter.run,
            waiter.can_yield,
        )
    }

    /// Sleeps until the lock is taken for this thread, giving up when the run stops or when
    /// this thread turns out to be in a wait-for cycle.
    ///
    /// Most waits last microseconds; only one that outlasts a whole [`WAIT_POLL`] can be
    /// part of a deadlock, so the thread enters the wait-for graph then, not before: short
    /// waits (the hot path of every contended lock) never touch the graph.
    fn wait_to_take(&self, waiter: &Waiter<'_>, depth: u32) -> Result<(), Abort> {
        let core = &*self.core;
        let mut in_graph: Option<InGraph<'_>> = None;
        loop {
            if let Some(abort) = waiter.stop_reason() {
                return Err(abort);
            }
            let asleep = Instant::now();
            if core.take_or_sleep(waiter.thread, depth, WAIT_POLL) {
                return Ok(());
            }
            if asleep.elapsed() >= WAIT_POLL {
                // The graph's walk reads other locks' owners; this lock is not held here.
                in_graph.get_or_insert_with(|| InGraph::enter(waiter, &self.core));
                if let Some(cycle) = waiter.graph().find_cycle(waiter.thread) {
                    return Err(waiter.deadlocked(cycle));
                }
            }
            // Woken (or timed out) and the lock was taken again meanwhile: spin for it if
            // nobody does, before sleeping again.
            if core.spin_to_take(waiter.thread, depth, waiter) {
                return Ok(());
            }
        }
    }

    /// Python's `lock.acquire(blocking, timeout)` for the waiter's thread, held until
    /// [`Lock::release_by`]: `timeout` `None` waits as long as it takes (such a wait can be
    /// part of a deadlock, found as [`Lock::acquire`] finds it); `Some(d)` gives up after
    /// `d` (zero: takes it only if free now), and so never deadlocks. `Ok(false)`: it timed
    /// out.
    pub fn acquire_for(
        &self,
        waiter: &Waiter<'_>,
        timeout: Option<Duration>,
    ) -> Result<bool, Abort> {
        let Some(timeout) = timeout else {
            return self.acquire_depth(waiter, 1).map(|()| true);
        };
        let deadline = Instant::now().checked_add(timeout);
        let obj = self.trace_id();
        waiter.note(EventOp::Request { obj }, false);
        // A timed acquire is one step when stepped, taken or not.
        let taken = self.acquire_timed(waiter, deadline)?;
        let op = match taken {
            true => EventOp::Acquire { obj },
            false => EventOp::Wake { obj },
        };
        waiter.note(op, true);
        Ok(taken)
    }

    fn acquire_timed(&self, waiter: &Waiter<'_>, deadline: Option<Instant>) -> Result<bool, Abort> {
        let thread = waiter.thread;
        let core = &*self.core;
        // An RLock's owner takes it once more.
        let again = || {
            let again = core.word().owner() == Some(thread) && core.kind == LockKind::Reentrant;
            if again {
                core.depth.fetch_add(1, Ordering::Relaxed);
            }
            again
        };
        if waiter.turns.is_active() {
            // Time is the steps: one step, then the lock is taken if it is free.
            self.step_for(waiter, false)?;
            return Ok(again() || core.try_take(thread, 1));
        }
        if again() {
            return Ok(true);
        }
        loop {
            if core.try_take(thread, 1) {
                return Ok(true);
            }
            if let Some(abort) = waiter.stop_reason() {
                return Err(abort);
            }
            let left = deadline.map_or(WAIT_POLL, |d| d.saturating_duration_since(Instant::now()));
            if left.is_zero() {
                return Ok(false);
            }
            if core.take_or_sleep(thread, 1, left.min(WAIT_POLL)) {
                return Ok(true);
            }
        }
    }

    /// Python's `lock.release()` by `thread`. As in Python, a plain lock may be released by
    /// any thread, a reentrant one only by its owner (once per acquire). `Err` is Python's
    /// `RuntimeError` message.
    pub fn release_by(&self, thread: usize) -> Result<(), &'static str> {
        let core = &*self.core;
        match core.kind {
            LockKind::Plain => {
                core.depth.store(0, Ordering::Relaxed);
                core.free().map_err(|()| "release unlocked lock")
            }
            LockKind::Reentrant => {
                if core.word().owner() != Some(thread) {
                    return Err("cannot release un-acquired lock");
                }
                self.release(thread);
                Ok(())
            }
        }
    }

    /// Gives the lock up entirely for `thread`, however deep it holds it, and says how deep
    /// that was (0 if it did not hold it): a program's `condition.wait()`.
    pub(crate) fn release_all_by(&self, thread: usize) -> u32 {
        let core = &*self.core;
        if core.word().owner() != Some(thread) {
            return 0;
        }
        let depth = core.depth.swap(0, Ordering::Relaxed);
        let _ = core.free();
        depth
    }

    /// Takes the lock back at `depth` (none if 0) after [`Lock::release_all_by`].
    pub(crate) fn reacquire_depth(&self, waiter: &Waiter<'_>, depth: u32) -> Result<(), Abort> {
        if depth == 0 {
            return Ok(());
        }
        self.acquire_depth(waiter, depth)
    }

    /// Whether some thread holds the lock (Python's `lock.locked()`).
    pub fn is_locked(&self) -> bool {
        self.owner().is_some()
    }

    /// The holder and how many times it took the lock, if it is held.
    pub fn holder(&self) -> Option<(usize, u32)> {
        self.owner()
            .map(|o| (o, self.core.depth.load(Ordering::Relaxed)))
    }

    /// Whether it is a reentrant lock.
    pub fn kind(&self) -> LockKind {
        self.core.kind
    }

    /// Who holds the lock now, if anyone.
    pub(crate) fn owner(&self) -> Option<usize> {
        self.core.word().owner()
    }

    /// Whether `thread` holds the lock now.
    #[cfg(test)]
    pub(crate) fn is_held_by(&self, thread: usize) -> bool {
        self.owner() == Some(thread)
    }

    /// Gives back one level of the lock `thread` holds.
    fn release(&self, thread: usize) {
        let core = &*self.core;
        debug_assert_eq!(
            self.owner(),
            Some(thread),
            "{} released by a non-owner",
            core.name
        );
        if core.depth.fetch_sub(1, Ordering::Relaxed) <= 1 {
            core.depth.store(0, Ordering::Relaxed);
            let _ = core.free();
        }
    }
}

/// A thread's entry in the wait-for graph, for as long as it waits for a lock.
pub(super) struct InGraph<'r> {
    waiter: Waiter<'r>,
}

impl<'r> InGraph<'r> {
    fn enter(waiter: &Waiter<'r>, lock: &Arc<LockCore>) -> Self {
        Self::waiting_for(waiter, Arc::clone(lock) as Blocker)
    }

    pub(super) fn waiting_for(waiter: &Waiter<'r>, on: Blocker) -> Self {
        waiter.graph().begin_wait(waiter.thread, waiter.line, on);
        Self { waiter: *waiter }
    }
}

impl Drop for InGraph<'_> {
    fn drop(&mut self) {
        self.waiter.graph().end_wait(self.waiter.thread);
    }
}

/// Holds a [`Lock`] until dropped, like Python's `with lock:` block (the tests').
#[cfg(test)]
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
    thread: usize,
}

#[cfg(test)]
impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.lock.release(self.thread);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::RunControl;
    use crate::sync::Waiter;
    use std::time::{Duration, Instant};

    #[test]
    fn plain_lock_taken_twice_by_one_thread_is_a_self_deadlock_naming_thread_and_lock() {
        let run = RunControl::new();
        let lock = Lock::new("lock", LockKind::Plain);
        let _held = lock.acquire(&Waiter::new(3, &run)).unwrap();
        let Err(Abort::Deadlock(d)) = lock.acquire(&Waiter::new(3, &run)) else {
            panic!("expected a deadlock")
        };
        assert_eq!(
            d.cycle,
            [WaitEdge {
                thread: 3,
                holds: vec!["lock".into()],
                waits_for: "lock".into(),
                line: None,
            }]
        );
        assert!(run.waits.is_halted(), "a deadlock halts the whole run");
        assert_eq!(run.waits.deadlock(), Some(d));
    }

    #[test]
    fn reentrant_lock_is_free_after_as_many_releases_as_acquires() {
        let run = RunControl::new();
        let lock = Lock::new("rlock", LockKind::Reentrant);
        let outer = lock.acquire(&Waiter::new(0, &run)).unwrap();
        let inner = lock.acquire(&Waiter::new(0, &run)).unwrap();
        drop(inner);
        assert_eq!(lock.owner(), Some(0));
        drop(outer);
        assert_eq!(lock.owner(), None);
    }

    #[test]
    fn release_all_and_reacquire_restore_the_depth() {
        let run = RunControl::new();
        let lock = Lock::new("rlock", LockKind::Reentrant);
        let outer = lock.acquire(&Waiter::new(0, &run)).unwrap();
        let inner = lock.acquire(&Waiter::new(0, &run)).unwrap();
        std::mem::forget(inner);
        std::mem::forget(outer);
        assert_eq!(lock.release_all_by(0), 2);
        assert!(!lock.is_held_by(0));
        lock.reacquire_depth(&Waiter::new(0, &run), 2).unwrap();
        lock.release_by(0).unwrap();
        assert!(lock.is_held_by(0), "one level is still held");
    }

    #[test]
    fn a_waiter_gives_up_when_the_run_is_cancelled() {
        let run = RunControl::new();
        let lock = Lock::new("lock", LockKind::Plain);
        let _held = lock.acquire(&Waiter::new(0, &run)).unwrap();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| lock.acquire(&Waiter::new(1, &run)).map(|_| ()));
            std::thread::sleep(Duration::from_millis(30));
            run.request_cancel();
            assert_eq!(waiter.join().unwrap(), Err(Abort::Cancelled));
        });
        assert_eq!(lock.core.sleepers.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn two_threads_taking_two_locks_in_opposite_orders_are_found_in_a_cycle_at_once() {
        let run = RunControl::new();
        let (a, b) = (
            Lock::new("a", LockKind::Plain),
            Lock::new("b", LockKind::Plain),
        );
        let both_hold_one = std::sync::Barrier::new(2);
        let started = Instant::now();
        let ends = std::thread::scope(|s| {
            let t0 = s.spawn(|| {
                let _a = a.acquire(&Waiter::new(0, &run))?;
                both_hold_one.wait();
                b.acquire(&Waiter::new(0, &run)).map(drop)
            });
            let t1 = s.spawn(|| {
                let _b = b.acquire(&Waiter::new(1, &run))?;
                both_hold_one.wait();
                a.acquire(&Waiter::new(1, &run)).map(drop)
            });
            [t0.join().unwrap(), t1.join().unwrap()]
        });
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "found in {:?}",
            started.elapsed()
        );
        let d = run.waits.deadlock().expect("a deadlock is recorded");
        let mut threads: Vec<_> = d.cycle.iter().map(|e| e.thread).collect();
        threads.sort();
        assert_eq!(threads, [0, 1], "{d:?}");
        for edge in &d.cycle {
            let other = if edge.waits_for == "a" { "b" } else { "a" };
            assert_eq!(edge.holds, [other], "{d:?}");
        }
        // One thread reports the cycle and unwinds, which frees its lock: the other either
        // takes it or gives up, halted; either way both return.
        assert!(
            ends.iter().any(|e| matches!(e, Err(Abort::Deadlock(_)))),
            "{ends:?}"
        );
        assert_eq!(
            (
                a.core.sleepers.load(Ordering::SeqCst),
                b.core.sleepers.load(Ordering::SeqCst)
            ),
            (0, 0)
        );
    }

    #[test]
    fn many_threads_incrementing_under_the_lock_lose_no_update() {
        // More threads than cores, short critical sections: the spinner, the sleepers and
        // the fast path all take the lock, and a lost wake-up would hang this test.
        const THREADS: usize = 6;
        const ROUNDS: u64 = 20_000;
        let run = RunControl::new();
        let lock = Lock::new("lock", LockKind::Plain);
        let count = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (lock, count, run) = (&lock, &count, &run);
                s.spawn(move || {
                    for _ in 0..ROUNDS {
                        let _held = lock.acquire(&Waiter::new(t, run)).unwrap();
                        // A read and a write with room between: only the lock keeps them whole.
                        let seen = count.load(Ordering::Relaxed);
                        std::hint::spin_loop();
                        count.store(seen + 1, Ordering::Relaxed);
                    }
                });
            }
        });
        assert_eq!(count.load(Ordering::Relaxed), THREADS as u64 * ROUNDS);
        assert_eq!(lock.owner(), None);
        assert_eq!(lock.core.sleepers.load(Ordering::SeqCst), 0);
        assert!(!lock.core.spinning.load(Ordering::SeqCst));
    }

    #[test]
    fn a_sleeping_waiter_is_woken_by_the_release_long_before_its_poll() {
        let run = RunControl::new();
        let lock = Lock::new("lock", LockKind::Plain);
        // The median of five, so that one waiter that lost its core does not decide.
        let mut woken_after: Vec<Duration> = (0..5)
            .map(|_| {
                let held = lock.acquire(&Waiter::new(0, &run)).unwrap();
                std::thread::scope(|s| {
                    let waiter = s.spawn(|| {
                        let _got = lock.acquire(&Waiter::new(1, &run)).unwrap();
                        Instant::now()
                    });
                    // Past the spin: the waiter sleeps.
                    while lock.core.sleepers.load(Ordering::SeqCst) == 0 {
                        std::thread::yield_now();
                    }
                    let released = Instant::now();
                    drop(held);
                    waiter.join().unwrap().duration_since(released)
                })
            })
            .collect();
        woken_after.sort();
        // Without the wake it would sleep out the rest of a 20 ms poll.
        assert!(
            woken_after[2] < WAIT_POLL / 2,
            "woken after {woken_after:?}"
        );
    }

    #[test]
    fn lock_words_count_changes_of_owner() {
        let w = Word(0);
        assert_eq!(w.owner(), None);
        let taken = w.handed_to(Some(7));
        assert_eq!((taken.owner(), taken.epoch()), (Some(7), 1));
        let freed = taken.handed_to(None);
        assert_eq!((freed.owner(), freed.epoch()), (None, 2));
        assert_eq!(freed.handed_to(Some(0)).owner(), Some(0));
    }

    #[test]
    fn a_long_wait_behind_a_busy_owner_is_not_a_deadlock() {
        let run = RunControl::new();
        let lock = Lock::new("lock", LockKind::Plain);
        std::thread::scope(|s| {
            let held = lock.acquire(&Waiter::new(0, &run)).unwrap();
            let waiter = s.spawn(|| lock.acquire(&Waiter::new(1, &run)).map(drop));
            // Several polls of the waiter see an owner that is not waiting for anything.
            std::thread::sleep(Duration::from_millis(120));
            drop(held);
            assert_eq!(waiter.join().unwrap(), Ok(()));
        });
        assert!(run.waits.deadlock().is_none());
    }
}
