//! `Condition`: wait, under a lock, until another thread says something changed.

use std::sync::{Condvar, Mutex};

use super::{inner, wait_while, Abort, Lock, LockGuard, LockKind, Waiter};

/// Waiters are woken oldest first, as Python does: each waiter draws a ticket, and a notify
/// moves the `woken` mark past the oldest tickets still waiting.
#[derive(Debug, Default)]
struct Tickets {
    next: u64,
    woken: u64,
}

/// A condition variable with its own reentrant lock, like `threading.Condition()`.
#[derive(Debug)]
pub struct Condition {
    lock: Lock,
    tickets: Mutex<Tickets>,
    notified: Condvar,
}

impl Condition {
    /// A condition called `name` (its lock carries the same name).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            lock: Lock::new(name, LockKind::Reentrant),
            tickets: Mutex::default(),
            notified: Condvar::new(),
        }
    }

    /// The condition's name.
    pub fn name(&self) -> &str {
        self.lock.name()
    }

    /// Takes the condition's lock (`with condition:`).
    pub(crate) fn enter(&self, waiter: &Waiter<'_>) -> Result<ConditionGuard<'_>, Abort> {
        Ok(ConditionGuard {
            cond: self,
            thread: waiter.thread,
            lock: self.lock.acquire(waiter)?,
        })
    }

    /// Releases the lock, sleeps until notified, takes the lock back (`condition.wait()`).
    pub(crate) fn wait<'a>(
        &'a self,
        guard: ConditionGuard<'a>,
        waiter: &Waiter<'_>,
    ) -> Result<ConditionGuard<'a>, Abort> {
        let parked = self.park(guard);
        let woken = wait_while(&self.notified, inner(&self.tickets), waiter, |t| {
            t.woken <= parked.ticket
        })?;
        // Let go of the tickets before taking the lock: a notifier holds them the other way.
        drop(woken);
        self.resume(parked, waiter)
    }

    /// The first half of a wait, which never blocks: draws a ticket and gives the lock up.
    pub(crate) fn park(&self, guard: ConditionGuard<'_>) -> Parked {
        // The ticket is drawn while the lock is still held, so a notify that follows the
        // release cannot be missed.
        let ticket = {
            let mut t = inner(&self.tickets);
            t.next += 1;
            t.next - 1
        };
        let thread = guard.thread;
        let depth = self.lock.release_all(guard.lock);
        Parked {
            ticket,
            depth,
            thread,
        }
    }

    /// Whether a notify has reached the waiter `parked`.
    pub(crate) fn is_woken(&self, parked: &Parked) -> bool {
        inner(&self.tickets).woken > parked.ticket
    }

    /// The lock the condition's waiters take back.
    pub(crate) fn lock(&self) -> &Lock {
        &self.lock
    }

    /// The second half of a wait, once woken: takes the lock back at its old depth.
    pub(crate) fn resume<'a>(
        &'a self,
        parked: Parked,
        waiter: &Waiter<'_>,
    ) -> Result<ConditionGuard<'a>, Abort> {
        Ok(ConditionGuard {
            cond: self,
            thread: parked.thread,
            lock: self.lock.reacquire(waiter, parked.depth)?,
        })
    }

    fn notify(&self, n: u64) {
        let mut t = inner(&self.tickets);
        let woken = t.woken.saturating_add(n).min(t.next);
        if woken > t.woken {
            t.woken = woken;
            self.notified.notify_all();
        }
    }
}

/// A waiter of a [`Condition`] between giving its lock up and taking it back.
#[derive(Debug)]
pub(crate) struct Parked {
    ticket: u64,
    depth: u32,
    thread: usize,
}

/// Holds a [`Condition`]'s lock; only a holder may wait or notify, as in Python.
#[derive(Debug)]
#[must_use = "the condition's lock is released as soon as the guard is dropped"]
pub struct ConditionGuard<'a> {
    cond: &'a Condition,
    thread: usize,
    lock: LockGuard<'a>,
}

impl ConditionGuard<'_> {
    /// Wakes the longest-waiting thread, if any (`condition.notify()`).
    pub fn notify(&self) {
        self.cond.notify(1);
    }

    /// Wakes every waiting thread (`condition.notify_all()`).
    pub fn notify_all(&self) {
        self.cond.notify(u64::MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::RunControl;
    use crate::sync::Waiter;
    use std::sync::atomic::{AtomicI64, Ordering::SeqCst};
    use std::time::Duration;

    #[test]
    fn a_waiter_sees_the_change_its_notifier_made() {
        let run = RunControl::new();
        let cond = Condition::new("queue");
        let items = AtomicI64::new(0);
        std::thread::scope(|s| {
            let consumer = s.spawn(|| {
                let mut g = cond.enter(&Waiter::new(0, &run)).unwrap();
                while items.load(SeqCst) == 0 {
                    g = cond.wait(g, &Waiter::new(0, &run)).unwrap();
                }
                assert!(cond.lock.is_held_by(0), "wait returns holding the lock");
                items.load(SeqCst)
            });
            std::thread::sleep(Duration::from_millis(20));
            {
                let g = cond.enter(&Waiter::new(1, &run)).unwrap();
                items.store(7, SeqCst);
                g.notify();
            }
            assert_eq!(consumer.join().unwrap(), 7);
        });
    }

    #[test]
    fn notify_wakes_waiters_oldest_first() {
        let cond = Condition::new("c");
        // Tickets 0, 1 and 2 are waiting.
        *inner(&cond.tickets) = Tickets { next: 3, woken: 0 };
        cond.notify(1);
        assert_eq!(inner(&cond.tickets).woken, 1);
        cond.notify(u64::MAX);
        assert_eq!(
            inner(&cond.tickets).woken,
            3,
            "never past the last ticket drawn"
        );
    }

    #[test]
    fn a_waiter_gives_up_when_the_run_is_cancelled() {
        let run = RunControl::new();
        let cond = Condition::new("c");
        let g = cond.enter(&Waiter::new(0, &run)).unwrap();
        run.request_cancel();
        assert_eq!(
            cond.wait(g, &Waiter::new(0, &run)).unwrap_err(),
            Abort::Cancelled
        );
        assert!(
            !cond.lock.is_held_by(0),
            "a cancelled waiter does not hold the lock"
        );
    }
}
