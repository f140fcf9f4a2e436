//! `Lock` and `RLock`: one type, told apart by [`LockKind`].

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use std::time::Duration;

use web_time::Instant;

use super::graph::Blocker;
use super::{inner, Abort, Awaited, Deadlock, WaitEdge, Waiter, WAIT_POLL};
use crate::exec::stepped::{Blocked, Ready, StepKind};
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

#[derive(Debug, Default)]
struct Ownership {
    owner: Option<usize>,
    depth: u32,
    waiters: u32,
    /// Bumped at every change of owner, so the deadlock detector can tell that an owner it
    /// read twice held the lock throughout.
    epoch: u64,
}

impl Ownership {
    fn set_owner(&mut self, owner: Option<usize>) {
        self.owner = owner;
        self.epoch += 1;
    }
}

/// What the wait-for graph shares of a lock: its name and who owns it.
#[derive(Debug)]
pub(super) struct LockCore {
    pub(super) name: String,
    kind: LockKind,
    state: Mutex<Ownership>,
    freed: Condvar,
}

impl LockCore {
    fn state(&self) -> MutexGuard<'_, Ownership> {
        inner(&self.state)
    }
}

impl Awaited for LockCore {
    fn ready_for(&self, thread: usize) -> bool {
        match self.state().owner {
            None => true,
            Some(o) => o == thread && self.kind == LockKind::Reentrant,
        }
    }

    fn owner(&self) -> Option<(usize, u64)> {
        let st = self.state();
        st.owner.map(|o| (o, st.epoch))
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn describe(&self) -> String {
        match self.state().owner {
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
                state: Mutex::default(),
                freed: Condvar::new(),
            }),
        }
    }

    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.core.name
    }

    fn state(&self) -> MutexGuard<'_, Ownership> {
        self.core.state()
    }

    /// Takes the lock for the waiter's thread, blocking (for real) while another thread
    /// holds it.
    ///
    /// A plain lock asked for again by its holder would block forever; that is reported at
    /// once as a one-thread [`Deadlock`] instead. While blocked, the waiter looks for a
    /// wait-for cycle through itself every [`WAIT_POLL`] (see [`super::WaitGraph`]).
    pub(crate) fn acquire(&self, waiter: &Waiter<'_>) -> Result<LockGuard<'_>, Abort> {
        self.acquire_depth(waiter, 1)?;
        Ok(LockGuard {
            lock: self,
            thread: waiter.thread,
        })
    }

    fn acquire_depth(&self, waiter: &Waiter<'_>, depth: u32) -> Result<(), Abort> {
        let thread = waiter.thread;
        let mut st = self.state();
        if st.owner != Some(thread) {
            waiter.note(
                EventOp::Request {
                    obj: self.trace_id(),
                },
                false,
            );
        }
        match st.owner {
            Some(t) if t == thread => {
                return match self.core.kind {
                    LockKind::Reentrant => {
                        st.depth += depth;
                        Ok(())
                    }
                    LockKind::Plain => {
                        drop(st);
                        Err(waiter.deadlocked(Deadlock {
                            waiting: Vec::new(),
                            cycle: vec![WaitEdge {
                                thread,
                                holds: vec![self.core.name.clone()],
                                waits_for: self.core.name.clone(),
                                site: waiter.site,
                                line: waiter.line,
                            }],
                        }))
                    }
                };
            }
            Some(_) if waiter.turns.is_active() => {
                // A stepped program: this thread is chosen again once the lock is free.
                drop(st);
                self.step_for(waiter, true)?;
                st = self.state();
            }
            Some(_) => {
                st.waiters += 1;
                st = match self.wait_until_free(st, waiter) {
                    Ok(st) => st,
                    Err(abort) => {
                        self.state().waiters -= 1;
                        return Err(abort);
                    }
                };
                st.waiters -= 1;
            }
            None if waiter.turns.is_active() => {
                // Taking a lock is a step even when it is free: others may come first.
                drop(st);
                self.step_for(waiter, true)?;
                st = self.state();
            }
            None => {}
        }
        st.set_owner(Some(thread));
        st.depth = depth;
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

    /// Blocks until nobody owns the lock, giving up when the run stops or when this thread
    /// turns out to be in a wait-for cycle.
    ///
    /// Most waits last microseconds; only one that outlasts a whole [`WAIT_POLL`] can be
    /// part of a deadlock, so the thread enters the wait-for graph then, not before: short
    /// waits (the hot path of every contended lock) never touch the graph.
    fn wait_until_free<'a>(
        &'a self,
        mut st: MutexGuard<'a, Ownership>,
        waiter: &Waiter<'_>,
    ) -> Result<MutexGuard<'a, Ownership>, Abort> {
        let mut in_graph: Option<InGraph<'_>> = None;
        while st.owner.is_some() {
            if let Some(abort) = waiter.stop_reason() {
                return Err(abort);
            }
            let (back, timeout) = self
                .core
                .freed
                .wait_timeout(st, WAIT_POLL)
                .unwrap_or_else(PoisonError::into_inner);
            st = back;
            if timeout.timed_out() && st.owner.is_some() {
                // The graph's walk reads other locks' states: hold none of them meanwhile.
                drop(st);
                in_graph.get_or_insert_with(|| InGraph::enter(waiter, &self.core));
                if let Some(cycle) = waiter.graph().find_cycle(waiter.thread) {
                    return Err(waiter.deadlocked(cycle));
                }
                st = self.state();
            }
        }
        Ok(st)
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
        if waiter.turns.is_active() {
            // Time is the steps: one step, then the lock is taken if it is free.
            self.step_for(waiter, false)?;
            let mut st = self.state();
            return Ok(match st.owner {
                None => {
                    st.set_owner(Some(thread));
                    st.depth = 1;
                    true
                }
                Some(o) if o == thread && self.core.kind == LockKind::Reentrant => {
                    st.depth += 1;
                    true
                }
                Some(_) => false,
            });
        }
        let mut st = self.state();
        if st.owner == Some(thread) && self.core.kind == LockKind::Reentrant {
            st.depth += 1;
            return Ok(true);
        }
        st.waiters += 1;
        let taken = loop {
            if st.owner.is_none() {
                st.set_owner(Some(thread));
                st.depth = 1;
                break Ok(true);
            }
            if let Some(abort) = waiter.stop_reason() {
                break Err(abort);
            }
            let left = deadline.map_or(WAIT_POLL, |d| d.saturating_duration_since(Instant::now()));
            if left.is_zero() {
                break Ok(false);
            }
            st = self
                .core
                .freed
                .wait_timeout(st, left.min(WAIT_POLL))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        };
        st.waiters -= 1;
        taken
    }

    /// Python's `lock.release()` by `thread`. As in Python, a plain lock may be released by
    /// any thread, a reentrant one only by its owner (once per acquire). `Err` is Python's
    /// `RuntimeError` message.
    pub fn release_by(&self, thread: usize) -> Result<(), &'static str> {
        let mut st = self.state();
        match (self.core.kind, st.owner) {
            (LockKind::Plain, None) => return Err("release unlocked lock"),
            (LockKind::Reentrant, owner) if owner != Some(thread) => {
                return Err("cannot release un-acquired lock")
            }
            _ => {}
        }
        st.depth = st.depth.saturating_sub(1);
        if st.depth == 0 || self.core.kind == LockKind::Plain {
            st.depth = 0;
            st.set_owner(None);
            if st.waiters > 0 {
                self.core.freed.notify_one();
            }
        }
        Ok(())
    }

    /// Gives the lock up entirely for `thread`, however deep it holds it, and says how deep
    /// that was (0 if it did not hold it): a program's `condition.wait()`.
    pub(crate) fn release_all_by(&self, thread: usize) -> u32 {
        let mut st = self.state();
        if st.owner != Some(thread) {
            return 0;
        }
        let depth = st.depth;
        st.depth = 0;
        st.set_owner(None);
        if st.waiters > 0 {
            self.core.freed.notify_one();
        }
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
        self.state().owner.is_some()
    }

    /// The holder and how many times it took the lock, if it is held.
    pub fn holder(&self) -> Option<(usize, u32)> {
        let st = self.state();
        st.owner.map(|o| (o, st.depth))
    }

    /// Whether it is a reentrant lock.
    pub fn kind(&self) -> LockKind {
        self.core.kind
    }

    /// Who holds the lock now, if anyone.
    pub(crate) fn owner(&self) -> Option<usize> {
        self.state().owner
    }

    /// Whether `thread` holds the lock now.
    #[cfg(test)]
    pub(crate) fn is_held_by(&self, thread: usize) -> bool {
        self.state().owner == Some(thread)
    }

    fn release(&self, thread: usize) {
        let mut st = self.state();
        debug_assert_eq!(
            st.owner,
            Some(thread),
            "{} released by a non-owner",
            self.core.name
        );
        st.depth -= 1;
        if st.depth == 0 {
            st.set_owner(None);
            if st.waiters > 0 {
                self.core.freed.notify_one();
            }
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
        waiter
            .graph()
            .begin_wait(waiter.thread, waiter.site, waiter.line, on);
        Self { waiter: *waiter }
    }
}

impl Drop for InGraph<'_> {
    fn drop(&mut self) {
        self.waiter.graph().end_wait(self.waiter.thread);
    }
}

/// Holds a [`Lock`] until dropped, like Python's `with lock:` block.
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
    thread: usize,
}

impl LockGuard<'_> {
    /// The lock this guard holds.
    pub fn lock(&self) -> &Lock {
        self.lock
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.lock.release(self.thread);
    }
}

impl Ready for Lock {
    /// Free, or held by `thread` itself: it may go on.
    fn blocked_for(&self, thread: usize) -> Option<Blocked> {
        match self.owner() {
            None => None,
            Some(o) if o == thread => None,
            owner => Some(Blocked {
                on: self.name().to_owned(),
                owner,
            }),
        }
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
                site: "",
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
        assert_eq!(lock.state().owner, Some(0));
        drop(outer);
        assert_eq!(lock.state().owner, None);
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
        assert_eq!(lock.state().waiters, 0);
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
        assert_eq!((a.state().waiters, b.state().waiters), (0, 0));
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
