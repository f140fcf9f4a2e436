//! Exploration: many interleavings of one small run, to find one that breaks an invariant
//! or to show that none does.
//!
//! Small runs are *enumerated*: breadth first over schedules, each run again from the start
//! on the stepped executor and paused where its schedule ends. Two schedules that reach the
//! same state (every thread has done and seen the same, every shared number holds the same
//! value, synchronisation happened in the same order, a violation was or was not seen) have
//! the same futures, so only the first is followed: the search covers every reachable state,
//! not every ordering of independent steps. Breadth first makes the first violating schedule
//! found a shortest one. When the queue empties within the budget the search is *exhausted*:
//! then no interleaving of this run breaks an invariant, unless one was found.
//!
//! Runs too long to enumerate are *sampled*: whole runs under the seeded random scheduler,
//! one seed after another. A sample never proves anything safe; it finds what is common.

use std::borrow::Cow;
use std::collections::VecDeque;

use serde::Serialize;
use serde_json::Value;

use crate::config::RunConfig;
use crate::control::RunControl;
use crate::exec::StepPlan;
use crate::limits::{DEFAULT_EXPLORE_BUDGET, MAX_EXPLORE_BUDGET};
use crate::params::{brief, ConfigError, ParamKind, ParamSpec};
use crate::report::{Outcome, Report};

/// Runs longer than this many steps are sampled rather than enumerated.
pub const MAX_ENUMERATED_STEPS: u64 = 200;

/// Most steps one search takes in all, whatever its budget of runs: seconds of work. A
/// budget of 20,000 runs of the lesson's bank (half a million steps each) would otherwise
/// take hours.
pub const MAX_SEARCH_STEPS: u64 = 5_000_000;

/// `budget`: how many runs a search may try.
const BUDGET: ParamSpec = ParamSpec {
    name: Cow::Borrowed("budget"),
    kind: ParamKind::Int {
        min: 1,
        max: MAX_EXPLORE_BUDGET,
        default: DEFAULT_EXPLORE_BUDGET,
    },
    unit: Cow::Borrowed("runs to try"),
    help: Cow::Borrowed("Runs of the scenario a search may try."),
};

/// What a search found.
#[derive(Debug, Clone, Serialize)]
pub struct Exploration {
    /// Scenario id.
    pub scenario: Cow<'static, str>,
    /// Strategy id.
    pub strategy: Cow<'static, str>,
    /// The seed of the threads' own random choices (and of the sampler).
    pub seed: u64,
    /// `enumerated` (breadth first over every reachable state) or `sampled`.
    pub mode: &'static str,
    /// Runs of the scenario tried (each from the start).
    pub runs: u64,
    /// Whole schedules seen to the end (a deadlock is an end).
    pub schedules: u64,
    /// Of those, how many broke an invariant or deadlocked.
    pub violating: u64,
    /// Distinct states reached (enumeration only).
    pub states: u64,
    /// Of those, how many were reached with an invariant already broken, their schedule
    /// not yet at its end (enumeration only): a search stopped by its budget may have seen
    /// invariants break without seeing any whole schedule.
    pub broken_states: u64,
    /// The most steps a tried schedule took before the search paused it or it ended: how
    /// deep a search that did not finish went.
    pub depth: u64,
    /// Steps one whole run takes (the first, with the seed's own choices).
    pub run_length: u64,
    /// Whether every reachable state was visited: with `violating` 0, no interleaving of
    /// this run breaks it.
    pub exhausted: bool,
    /// Whether a Stop ended the search early.
    pub cancelled: bool,
    /// Steps taken by all its runs together.
    pub steps: u64,
    /// Whether the search stopped at [`MAX_SEARCH_STEPS`] before its budget of runs.
    pub out_of_steps: bool,
    /// A shortest violating schedule found, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<Example>,
    /// Time the search took.
    pub elapsed_ms: f64,
}

impl Exploration {
    /// The search's findings as JSON (the form the JS API receives).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an Exploration always serializes")
    }
}

/// The state digests a search has seen: open addressing over digests that are already
/// well mixed, a few lines instead of a general set's code in the wasm.
#[derive(Debug, Default)]
struct Digests {
    slots: Vec<u64>,
    len: usize,
}

impl Digests {
    /// Adds `digest`; false if it was there already. (0 marks an empty slot, so a digest
    /// of 0 is stored as 1: a collision nobody will meet.)
    fn insert(&mut self, digest: u64) -> bool {
        if self.len * 2 >= self.slots.len() {
            let size = (self.slots.len() * 2).max(64);
            let old = std::mem::replace(&mut self.slots, vec![0; size]);
            self.len = 0;
            for d in old.into_iter().filter(|&d| d != 0) {
                self.insert(d);
            }
        }
        let digest = digest.max(1);
        let mask = self.slots.len() - 1;
        let mut i = (digest as usize) & mask;
        loop {
            match self.slots[i] {
                0 => {
                    self.slots[i] = digest;
                    self.len += 1;
                    return true;
                }
                d if d == digest => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }
}

/// A violating schedule: give it as `schedule` (with the same seed) to a stepped run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// The threads to step, in order, up to the step that showed the violation.
    pub schedule: Vec<u8>,
    /// `violated` or `deadlock`.
    pub outcome: Outcome,
}

/// A search's configuration: a run config (small, stepped) and how many runs it may try.
#[derive(Debug, Clone)]
pub struct ExploreConfig {
    /// The run to explore (stepped, no schedule of its own).
    pub run: RunConfig,
    /// Most runs the search may try.
    pub budget: u64,
}

impl ExploreConfig {
    /// Parses `{ scenario, strategy, ...params, seed?, budget? }`.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("config", format!("is not valid JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Validates a search config given as a JSON value.
    pub fn from_value(value: &Value) -> Result<Self, ConfigError> {
        let given = |key: &str| value.get(key).filter(|v| !v.is_null());
        for key in ["schedule", "pause", "trace", "trace_limit"] {
            if given(key).is_some() {
                return Err(ConfigError::new(
                    key,
                    "is not for exploration, which chooses the schedules itself",
                ));
            }
        }
        match given("executor") {
            None => {}
            Some(Value::String(s)) if s == "stepped" => {}
            Some(other) => {
                return Err(ConfigError::new(
                    "executor",
                    format!("exploration always runs \"stepped\", got {}", brief(other)),
                ))
            }
        }
        let budget = BUDGET.int_or_default(value.get("budget"))?;
        let mut run = RunConfig::parse(value, &["budget"])?;
        run.stepped = Some(StepPlan {
            schedule: Vec::new(),
            pause: true,
            seed: run.seed,
        });
        Ok(Self {
            run,
            budget: budget as u64,
        })
    }

    /// Searches, obeying `control`'s Stop.
    pub fn explore(&self, control: &RunControl) -> Result<Exploration, String> {
        let started = web_time::Instant::now();
        let seed = self.run.seed;
        // One whole run first: its length says whether enumeration is affordable.
        let probe = self.attempt(Vec::new(), false, seed, control);
        // A scenario's report always names both (only a program's names neither).
        let (scenario, strategy) = (
            probe.scenario.clone().unwrap_or_default(),
            probe.strategy.clone().unwrap_or_default(),
        );
        let mut found = Exploration {
            scenario,
            strategy,
            seed,
            mode: "enumerated",
            runs: 1,
            schedules: 0,
            violating: 0,
            states: 0,
            broken_states: 0,
            depth: 0,
            run_length: 0,
            exhausted: false,
            cancelled: false,
            steps: 0,
            out_of_steps: false,
            example: None,
            elapsed_ms: 0.0,
        };
        if let Some(e) = &probe.error {
            return Err(e.message.clone());
        }
        let length = probe.steps.as_ref().map_or(0, |s| s.count);
        found.steps = length;
        found.run_length = length;
        if length > MAX_ENUMERATED_STEPS {
            found.mode = "sampled";
            self.sample(probe, &mut found, control);
        } else {
            self.enumerate(&mut found, control)?;
        }
        found.elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
        Ok(found)
    }

    fn attempt(&self, schedule: Vec<u8>, pause: bool, seed: u64, control: &RunControl) -> Report {
        let plan = StepPlan {
            schedule,
            pause,
            seed,
        };
        self.run.run_bare(&plan, control)
    }

    fn enumerate(&self, found: &mut Exploration, control: &RunControl) -> Result<(), String> {
        let mut queue: VecDeque<Vec<u8>> = VecDeque::from([Vec::new()]);
        let mut seen = Digests::default();
        found.runs = 0;
        while let Some(prefix) = queue.pop_front() {
            if found.runs >= self.budget {
                return Ok(());
            }
            // Each run's start clears the cancel flag for that run: look before it.
            if control.is_cancelled() {
                found.cancelled = true;
                return Ok(());
            }
            if found.steps >= MAX_SEARCH_STEPS {
                found.out_of_steps = true;
                return Ok(());
            }
            let report = self.attempt(prefix.clone(), true, found.seed, control);
            found.runs += 1;
            let steps = report
                .steps
                .as_ref()
                .expect("a stepped run reports its steps");
            found.steps += steps.count;
            found.depth = found.depth.max(steps.count);
            match report.outcome {
                Outcome::Paused => {
                    if !seen.insert(steps.state) {
                        continue;
                    }
                    found.states += 1;
                    if steps.violation_at.is_some() {
                        found.broken_states += 1;
                    }
                    if steps.violation_at.is_some() && found.example.is_none() {
                        found.example = Some(Example {
                            schedule: prefix.clone(),
                            outcome: Outcome::Violated,
                        });
                    }
                    for t in steps.enabled() {
                        let mut next = prefix.clone();
                        next.push(t as u8);
                        queue.push_back(next);
                    }
                }
                Outcome::Ok | Outcome::Violated | Outcome::Deadlock => {
                    if seen.insert(steps.state) {
                        found.states += 1;
                    }
                    found.schedules += 1;
                    if report.outcome != Outcome::Ok {
                        found.violating += 1;
                        found.example.get_or_insert(Example {
                            schedule: prefix,
                            outcome: report.outcome,
                        });
                    }
                }
                Outcome::Cancelled => {
                    found.cancelled = true;
                    return Ok(());
                }
                Outcome::Error => {
                    return Err(report.error.map(|e| e.message).unwrap_or_default());
                }
            }
        }
        found.exhausted = true;
        Ok(())
    }

    fn sample(&self, first: Report, found: &mut Exploration, control: &RunControl) {
        let mut report = first;
        let mut n = 0u64;
        loop {
            match report.outcome {
                Outcome::Cancelled => {
                    found.cancelled = true;
                    return;
                }
                Outcome::Error => return,
                outcome => {
                    found.schedules += 1;
                    let steps = report
                        .steps
                        .as_ref()
                        .expect("a stepped run reports its steps");
                    let broke = match outcome {
                        Outcome::Deadlock => Some((steps.schedule.len(), Outcome::Deadlock)),
                        _ => steps
                            .violation_at
                            .map(|at| (at as usize, Outcome::Violated)),
                    };
                    if let Some((at, outcome)) = broke {
                        found.violating += 1;
                        let shorter = found.example.as_ref().is_none_or(|e| at < e.schedule.len());
                        if shorter {
                            found.example = Some(Example {
                                schedule: steps.schedule[..at.min(steps.schedule.len())].to_vec(),
                                outcome,
                            });
                        }
                    }
                }
            }
            n += 1;
            if found.runs >= self.budget {
                return;
            }
            if control.is_cancelled() {
                found.cancelled = true;
                return;
            }
            // Each sample's scheduler has a seed of its own; the threads' choices keep theirs.
            if found.steps >= MAX_SEARCH_STEPS {
                found.out_of_steps = true;
                return;
            }
            report = self.attempt(Vec::new(), false, found.seed.wrapping_add(n), control);
            found.runs += 1;
            found.steps += report.steps.as_ref().map_or(0, |s| s.count);
        }
    }
}
