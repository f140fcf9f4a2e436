//! The scenarios: shared state, thread bodies, invariants and listings of each lesson.

pub mod bank;

use std::time::Duration;

use serde_json::Value;

use crate::catalog::ScenarioInfo;
use crate::exec::RunEnd;
use crate::report::{ErrorInfo, Executor, InvariantReport, Outcome, Report};
use crate::sync::Abort;

/// Every hand-written scenario's catalog entry. The other demos are lessons only
/// (`www/lessons`), and the faces list them all from `racelab-lessons`'s catalog, which
/// keeps these entries.
pub fn catalog() -> Vec<ScenarioInfo> {
    vec![bank::info()]
}

/// The catalog as JSON (what the JS API's `scenarios()` returns).
pub fn catalog_json() -> String {
    serde_json::to_string(&catalog()).expect("the catalog always serializes")
}

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
    let (outcome, error, deadlock) = match end {
        RunEnd::Completed if any_violated => (Outcome::Violated, None, None),
        RunEnd::Completed => (Outcome::Ok, None, None),
        // Scenarios never yield: their stepped executor is a loop of its own.
        RunEnd::Aborted(Abort::Cancelled | Abort::Yield) => (Outcome::Cancelled, None, None),
        RunEnd::Aborted(Abort::Deadlock(mut d)) => {
            if let Some(listing) = listing_of(scenario, strategy) {
                d.locate(&listing);
            }
            (Outcome::Deadlock, None, Some(d))
        }
        RunEnd::Failed(message) => (Outcome::Error, Some(ErrorInfo::new(message)), None),
        RunEnd::Paused => (Outcome::Paused, None, None),
    };
    Report {
        scenario: Some(scenario.into()),
        strategy: Some(strategy.into()),
        program: None,
        executor: Executor::Parallel,
        params: Value::Null,
        threads,
        elapsed_ms: elapsed.as_secs_f64() * 1e3,
        outcome,
        invariants,
        final_state,
        deadlock,
        error,
        trace: None,
        steps: None,
        output: None,
        exceptions: None,
        view: None,
    }
}

/// The listing of `strategy` of `scenario`, as the catalog gives it.
pub(crate) fn listing_of(
    scenario: &str,
    strategy: &str,
) -> Option<Vec<crate::listing::ListingLine>> {
    catalog()
        .into_iter()
        .find(|s| s.id == scenario)?
        .strategies
        .into_iter()
        .find(|s| s.id == strategy)
        .map(|s| s.listing)
}
