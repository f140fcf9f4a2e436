//! The scenarios: shared state, thread bodies, invariants and listings of each lesson.

pub mod bank;
pub mod booking;

use std::time::Duration;

use serde_json::Value;

use crate::exec::RunEnd;
use crate::report::{ErrorInfo, Executor, InvariantReport, Outcome, Report};
use crate::sync::Abort;

/// Builds a scenario's report from how its threads ended and what its invariants saw.
/// `params` is filled in by the caller, which knows the configuration as given.
pub(crate) fn finish(
    scenario: &'static str,
    strategy: &'static str,
    threads: usize,
    elapsed: Duration,
    end: RunEnd,
    invariants: Vec<InvariantReport>,
    final_state: Value,
) -> Report {
    let any_violated = invariants.iter().any(|i| !i.held);
    let (outcome, error) = match end {
        RunEnd::Completed if any_violated => (Outcome::Violated, None),
        RunEnd::Completed => (Outcome::Ok, None),
        RunEnd::Aborted(Abort::Cancelled) => (Outcome::Cancelled, None),
        RunEnd::Aborted(Abort::SelfDeadlock) => (Outcome::Deadlock, None),
        RunEnd::Failed(message) => (Outcome::Error, Some(ErrorInfo { message })),
    };
    Report {
        scenario,
        strategy,
        executor: Executor::Parallel,
        params: Value::Null,
        threads,
        elapsed_ms: elapsed.as_secs_f64() * 1e3,
        outcome,
        invariants,
        final_state,
        error,
    }
}
