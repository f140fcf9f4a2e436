//! Exploring a program's interleavings: every way its threads can take turns, breadth
//! first, each a stepped run from the start.
//!
//! A run is stepped as its schedule says and then, while only one thread can move, on
//! without asking; where two or more threads can move it pauses, and each of them is
//! tried next as its own schedule. A run that ends is a whole schedule: `violated` (a
//! check or an assert failed, an exception escaped) or `deadlock` count as violating, and
//! the first found, breadth first, is a shortest one in choices. With no violating
//! schedule and nothing left to try, no interleaving breaks the program.
//!
//! Sleep sets prune orders that cannot matter: after trying thread `a` first at a choice,
//! the other branches keep `a` asleep (not tried) for as long as what they do is
//! independent of `a`'s next operation (a different global or lock, or both only reads),
//! since running `a` there would only reach a state already explored. Operations whose
//! object is not named (attributes, elements) count as touching everything. No states are
//! merged, so this suits small programs: two or three threads doing a few operations.

use std::collections::VecDeque;

use racelab::exec::StepKind;
use racelab::params::brief;
use racelab::{ConfigError, Example, Outcome};
use serde::Serialize;
use serde_json::Value;

use crate::run::ProgramConfig;
use crate::vm::{CancelRef, RunOptions};

/// One step's operation, as far as ordering goes: what it does, and to what (if named).
#[derive(Clone, Debug)]
struct Op {
    kind: StepKind,
    obj: Option<String>,
}

impl Op {
    /// Whether the order of the two can matter: the same named object and not both reads,
    /// or an object not named (it may be anything).
    fn conflicts(&self, other: &Op) -> bool {
        match (&self.obj, &other.obj) {
            (Some(a), Some(b)) => {
                a == b && !(self.kind == StepKind::Read && other.kind == StepKind::Read)
            }
            _ => true,
        }
    }
}

/// A thread kept asleep in a branch: its next operation, to be woken by a conflicting step.
#[derive(Clone, Debug)]
struct Asleep {
    thread: usize,
    op: Op,
}

/// Runs a search tries when the config does not say.
pub const DEFAULT_BUDGET: u64 = 20_000;
/// Most runs a search may be given.
pub const MAX_BUDGET: u64 = 1_000_000;

/// A search of a program's interleavings: the program (stepped) and its budget of runs.
#[derive(Clone, Debug)]
pub struct ProgramSearch {
    /// The program, with its seed and step budget.
    pub program: ProgramConfig,
    /// Most runs to try.
    pub budget: u64,
}

/// What a search found.
#[derive(Clone, Debug, Serialize)]
pub struct ProgramExploration {
    /// The program's file name.
    pub program: String,
    /// The seed of the program's `random`.
    pub seed: u64,
    /// Always `enumerated`: every choice of who moves is tried.
    pub mode: &'static str,
    /// Runs tried (each from the start).
    pub runs: u64,
    /// Whole schedules seen to their end (a deadlock is an end).
    pub schedules: u64,
    /// Of those, how many broke a check, raised or deadlocked.
    pub violating: u64,
    /// Whether every interleaving was tried: with `violating` 0, none breaks the program.
    pub exhausted: bool,
    /// Stepped on one thread, some run could not offer a thread that real threads would
    /// have (it was suspended inside a call such as a `key=` function, beneath another
    /// thread's wait): the search then saw fewer interleavings than there are, and is not
    /// exhausted however far it went. Run it with real threads to try them all.
    pub narrowed: bool,
    /// Whether a Stop ended the search early.
    pub cancelled: bool,
    /// Steps taken by all its runs together.
    pub steps: u64,
    /// A shortest violating schedule found (give it back as `schedule` to replay it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<Example>,
    /// Time the search took.
    pub elapsed_ms: f64,
}

impl ProgramExploration {
    /// The result as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

impl ProgramSearch {
    /// Checks a search config: a program's (`program`, `filename`, `seed`, `max_steps`) and
    /// `budget`.
    pub fn from_value(config: &Value) -> Result<ProgramSearch, ConfigError> {
        let Some(obj) = config.as_object() else {
            return Err(ConfigError::new(
                "config",
                format!(
                    "must be an object like {{\"program\": \"...\", \"budget\": 1000}}, got {}",
                    brief(config)
                ),
            ));
        };
        let mut program = obj.clone();
        let budget = match program.remove("budget") {
            None | Some(Value::Null) => DEFAULT_BUDGET,
            Some(v) => match v.as_u64() {
                Some(n) if (1..=MAX_BUDGET).contains(&n) => n,
                _ => {
                    return Err(ConfigError::new(
                        "budget",
                        format!(
                            "must be a whole number of runs from 1 to {MAX_BUDGET}, got {}",
                            brief(&v)
                        ),
                    ))
                }
            },
        };
        for key in ["executor", "schedule", "pause"] {
            if program.get(key).is_some_and(|v| !v.is_null()) {
                return Err(ConfigError::new(
                    key,
                    "an exploration chooses every schedule itself; leave it out",
                ));
            }
        }
        program.insert("executor".into(), Value::from("stepped"));
        program.insert("pause".into(), Value::Bool(true));
        let mut program = ProgramConfig::from_value(&Value::Object(program))?;
        program.pause_at_choice = true;
        Ok(ProgramSearch { program, budget })
    }

    /// Tries the program's interleavings, breadth first, until none is left, the budget
    /// is spent, or `cancel` says stop. `options` gives the runs their threads, control
    /// block and cancel hook; the seed and step budget are the search's own, so that the
    /// runs tried are the ones its example replays.
    pub fn explore(&self, options: &RunOptions) -> ProgramExploration {
        let started = web_time::Instant::now();
        let own = self.program.options();
        let options = &RunOptions {
            seed: own.seed,
            max_steps: own.max_steps,
            ..options.clone()
        };
        let mut found = ProgramExploration {
            program: self.program.filename.clone(),
            seed: self.program.seed,
            mode: "enumerated",
            runs: 0,
            schedules: 0,
            violating: 0,
            exhausted: false,
            narrowed: false,
            cancelled: false,
            steps: 0,
            example: None,
            elapsed_ms: 0.0,
        };
        let compiled = match self.program.compile() {
            Ok(p) => p,
            Err(_) => {
                // Nothing to explore: the program's own run says where it is wrong.
                found.exhausted = true;
                return found;
            }
        };
        let cancelled = |c: &Option<CancelRef>| c.as_ref().is_some_and(|c| (c.0)());
        let mut queue: VecDeque<(Vec<u8>, Vec<Asleep>)> =
            VecDeque::from([(Vec::new(), Vec::new())]);
        while let Some((prefix, asleep)) = queue.pop_front() {
            if found.runs >= self.budget {
                queue.push_front((prefix, asleep));
                break;
            }
            if cancelled(&options.cancel) {
                found.cancelled = true;
                queue.push_front((prefix, asleep));
                break;
            }
            let given = prefix.len();
            let mut config = self.program.clone();
            if let Some(plan) = config.stepped.as_mut() {
                plan.schedule = prefix;
            }
            let report = config.run_with(&compiled, options.clone());
            found.runs += 1;
            let Some(steps) = &report.steps else { break };
            found.steps += steps.count;
            found.narrowed |= steps.narrowed;
            match report.outcome {
                Outcome::Paused => {
                    // The steps taken on their own since the choice wake whom they touch.
                    let mut asleep = asleep;
                    if steps.log_complete {
                        for e in steps.log.iter().skip(given.saturating_sub(1)) {
                            let op = Op {
                                kind: e.op,
                                obj: e.obj.clone(),
                            };
                            asleep
                                .retain(|a| a.thread != e.thread as usize && !a.op.conflicts(&op));
                        }
                    } else {
                        asleep.clear();
                    }
                    let mut tried: Vec<Asleep> = Vec::new();
                    for t in steps.enabled() {
                        let Some(next) = steps.threads.get(t).and_then(|v| v.next.as_ref()) else {
                            continue;
                        };
                        let op = Op {
                            kind: next.op,
                            obj: next.obj.clone(),
                        };
                        if asleep.iter().any(|a| a.thread == t) {
                            continue;
                        }
                        let mut schedule = steps.schedule.clone();
                        schedule.push(t as u8);
                        let child: Vec<Asleep> = asleep
                            .iter()
                            .chain(&tried)
                            .filter(|a| !a.op.conflicts(&op))
                            .cloned()
                            .collect();
                        queue.push_back((schedule, child));
                        tried.push(Asleep { thread: t, op });
                    }
                }
                Outcome::Violated | Outcome::Deadlock => {
                    found.schedules += 1;
                    found.violating += 1;
                    let shorter = found
                        .example
                        .as_ref()
                        .is_none_or(|e| steps.schedule.len() < e.schedule.len());
                    if shorter {
                        found.example = Some(Example {
                            schedule: steps.schedule.clone(),
                            outcome: report.outcome,
                        });
                    }
                }
                Outcome::Cancelled => {
                    found.cancelled = true;
                    break;
                }
                Outcome::Ok | Outcome::Error => found.schedules += 1,
            }
        }
        found.exhausted = queue.is_empty() && !found.cancelled && !found.narrowed;
        found.elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
        found
    }
}
