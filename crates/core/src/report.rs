//! The Report: one shape for every scenario, executor and face (web, CLI, tests).

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
    /// Stable id, e.g. `total-conserved`.
    pub id: &'static str,
    /// The invariant in words.
    pub text: &'static str,
    /// True when it was never seen broken.
    pub held: bool,
    /// How many checks saw it broken.
    pub violations: u64,
}

impl InvariantReport {
    /// The result of `violations` failed checks of the invariant `id`.
    pub fn new(id: &'static str, text: &'static str, violations: u64) -> Self {
        Self {
            id,
            text,
            held: violations == 0,
            violations,
        }
    }
}

/// Why a run ended in `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    /// What went wrong, in words.
    pub message: String,
}

/// Everything a run tells: what ran, how it ended, which invariants held, the final state.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Scenario id.
    pub scenario: &'static str,
    /// Strategy id.
    pub strategy: &'static str,
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
