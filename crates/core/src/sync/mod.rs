//! racelab's own synchronisation primitives: thin wrappers over `std::sync` that know who
//! holds them and who waits.
//!
//! Python's `threading` module is what the lessons use: `Lock`, `RLock`, `Semaphore`,
//! `Event`, `Barrier` and `Condition`. These behave the same but every wait is also given up
//! when the run is cancelled, and each primitive records its holders, so that deadlock
//! detection, traces and stepping can be added without touching the scenarios.

mod barrier;
mod condition;
mod event;
mod lock;
mod semaphore;

use std::sync::{Condvar, MutexGuard, PoisonError};
use std::time::Duration;

use serde::Serialize;

use crate::control::RunControl;

pub use barrier::Barrier;
pub use condition::{Condition, ConditionGuard};
pub use event::Event;
pub use lock::{Lock, LockGuard, LockKind};
pub use semaphore::{Semaphore, SemaphoreGuard};

/// Why a thread body stopped before finishing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Abort {
    /// The run was cancelled.
    Cancelled,
    /// Threads (or one thread on its own) wait for each other in a cycle: none can go on.
    Deadlock(Deadlock),
}

/// A wait-for cycle: each thread holds some locks and waits for one held by the next (or,
/// for a plain lock taken twice, by itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadlock {
    /// The threads of the cycle, in wait-for order.
    pub cycle: Vec<WaitEdge>,
}

/// One thread of a deadlock cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitEdge {
    /// The waiting thread's index.
    pub thread: usize,
    /// Names of the locks it holds.
    pub holds: Vec<String>,
    /// Name of the lock it waits for.
    pub waits_for: String,
}

/// How long a waiter sleeps before it looks at the cancel flag again.
const CANCEL_POLL: Duration = Duration::from_millis(20);

/// Locks a primitive's inner state. A poisoned inner mutex only means a thread panicked
/// while holding it; the primitives' records are updated in single steps and always
/// consistent, so carry on.
fn inner<T>(m: &std::sync::Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits on `cv` while `blocked` says so, giving up with [`Abort::Cancelled`] once the run
/// is cancelled (checked every [`CANCEL_POLL`]).
fn wait_while<'a, T>(
    cv: &Condvar,
    mut guard: MutexGuard<'a, T>,
    control: &RunControl,
    mut blocked: impl FnMut(&mut T) -> bool,
) -> Result<MutexGuard<'a, T>, Abort> {
    while blocked(&mut guard) {
        if control.is_cancelled() {
            return Err(Abort::Cancelled);
        }
        guard = cv
            .wait_timeout(guard, CANCEL_POLL)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    Ok(guard)
}
