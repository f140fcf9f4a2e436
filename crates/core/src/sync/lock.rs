//! `Lock` and `RLock`: one type, told apart by [`LockKind`].

use std::sync::{Condvar, Mutex, MutexGuard};

use super::{inner, wait_while, Abort, Deadlock, WaitEdge};
use crate::control::RunControl;

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
        inner(&self.state)
    }

    /// Takes the lock for `thread`, blocking (for real) while another thread holds it.
    ///
    /// A plain lock asked for again by its holder would block forever; that is reported at
    /// once as a one-thread [`Deadlock`] instead.
    pub(crate) fn acquire(
        &self,
        thread: usize,
        control: &RunControl,
    ) -> Result<LockGuard<'_>, Abort> {
        self.acquire_depth(thread, 1, control)?;
        Ok(LockGuard { lock: self, thread })
    }

    fn acquire_depth(&self, thread: usize, depth: u32, control: &RunControl) -> Result<(), Abort> {
        let mut st = self.state();
        match st.owner {
            Some(t) if t == thread => {
                return match self.kind {
                    LockKind::Reentrant => {
                        st.depth += depth;
                        Ok(())
                    }
                    LockKind::Plain => Err(Abort::Deadlock(Deadlock {
                        cycle: vec![WaitEdge {
                            thread,
                            holds: vec![self.name.clone()],
                            waits_for: self.name.clone(),
                        }],
                    })),
                }
            }
            Some(_) => {
                st.waiters += 1;
                let waited = wait_while(&self.freed, st, control, |s| s.owner.is_some());
                st = match waited {
                    Ok(st) => st,
                    Err(abort) => {
                        self.state().waiters -= 1;
                        return Err(abort);
                    }
                };
                st.waiters -= 1;
            }
            None => {}
        }
        st.owner = Some(thread);
        st.depth = depth;
        Ok(())
    }

    /// Gives the lock up entirely, however deep `thread` holds it, and says how deep that
    /// was (a condition's wait releases an `RLock` this way and restores it after).
    pub(crate) fn release_all(&self, guard: LockGuard<'_>) -> u32 {
        let thread = guard.thread;
        std::mem::forget(guard);
        let mut st = self.state();
        debug_assert_eq!(
            st.owner,
            Some(thread),
            "{} released by a non-owner",
            self.name
        );
        let depth = st.depth;
        st.depth = 0;
        st.owner = None;
        if st.waiters > 0 {
            self.freed.notify_one();
        }
        depth
    }

    /// Takes the lock back at the depth [`Lock::release_all`] reported.
    pub(crate) fn reacquire(
        &self,
        thread: usize,
        depth: u32,
        control: &RunControl,
    ) -> Result<LockGuard<'_>, Abort> {
        self.acquire_depth(thread, depth, control)?;
        Ok(LockGuard { lock: self, thread })
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn plain_lock_taken_twice_by_one_thread_is_a_self_deadlock_naming_thread_and_lock() {
        let control = RunControl::new();
        let lock = Lock::new("lock", LockKind::Plain);
        let _held = lock.acquire(3, &control).unwrap();
        let Err(Abort::Deadlock(d)) = lock.acquire(3, &control) else {
            panic!("expected a deadlock")
        };
        assert_eq!(
            d.cycle,
            [WaitEdge {
                thread: 3,
                holds: vec!["lock".into()],
                waits_for: "lock".into()
            }]
        );
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
    fn release_all_and_reacquire_restore_the_depth() {
        let control = RunControl::new();
        let lock = Lock::new("rlock", LockKind::Reentrant);
        let outer = lock.acquire(0, &control).unwrap();
        let inner = lock.acquire(0, &control).unwrap();
        std::mem::forget(inner);
        assert_eq!(lock.release_all(outer), 2);
        assert!(!lock.is_held_by(0));
        let back = lock.reacquire(0, 2, &control).unwrap();
        drop(back);
        assert!(lock.is_held_by(0), "one level is still held");
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
        assert_eq!(lock.state().waiters, 0);
    }
}
