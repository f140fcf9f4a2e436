//! The Report: one shape for every scenario, executor and face (web, CLI, tests).

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

use crate::exec::StepReport;
use crate::sync::Deadlock;
use crate::trace::Trace;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Finished, every invariant held.
    Ok,
    /// Finished, at least one invariant was violated.
    Violated,
    /// Threads waited for each other (or a thread for itself) forever.
    Deadlock,
    /// Stopped on request before finishing.
    Cancelled,
    /// The run could not be carried out (see `error`).
    Error,
    /// A stepped run stopped where its schedule ended, as asked (step mode): `final` and
    /// the invariants tell the state at that point, `steps` where each thread stands.
    Paused,
}

/// Which executor produced the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Executor {
    /// Real threads, all at once.
    Parallel,
    /// One thread, one operation at a time, in a chosen or seeded order.
    Stepped,
}

/// What became of one invariant during a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvariantReport {
    /// Stable id, e.g. `total-conserved` (for a program's `check`, the name it gave).
    pub id: Cow<'static, str>,
    /// The invariant in words.
    pub text: Cow<'static, str>,
    /// True when it was never seen broken.
    pub held: bool,
    /// How many checks saw it broken.
    pub violations: u64,
    /// For a program's `check`: the line of its first failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

impl InvariantReport {
    /// The result of `violations` failed checks of the invariant `id`.
    pub fn new(
        id: impl Into<Cow<'static, str>>,
        text: impl Into<Cow<'static, str>>,
        violations: u64,
    ) -> Self {
        Self {
            id: id.into(),
            text: text.into(),
            held: violations == 0,
            violations,
            line: None,
        }
    }
}

/// Why a run ended in `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    /// What went wrong, in words.
    pub message: String,
    /// For a program that does not compile: the line (from 1) the message is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// For a program that does not compile: the column (from 1) on that line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl ErrorInfo {
    /// An error that is about no particular place in a program.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

/// One `print` of a program: which thread printed it and what, without the trailing newline
/// (`print(..., end="")` pieces are their own entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Printed {
    /// The printing thread (0 is the program's main thread).
    pub thread: usize,
    /// The text, without the `end` that followed it.
    pub text: String,
    /// The `end` it was printed with, when not the usual newline (`print(x, end="")`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// An exception that escaped a thread of a program, as CPython would print it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionInfo {
    /// The thread it ended (0 is the program's main thread).
    pub thread: usize,
    /// The exception's class, e.g. `ZeroDivisionError`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// `str()` of the exception.
    pub message: String,
    /// The line it was raised at.
    pub line: u32,
    /// CPython's traceback text, `Traceback (most recent call last):` to the last line
    /// (for a thread other than the main one, after "Exception in thread NAME:").
    pub traceback: String,
}

/// Everything a run tells: what ran, how it ended, which invariants held, the final state.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Scenario id (absent for a program).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Cow<'static, str>>,
    /// Strategy id (absent for a program).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Cow<'static, str>>,
    /// For a program: its file name (`prog.py` when it was given as text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// Which executor ran it.
    pub executor: Executor,
    /// Every parameter as used (given or defaulted), plus the seed.
    pub params: Value,
    /// How many scenario threads ran.
    pub threads: usize,
    /// Wall-clock time of the run, in milliseconds.
    pub elapsed_ms: f64,
    /// How it ended.
    pub outcome: Outcome,
    /// Each invariant and how often it was violated.
    pub invariants: Vec<InvariantReport>,
    /// Scenario-specific final state.
    #[serde(rename = "final")]
    pub final_state: Value,
    /// Present when `outcome` is `deadlock`: the wait-for cycle the threads were caught in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadlock: Option<Deadlock>,
    /// Present when `outcome` is `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// Present when the config asked for `trace`: what every thread did, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
    /// Present for stepped runs: the schedule, each step, and where every thread stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<StepReport>,
    /// For a program: everything it printed, in the order printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Vec<Printed>>,
    /// For a program: the exceptions that escaped its threads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exceptions: Option<Vec<ExceptionInfo>>,
    /// For a lesson's run: its final state as the lesson's manifest draws it (a title, table
    /// rows or lanes of moments, the number a batch draws, a summary phrase, a challenge's
    /// story), all plain values; or `{ "error": "..." }` naming what failed to draw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<Value>,
}

impl Report {
    /// The invariant `id`, if the scenario has one of that name.
    pub fn invariant(&self, id: &str) -> Option<&InvariantReport> {
        self.invariants.iter().find(|i| i.id == id)
    }

    /// The report as a JSON string (the form the JS API receives).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a Report always serializes")
    }
}
