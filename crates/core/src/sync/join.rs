//! The end of a thread, as `join` waits for it: owner-aware like the locks, so a join that
//! can never return (the joined thread waits, in a cycle, for the joiner) is a deadlock.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use web_time::Instant;

use super::graph::Blocker;
use super::lock::InGraph;
use super::{inner, Abort, Awaited, Waiter, WAIT_POLL};
use crate::exec::stepped::StepKind;
use crate::trace::EventOp;

/// What the wait-for graph shares of a thread's end: whose it is, and whether it came.
#[derive(Debug)]
pub(super) struct EndCore {
    thread: usize,
    name: String,
    done: Mutex<bool>,
    finished: Condvar,
}

impl Awaited for EndCore {
    fn ready_for(&self, _thread: usize) -> bool {
        *inner(&self.done)
    }

    fn owner(&self) -> Option<(usize, u64)> {
        (!*inner(&self.done)).then_some((self.thread, 0))
    }

    fn name(&self) -> String {
        format!("{} to finish", self.name)
    }

    fn describe(&self) -> String {
        format!("waits for {} to finish (join)", self.name)
    }
}

/// The end of one thread of a run: the thread says [`ThreadEnd::finish`] as its last act,
/// and any other thread may [`ThreadEnd::join`] it.
#[derive(Debug, Clone)]
pub struct ThreadEnd {
    core: Arc<EndCore>,
}

impl ThreadEnd {
    /// The end of thread `thread`, called `name` in deadlock reports.
    pub fn new(thread: usize, name: impl Into<String>) -> Self {
        Self {
            core: Arc::new(EndCore {
                thread,
                name: name.into(),
                done: Mutex::new(false),
                finished: Condvar::new(),
            }),
        }
    }

    /// The thread's index in its run.
    pub fn thread(&self) -> usize {
        self.core.thread
    }

    /// The thread has finished: every join returns.
    pub fn finish(&self) {
        *inner(&self.core.done) = true;
        self.core.finished.notify_all();
    }

    /// Whether the thread has finished.
    pub fn is_finished(&self) -> bool {
        *inner(&self.core.done)
    }

    /// Python's `thread.join(timeout)` for the waiter's thread: `Ok(true)` once the thread
    /// has finished, `Ok(false)` when `timeout` passed first. Without a timeout the wait may
    /// be part of a deadlock (the joined thread waits for a lock the joiner holds, or joins
    /// it back), found as a lock's waiter finds one; with one it ends by itself.
    pub fn join(&self, waiter: &Waiter<'_>, timeout: Option<Duration>) -> Result<bool, Abort> {
        let obj = self.trace_id();
        waiter.note(EventOp::Wait { obj }, false);
        let joined = self.join_untraced(waiter, timeout)?;
        // The join's end is its step when stepped, finished or timed out.
        waiter.note(EventOp::Wake { obj }, true);
        Ok(joined)
    }

    /// Its identity in a trace (what joins of it record).
    pub fn trace_id(&self) -> usize {
        super::trace_id(&self.core)
    }

    fn join_untraced(&self, waiter: &Waiter<'_>, timeout: Option<Duration>) -> Result<bool, Abort> {
        if waiter.turns.is_active() {
            waiter.turns.wait_on(
                waiter.thread,
                StepKind::Wait,
                Some(self.core.name.clone()),
                waiter.line,
                timeout.is_none().then(|| Arc::clone(&self.core) as Blocker),
                waiter.run,
                waiter.can_yield,
            )?;
            return Ok(self.is_finished());
        }
        let deadline = timeout.map(|d| Instant::now().checked_add(d));
        let mut in_graph: Option<InGraph<'_>> = None;
        let mut done = inner(&self.core.done);
        loop {
            if *done {
                return Ok(true);
            }
            if let Some(abort) = waiter.stop_reason() {
                return Err(abort);
            }
            let wait = match deadline {
                Some(Some(at)) => {
                    let left = at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(false);
                    }
                    left.min(WAIT_POLL)
                }
                _ => WAIT_POLL,
            };
            let (back, timed_out) = self
                .core
                .finished
                .wait_timeout(done, wait)
                .unwrap_or_else(PoisonError::into_inner);
            done = back;
            if timed_out.timed_out() && !*done && timeout.is_none() {
                // The graph's walk reads locks and ends: hold none of them meanwhile.
                drop(done);
                in_graph.get_or_insert_with(|| {
                    InGraph::waiting_for(waiter, Arc::clone(&self.core) as Blocker)
                });
                if let Some(cycle) = waiter.graph().find_cycle(waiter.thread) {
                    return Err(waiter.deadlocked(cycle));
                }
                done = inner(&self.core.done);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::RunControl;
    use crate::sync::{Lock, LockKind};

    #[test]
    fn join_returns_once_the_thread_finishes_and_a_timeout_gives_up() {
        let run = RunControl::new();
        let end = ThreadEnd::new(1, "Thread-1");
        let short = Some(Duration::from_millis(30));
        assert_eq!(end.join(&Waiter::new(0, &run), short), Ok(false));
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(50));
                end.finish();
            });
            assert_eq!(end.join(&Waiter::new(0, &run), None), Ok(true));
        });
        assert!(end.is_finished());
    }

    #[test]
    fn joining_a_thread_that_waits_for_the_joiners_lock_is_a_deadlock_with_both_lines() {
        let run = RunControl::new();
        let lock = Lock::new("lock", LockKind::Plain);
        let end = ThreadEnd::new(1, "Thread-1");
        let started = Instant::now();
        assert!(lock
            .acquire_for(&Waiter::new(0, &run).at_line(5), None)
            .unwrap());
        let (main, worker) = std::thread::scope(|s| {
            let worker = s.spawn(|| {
                let got = lock.acquire_for(&Waiter::new(1, &run).at_line(2), None);
                end.finish();
                got
            });
            let main = end.join(&Waiter::new(0, &run).at_line(7), None);
            (main, worker.join().unwrap())
        });
        assert!(started.elapsed() < Duration::from_secs(1));
        let found = run.waits.deadlock().expect("a deadlock is recorded");
        let mut edges = found.cycle.clone();
        edges.sort_by_key(|e| e.thread);
        assert_eq!(edges[0].waits_for, "Thread-1 to finish");
        assert_eq!(edges[0].holds, ["lock"]);
        assert_eq!(edges[0].line, Some(7));
        assert_eq!(edges[1].waits_for, "lock");
        assert!(edges[1].holds.is_empty(), "{edges:?}");
        assert_eq!(edges[1].line, Some(2));
        assert!(
            matches!(main, Err(Abort::Deadlock(_))) || matches!(worker, Err(Abort::Deadlock(_)))
        );
    }
}
