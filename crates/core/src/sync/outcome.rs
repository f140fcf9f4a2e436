//! How a wait ends when it does not get what it waited for ([`Abort`], [`Deadlock`]), and the
//! small helpers every waiter shares.
//!
//! Invariant: a leaf. The primitives, the stepped engines' turns and the wait-for graph all
//! speak these words, so this module imports none of them.

use std::sync::{MutexGuard, PoisonError};
use std::time::Duration;

use serde::Serialize;

/// Why a thread body stopped before finishing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Abort {
    /// The run was cancelled.
    Cancelled,
    /// Threads (or one thread on its own) wait for each other in a cycle: none can go on.
    Deadlock(Deadlock),
    /// A stepped program on one thread (see `exec::turns`): this thread gave its turn back
    /// before a wait. Nothing of the wait has happened yet; its caller unwinds to the
    /// program's scheduler and makes the same call again once the thread is chosen.
    Yield,
}

/// Threads that can never go on: a wait-for cycle, where each thread holds some locks and
/// waits for one held by the next (or, for a plain lock taken twice, by itself); or, in a
/// program, every live thread waiting for something none of them can give (an event
/// nobody will set, a queue nobody will fill).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Deadlock {
    /// The threads of the cycle, in wait-for order (empty when no locks form one).
    pub cycle: Vec<WaitEdge>,
    /// In a program: what every live thread waits for, and where.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waiting: Vec<Waiting>,
}

/// One live thread of a program's deadlock, and what it waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    /// The thread's index.
    pub thread: usize,
    /// Name of what it waits for (`cond`, `Thread-1 to finish`).
    pub waits_for: String,
    /// The program's line it waits at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Why it cannot go on, in words (`waits for event done to be set`).
    pub why: String,
}

/// One thread of a deadlock cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitEdge {
    /// The waiting thread's index.
    pub thread: usize,
    /// The lock of the cycle it holds: the one the thread before it in the cycle waits for
    /// (for a plain lock taken twice, the lock itself).
    pub holds: Vec<String>,
    /// Name of the lock it waits for.
    pub waits_for: String,
    /// The program's line it waits at, counted from 1, when its waiter said it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// How long a waiter sleeps before it looks at the cancel flag (and, for a lock, the
/// wait-for graph) again: short enough that Stop and deadlock reports feel immediate.
pub(crate) const WAIT_POLL: Duration = Duration::from_millis(20);

/// Locks a primitive's inner state. A poisoned inner mutex only means a thread panicked
/// while holding it; the primitives' records are updated in single steps and always
/// consistent, so carry on.
pub(crate) fn inner<T>(m: &std::sync::Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
