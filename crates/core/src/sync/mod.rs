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

pub(crate) mod graph;
mod join;
mod lock;
pub(crate) mod outcome;
pub mod py;

use crate::control::state::RunState;
use crate::exec::turns::Turns;

pub(crate) use outcome::{inner, WAIT_POLL};
pub use outcome::{Abort, Deadlock, WaitEdge, Waiting};

pub(crate) use graph::Awaited;
pub use graph::WaitGraph;

/// A primitive's identity in a trace: the address of its shared core, stable while it lives.
pub(crate) fn trace_id<T: ?Sized>(core: &std::sync::Arc<T>) -> usize {
    std::sync::Arc::as_ptr(core) as *const () as usize
}
pub use join::ThreadEnd;
pub use lock::{Lock, LockKind};

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
    /// The line it waits at, when the waiter knows it (a program's thread does).
    pub line: Option<usize>,
    /// The run's state: its cancel flag and its wait-for graph.
    pub run: &'r RunState,
    /// A stepped program's turns (idle in other runs).
    pub turns: &'r Turns,
    /// The thread's recording, in a traced program run.
    pub trace: Option<&'r dyn WaitTrace>,
    /// A stepped program on one thread: whether this wait may yield ([`Abort::Yield`]:
    /// its caller can unwind and make the call again); otherwise the thread runs the
    /// others from here until it is chosen (see `exec::turns`).
    pub can_yield: bool,
}

impl<'r> Waiter<'r> {
    /// Thread `thread` of the run whose state is `run` and turns `turns`, waiting at no
    /// particular line ([`Waiter::new`] makes one from a whole `RunControl`).
    pub fn with_parts(thread: usize, run: &'r RunState, turns: &'r Turns) -> Self {
        Self {
            thread,
            line: None,
            run,
            turns,
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
        self.run.should_stop().then_some(Abort::Cancelled)
    }

    pub(crate) fn graph(&self) -> &'r WaitGraph {
        &self.run.waits
    }

    /// Records `found`, halts the run, and gives the abort to return. A run being stopped
    /// is not deadlocked: its threads end one by one, and those still waiting can look stuck
    /// on the ones already gone.
    fn deadlocked(&self, found: Deadlock) -> Abort {
        if self.run.is_cancelled() {
            return Abort::Cancelled;
        }
        self.graph().halt(found.clone());
        Abort::Deadlock(found)
    }
}
