//! What a stepped run is told and what it reports: the plan (a schedule, a pause, a seed),
//! what one step does, the log of the steps taken and where every thread stands. The
//! stepped engine itself is [`super::turns`].

use serde::Serialize;

/// How a stepped run chooses who moves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepPlan {
    /// The threads to step, in order, before anything else.
    pub schedule: Vec<u8>,
    /// After the schedule: stop there (`true`, a paused report) or let the seeded random
    /// scheduler finish the run (`false`).
    pub pause: bool,
    /// Seed of the random scheduler.
    pub seed: u64,
}

/// What one step does: the names are those of trace events, so a real run's trace can be
/// read back as a schedule (see [`crate::Trace::schedule`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// Reads a shared number.
    Read,
    /// Writes a shared number.
    Write,
    /// Takes a lock, a permit, or a condition's lock.
    Acquire,
    /// Starts waiting: for an event, at a barrier (arrives), on a condition (gives its lock
    /// up).
    Wait,
    /// Stops waiting: the event is set, the barrier opened, the condition notified (and its
    /// lock taken back).
    Wake,
    /// Sets an event.
    Signal,
}

/// A stepped run as its report tells it: the schedule it followed, what each step did (the
/// first [`crate::limits::STEP_LOG_LIMIT`]), and where every thread stands at the end.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// Steps taken.
    pub count: u64,
    /// The thread of each step, in order: give it back as `schedule` to replay the run.
    pub schedule: Vec<u8>,
    /// Whether `log` holds every step.
    pub log_complete: bool,
    /// What each step did.
    pub log: Vec<StepEntry>,
    /// Where each thread stands now: done, ready (and what it does next) or blocked (on what).
    pub threads: Vec<ThreadView>,
    /// How many steps had been taken when an invariant was first seen broken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violation_at: Option<u64>,
    /// A digest of the whole state (each thread's history, shared values, the order of its
    /// synchronisation, whether a violation was seen): equal states, equal digests.
    #[serde(skip)]
    pub state: u64,
    /// A program's shared data where the run ended or paused, one row per value that can
    /// still change, named by its path from a global (`accounts[1].balance`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shared: Vec<SharedRow>,
    /// A program stepped on one thread: at some step a thread that could have moved was not
    /// offered (suspended inside a call, such as a `key=` function, beneath another thread
    /// that waits), so this run had fewer choices than real threads would have given.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub narrowed: bool,
}

/// One value of a program's shared data.
#[derive(Debug, Clone, Serialize)]
pub struct SharedRow {
    /// Its path from a global.
    pub name: String,
    /// A number, a string, a boolean, `null`, or a short list of them.
    pub value: serde_json::Value,
}

impl StepReport {
    /// Threads that can move now.
    pub fn enabled(&self) -> impl Iterator<Item = usize> + '_ {
        self.threads
            .iter()
            .enumerate()
            .filter(|(_, v)| v.status == "ready")
            .map(|(t, _)| t)
    }
}

/// One step of a stepped run.
#[derive(Debug, Clone, Serialize)]
pub struct StepEntry {
    /// The thread that moved.
    pub thread: u8,
    /// What it did.
    pub op: StepKind,
    /// On which shared object, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obj: Option<String>,
    /// The value read or written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    /// The program's line, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// A step no other thread's step could conflict with (a program's read of what
    /// nothing writes any more; see [`super::scheduler`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub quiet: bool,
}

impl StepEntry {
    /// A step of a stepped program.
    pub(crate) fn new(
        thread: u8,
        op: StepKind,
        obj: Option<String>,
        line: Option<usize>,
        quiet: bool,
    ) -> Self {
        Self {
            thread,
            op,
            obj,
            value: None,
            line,
            quiet,
        }
    }
}

impl ThreadView {
    /// A thread that has finished.
    pub(crate) fn done() -> Self {
        Self {
            status: "done",
            next: None,
            invalid: false,
        }
    }

    /// A thread waiting for its turn to do `next`: ready, or blocked until what it waits
    /// for is.
    pub(crate) fn waiting(next: NextStep, ready: bool) -> Self {
        Self {
            status: if ready { "ready" } else { "blocked" },
            next: Some(next),
            invalid: false,
        }
    }
}

impl NextStep {
    /// The next step of a stepped program's thread.
    pub(crate) fn new(
        op: StepKind,
        obj: Option<String>,
        line: Option<usize>,
        waits_for: Option<String>,
        quiet: bool,
    ) -> Self {
        Self {
            op,
            obj,
            line,
            waits_for,
            held_by: None,
            quiet,
        }
    }
}

/// Where a thread of a stepped run stands.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadView {
    /// `done`, `ready` or `blocked`.
    pub status: &'static str,
    /// Its next operation, unless done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<NextStep>,
    /// Whether it is in the middle of an update: it has begun to make the shared data
    /// invalid (money debited, a seat that only looks free) and not yet made it whole.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub invalid: bool,
}

/// The operation a thread will do when next stepped.
#[derive(Debug, Clone, Serialize)]
pub struct NextStep {
    /// What it will do.
    pub op: StepKind,
    /// On which shared object, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obj: Option<String>,
    /// The program's line, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What it waits for, when it cannot move.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<String>,
    /// The thread holding the lock it waits for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by: Option<usize>,
    /// Whether the step is quiet (see [`StepEntry::quiet`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub quiet: bool,
}
