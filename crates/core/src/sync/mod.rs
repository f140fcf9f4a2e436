//! racelab's own synchronisation primitives: thin wrappers over `std::sync` that know who
//! holds them and who waits.
//!
//! Python's `threading` module is what the lessons use: a program's `Lock`, `RLock`,
//! `Semaphore`, `Event`, `Barrier`, `Condition` and `Queue` are [`py`]'s; the bank's
//! scenario takes [`Lock`]. They behave as Python's but every wait is also given up when the
//! run is cancelled or halted, and each primitive records its holders. Locks go
//! further: a thread blocked on one for long enough enters the run's wait-for graph
//! ([`WaitGraph`]), where a cycle is found and reported as a [`Deadlock`] instead of hanging.
//! Traces and stepping can build on the same records without touching the scenarios.

mod graph;
mod join;
mod lock;
pub mod py;

use std::sync::{MutexGuard, PoisonError};
use std::time::Duration;

use serde::Serialize;

use crate::control::RunControl;

pub(crate) use graph::Awaited;
pub use graph::WaitGraph;

/// A primitive's identity in a trace: the address of its shared core, stable while it lives.
pub(crate) fn trace_id<T: ?Sized>(core: &std::sync::Arc<T>) -> usize {
    std::sync::Arc::as_ptr(core) as *const () as usize
}
pub use join::ThreadEnd;
pub use lock::{Lock, LockGuard, LockKind};

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
    /// Where it waits: a fragment of the listing line (empty if the scenario did not say).
    #[serde(skip)]
    pub site: &'static str,
    /// That line of the strategy's listing (or of the program), counted from 1: a program's
    /// waiter says it, a scenario's is looked up from its site (see [`Deadlock::locate`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Deadlock {
    /// Fills in each edge's `line` from its site (see [`crate::listing::locate`]).
    pub fn locate(&mut self, listing: &[crate::listing::ListingLine]) {
        for edge in &mut self.cycle {
            if edge.line.is_none() {
                edge.line = crate::listing::locate(listing, edge.site);
            }
        }
    }
}

/// What a traced program's thread records of the primitives it uses (racelab's VM
/// implements it, one per thread). Primitives name themselves by their `trace_id`.
pub trait WaitTrace: std::fmt::Debug {
    /// Records `op`. `step`: a stepped run takes a turn at this point, so the replay of a
    /// real run gives the turn to this thread here.
    fn note(&self, op: crate::trace::EventOp<usize>, step: bool);
}

/// What a blocking wait needs to know: who waits, where, and when to give up.
#[derive(Debug, Clone, Copy)]
pub struct Waiter<'r> {
    /// The waiting thread's index.
    pub thread: usize,
    /// Where in the listing it waits (a fragment of the line), for deadlock reports.
    pub site: &'static str,
    /// The line it waits at, when the waiter knows it (a program's thread does).
    pub line: Option<usize>,
    /// The run's control block: its cancel flag and its wait-for graph.
    pub control: &'r RunControl,
    /// The thread's recording, in a traced program run.
    pub trace: Option<&'r dyn WaitTrace>,
    /// A stepped program on one thread: whether this wait may yield ([`Abort::Yield`]:
    /// its caller can unwind and make the call again); otherwise the thread runs the
    /// others from here until it is chosen (see `exec::turns`).
    pub can_yield: bool,
}

impl<'r> Waiter<'r> {
    /// Thread `thread` of the run `control` controls, waiting at no particular site.
    pub fn new(thread: usize, control: &'r RunControl) -> Self {
        Self {
            thread,
            site: "",
            line: None,
            control,
            trace: None,
            can_yield: false,
        }
    }

    /// The same waiter, allowed to yield or not (see [`Waiter::can_yield`]).
    pub fn yielding(self, can_yield: bool) -> Self {
        Self { can_yield, ..self }
    }

    /// The same waiter, recording what it does into `trace`.
    pub fn traced(self, trace: Option<&'r dyn WaitTrace>) -> Self {
        Self { trace, ..self }
    }

    /// Records `op` on the object at `id` if this thread is traced (see [`WaitTrace`]).
    #[inline]
    pub(crate) fn note(&self, op: crate::trace::EventOp<usize>, step: bool) {
        if let Some(t) = self.trace {
            t.note(op, step);
        }
    }

    /// The same waiter at `site`.
    pub fn at(self, site: &'static str) -> Self {
        Self { site, ..self }
    }

    /// The same waiter at line `line` of its program.
    pub fn at_line(self, line: usize) -> Self {
        Self {
            line: Some(line),
            ..self
        }
    }

    /// Why this thread should stop waiting now, if it should: the run was cancelled, or a
    /// deadlock elsewhere halted it (the thread that found it reports it).
    pub fn stop_reason(&self) -> Option<Abort> {
        self.control.should_stop().then_some(Abort::Cancelled)
    }

    pub(crate) fn graph(&self) -> &'r WaitGraph {
        &self.control.waits
    }

    /// Records `found`, halts the run, and gives the abort to return. A run being stopped
    /// is not deadlocked: its threads end one by one, and those still waiting can look stuck
    /// on the ones already gone.
    fn deadlocked(&self, found: Deadlock) -> Abort {
        if self.control.is_cancelled() {
            return Abort::Cancelled;
        }
        self.graph().halt(found.clone());
        Abort::Deadlock(found)
    }
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
