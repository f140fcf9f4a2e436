//! Live progress, cancellation and deadlock halting of a run, shared by its threads and
//! readable and writable from another thread.
//!
//! In the browser the run blocks the controller Worker, so the page reads progress and sets
//! `cancel` straight from shared wasm memory: those words are [`Progress`], whose layout
//! ([`Progress::WORDS`]) the web crate exports for the page to read by (`controlLayout`).
//! They lead [`RunState`] (`state.rs`), what every wait consults; the rest of [`RunControl`]
//! (a stepped program's turns) is the run's own.
//!
//! Invariant: the top of the run's machinery. The executors and the VM take a whole
//! `RunControl`; the primitives and the turns take only its parts (`state.rs` is below them
//! all), so none of them imports this module.

pub mod state;

use crate::exec::turns::Turns;
use crate::sync::Waiter;
pub use state::{Progress, RunState};

/// A run's control block: the [`RunState`] its waits consult (first, so that the block's
/// address is the page's words), then what only its threads and executors use.
///
/// It dereferences to its [`RunState`]: `control.progress`, `control.waits`,
/// `control.should_stop()`.
#[repr(C)]
#[derive(Debug, Default)]
pub struct RunControl {
    /// Progress, the cancel flag, the wait-for graph.
    pub state: RunState,
    /// A stepped program's turns (its threads are real threads that take turns).
    pub turns: Turns,
}

impl RunControl {
    /// A control block for one run.
    pub const fn new() -> Self {
        Self {
            state: RunState::new(),
            turns: Turns::new(),
        }
    }
}

impl std::ops::Deref for RunControl {
    type Target = RunState;

    fn deref(&self) -> &RunState {
        &self.state
    }
}

impl<'r> Waiter<'r> {
    /// Thread `thread` of the run `control` controls, waiting at no particular line.
    pub fn new(thread: usize, control: &'r RunControl) -> Self {
        Waiter::with_parts(thread, &control.state, &control.turns)
    }
}
