//! racelab's own locks: thin wrappers over `std::sync` that know who holds them.
//!
//! Python's `threading.Lock` and `RLock` are what the lessons use. These behave the same
//! (a plain lock is not reentrant) but also record their owner, so that a wait can be given
//! up when the run is cancelled, and so that deadlock detection and stepping can be added
//! without touching the scenarios.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::control::RunControl;

/// Why a thread body stopped before finishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abort {
    /// The run was cancelled.
    Cancelled,
    /// A thread waited for a plain (non-reentrant) lock it holds itself.
    SelfDeadlock,
}

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
}

/// A lock (plain or reentrant) that records its owner.
#[derive(Debug)]
pub struct Lock {
    name: String,
    kind: LockKind,
    state: Mutex<Ownership>,
    freed: Condvar,
}

/// How long a waiter sleeps before it looks at the cancel flag again.
const CANCEL_POLL: Duration = Duration::from_millis(20);

impl Lock {
    /// A free lock called `name` (the name appears in listings and deadlock reports).
    pub fn new(name: impl Into<String>, kind: LockKind) -> Self {
        Self {
            name: name.into(),
            kind,
            state: Mutex::default(),
            freed: Condvar::new(),
        }
    }

    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn state(&self) -> MutexGuard<'_, Ownership> {
        // A poisoned inner mutex only means a thread panicked while holding it; the
        // ownership record itself is always consistent, so carry on.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the lock for `thread`, blocking (for real) while another thread holds it.
    pub(crate) fn acquire(
        &self,
        thread: usize,
        control: &RunControl,
    ) -> Result<LockGuard<'_>, Abort> {
        let mut st = self.state();
        loop {
            match st.owner {
                None => {
                    st.owner = Some(thread);
                    st.depth = 1;
                    break;
                }
                Some(t) if t == thread => match self.kind {
                    LockKind::Reentrant => {
                        st.depth += 1;
                        break;
                    }
                    LockKind::Plain => return Err(Abort::SelfDeadlock),
                },
                Some(_) => {
                    if control.is_cancelled() {
                        return Err(Abort::Cancelled);
                    }
                    st.waiters += 1;
                    st = self
                        .freed
                        .wait_timeout(st, CANCEL_POLL)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                    st.waiters -= 1;
                }
            }
        }
        Ok(LockGuard { lock: self, thread })
    }

    fn release(&self, thread: usize) {
        let mut st = self.state();
        debug_assert_eq!(
            st.owner,
            Some(thread),
            "{} released by a non-owner",
            self.name
        );
        st.depth -= 1;
        if st.depth == 0 {
            st.owner = None;
            if st.waiters > 0 {
                self.freed.notify_one();
            }
        }
    }
}

/// Holds a [`Lock`] until dropped, like Python's `with lock:` block.
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
    thread: usize,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.lock.release(self.thread);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lock_taken_twice_by_one_thread_is_a_self_deadlock() {
        let control = RunControl::new();
        let lock = Lock::new("lock", LockKind::Plain);
        let _held = lock.acquire(0, &control).unwrap();
        assert_eq!(lock.acquire(0, &control).unwrap_err(), Abort::SelfDeadlock);
    }

    #[test]
    fn reentrant_lock_is_free_after_as_many_releases_as_acquires() {
        let control = RunControl::new();
        let lock = Lock::new("rlock", LockKind::Reentrant);
        let outer = lock.acquire(0, &control).unwrap();
        let inner = lock.acquire(0, &control).unwrap();
        drop(inner);
        assert_eq!(lock.state().owner, Some(0));
        drop(outer);
        assert_eq!(lock.state().owner, None);
    }

    #[test]
    fn a_waiter_gives_up_when_the_run_is_cancelled() {
        let control = RunControl::new();
        let lock = Lock::new("lock", LockKind::Plain);
        let _held = lock.acquire(0, &control).unwrap();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| lock.acquire(1, &control).map(|_| ()));
            std::thread::sleep(Duration::from_millis(30));
            control.request_cancel();
            assert_eq!(waiter.join().unwrap(), Err(Abort::Cancelled));
        });
    }
}
