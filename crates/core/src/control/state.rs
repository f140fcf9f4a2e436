//! The part of a run's control block that its threads' waits consult: the [`Progress`] the
//! page reads (and its cancel flag), the wait-for graph, and whether the run is ending.
//!
//! Invariant: below everything that waits. The primitives and the stepped program's turns
//! read it to know when to give up; it knows none of them, only the wait-for graph.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};

use crate::sync::graph::WaitGraph;

/// The words the page reads while a run blocks its worker, and `cancel`, which it writes:
/// `u32`s in the order of [`Progress::WORDS`], at the address of the run's control block.
#[repr(C)]
#[derive(Debug, Default)]
pub struct Progress {
    /// Bumped at the start of every run, so a reader can tell runs apart.
    pub run_seq: AtomicU32,
    /// Steps finished so far (a transfer).
    pub steps_done: AtomicU32,
    /// Steps the run will take in all.
    pub steps_total: AtomicU32,
    /// Invariant violations seen so far.
    pub violations: AtomicU32,
    /// Non-zero asks the run to stop at its next step.
    pub cancel: AtomicU32,
}

impl Progress {
    /// The words' names, in memory order (one `u32` each), as the page knows them.
    pub const WORDS: [&'static str; 5] = ["runSeq", "done", "total", "violations", "cancel"];

    const fn new() -> Self {
        Self {
            run_seq: AtomicU32::new(0),
            steps_done: AtomicU32::new(0),
            steps_total: AtomicU32::new(0),
            violations: AtomicU32::new(0),
            cancel: AtomicU32::new(0),
        }
    }
}

// The page reads `Progress::WORDS.len()` words: the struct must be exactly those.
const _: () = assert!(std::mem::size_of::<Progress>() == Progress::WORDS.len() * 4);

/// What every wait of a run consults: the page's words (first, so that the block's address
/// is theirs), the wait-for graph, and whether the run is ending.
#[repr(C)]
#[derive(Debug, Default)]
pub struct RunState {
    /// What the page reads and the cancel flag it sets.
    pub progress: Progress,
    /// Who waits for which lock; a deadlock found in it halts the run.
    pub waits: WaitGraph,
    /// The run is over and the threads still running must stop (a program's daemon
    /// threads, or threads a paused run left): like a Stop, but not one the page asked for.
    ending: AtomicBool,
}

impl RunState {
    /// The state of a run not yet begun.
    pub const fn new() -> Self {
        Self {
            progress: Progress::new(),
            waits: WaitGraph::new(),
            ending: AtomicBool::new(false),
        }
    }
    /// Resets the counters for a new run of `steps_total` steps.
    pub fn begin(&self, steps_total: u64) {
        let p = &self.progress;
        p.steps_done.store(0, Relaxed);
        p.violations.store(0, Relaxed);
        p.cancel.store(0, Relaxed);
        self.ending.store(false, Relaxed);
        self.waits.reset();
        p.steps_total.store(clamp_u32(steps_total), Relaxed);
        p.run_seq.fetch_add(1, Relaxed);
    }

    /// Starts another run within the same job (an exploration's next run): forgets the
    /// last run's deadlock and threads, but not a Stop asked for meanwhile.
    pub fn begin_attempt(&self) {
        self.ending.store(false, Relaxed);
        self.waits.reset();
    }

    /// The run is over: the threads still running stop at their next look, as on a Stop,
    /// without the run counting as cancelled.
    pub fn end_threads(&self) {
        self.ending.store(true, Relaxed);
    }

    /// Asks the run in flight to stop.
    pub fn request_cancel(&self) {
        self.progress.cancel.store(1, Relaxed);
    }

    /// Whether a stop was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.progress.cancel.load(Relaxed) != 0
    }

    /// Whether the threads should give up: a stop was asked for, or a deadlock was found
    /// (the thread that found it reports it; the others just stop).
    pub fn should_stop(&self) -> bool {
        self.is_cancelled() || self.waits.is_halted() || self.ending.load(Relaxed)
    }
}

fn clamp_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
