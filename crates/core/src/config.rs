//! A run's configuration: parsed from JSON (the JS API, the CLI), validated, and run.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::control::RunControl;
use crate::exec::{Exec, StepPlan, Threads};
use crate::limits::{DEFAULT_TRACE_LIMIT, MAX_SCHEDULE, MAX_SEED, MAX_TRACE_LIMIT};
use crate::params::{brief, ConfigError, ParamKind, ParamSpec, Values};
use crate::report::Executor;
use crate::report::Report;
use crate::scenarios::bank;
use crate::scenarios::catalog;

/// A scenario with its strategy and validated parameters: only valid combinations exist.
/// (The other demos are lesson programs only: `racelab-lessons` runs them.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setup {
    /// The bank.
    Bank(bank::Strategy, bank::Params),
}

impl Setup {
    /// How many threads the run needs at once, and the parameter that sets that number.
    pub fn threads(&self) -> (usize, &'static str) {
        match self {
            Setup::Bank(_, p) => (p.threads, "threads"),
        }
    }
}

/// The strategy of `all` whose id is `id` (already checked against the catalog).
fn pick<S: Copy>(all: &[S], id_of: fn(S) -> &'static str, id: &str) -> S {
    *all.iter()
        .find(|s| id_of(**s) == id)
        .expect("the catalog lists exactly the strategies of each scenario")
}

/// A validated configuration, ready to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// What to run.
    pub setup: Setup,
    /// Seed of the threads' random choices (given, or drawn from the clock).
    pub seed: u64,
    /// How many events of the run to trace, when it is traced.
    pub trace: Option<u64>,
    /// A stepped run's plan (`executor: "stepped"`); `None` runs on real threads.
    pub stepped: Option<StepPlan>,
    /// Every parameter as used, for the report.
    values: Values,
}

/// Keys of a config that are not scenario parameters.
const RESERVED: &[&str] = &[
    "scenario",
    "strategy",
    "seed",
    "executor",
    "trace",
    "trace_limit",
    "schedule",
    "pause",
];

impl RunConfig {
    /// Parses and validates a JSON config such as
    /// `{"scenario": "bank", "strategy": "none", "threads": 5}`.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("config", format!("is not valid JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Validates a config given as a JSON value.
    pub fn from_value(value: &Value) -> Result<Self, ConfigError> {
        Self::parse(value, &[])
    }

    /// Validates a config in which the keys `extra` belong to the caller (exploration's
    /// `budget`), not to the scenario.
    pub(crate) fn parse(value: &Value, extra: &[&str]) -> Result<Self, ConfigError> {
        let obj = value.as_object().ok_or_else(|| {
            ConfigError::new(
                "config",
                format!(
                    "must be an object like {{\"scenario\": \"bank\"}}, got {}",
                    brief(value)
                ),
            )
        })?;
        let infos = catalog();
        let ids: Vec<&str> = infos.iter().map(|s| s.id).collect();
        let scenario = match obj.get("scenario") {
            Some(Value::String(s)) => s.as_str(),
            Some(other) => {
                return Err(ConfigError::new(
                    "scenario",
                    format!("must be one of {}, got {}", ids.join(", "), brief(other)),
                ))
            }
            None => {
                return Err(ConfigError::new(
                    "scenario",
                    format!("is missing; choose one of {}", ids.join(", ")),
                ))
            }
        };
        let info = infos.iter().find(|s| s.id == scenario).ok_or_else(|| {
            ConfigError::new(
                "scenario",
                format!(
                    "unknown scenario \"{scenario}\"; choose one of {}",
                    ids.join(", ")
                ),
            )
        })?;
        let strategy_ids: Vec<&str> = info.strategies.iter().map(|s| s.id).collect();
        let strategy =
            match obj.get("strategy") {
                None | Some(Value::Null) => info.strategies[0].id,
                Some(Value::String(s)) => strategy_ids
                    .iter()
                    .copied()
                    .find(|id| id == s)
                    .ok_or_else(|| {
                        ConfigError::new(
                            "strategy",
                            format!(
                                "unknown strategy \"{s}\" for {scenario}; choose one of {}",
                                strategy_ids.join(", ")
                            ),
                        )
                    })?,
                Some(other) => {
                    return Err(ConfigError::new(
                        "strategy",
                        format!(
                            "must be one of {}, got {}",
                            strategy_ids.join(", "),
                            brief(other)
                        ),
                    ))
                }
            };
        let stepped = match obj.get("executor") {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) if s == "parallel" => false,
            Some(Value::String(s)) if s == "stepped" => true,
            Some(other) => {
                return Err(ConfigError::new(
                    "executor",
                    format!(
                        "must be \"parallel\" (real threads) or \"stepped\" (one operation \
                         at a time), got {}",
                        brief(other)
                    ),
                ))
            }
        };
        let seed = seed_of(obj.get("seed"))?;
        let trace = parse_trace(obj)?;
        let params: BTreeMap<String, Value> = obj
            .iter()
            .filter(|(k, _)| !RESERVED.contains(&k.as_str()) && !extra.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let values = Values::parse(scenario, info.params, &params)?;
        let step_keys = [obj.get("schedule"), obj.get("pause")];
        if !stepped {
            if let Some(key) = ["schedule", "pause"]
                .into_iter()
                .zip(step_keys)
                .find_map(|(k, v)| v.filter(|v| !v.is_null()).map(|_| k))
            {
                return Err(ConfigError::new(
                    key,
                    "only a stepped run takes it; add \"executor\": \"stepped\"",
                ));
            }
        }
        let setup = match scenario {
            bank::ID => Setup::Bank(
                pick(&bank::Strategy::ALL, bank::Strategy::id, strategy),
                bank::Params::from_values(&values),
            ),
            _ => unreachable!("every catalog scenario has a setup"),
        };
        let stepped = match stepped {
            true => Some(step_plan_of(obj, setup.threads().0, seed)?),
            false => None,
        };
        Ok(Self {
            setup,
            seed,
            trace,
            stepped,
            values,
        })
    }

    /// How many threads the run needs at once.
    pub fn threads(&self) -> usize {
        self.setup.threads().0
    }

    /// Refuses the run, naming the parameter to lower, when it needs more threads at once
    /// than `capacity` (a thread blocked on a lock must still have one of its own).
    /// A stepped run needs one real thread whatever its size.
    pub fn check_capacity(&self, capacity: usize) -> Result<(), ConfigError> {
        let (needed, field) = self.setup.threads();
        if needed <= capacity || self.stepped.is_some() {
            return Ok(());
        }
        Err(ConfigError::new(
            field,
            format!(
                "this run needs {needed} threads at once, each able to block, but only \
                 {capacity} are available; lower {field} so that at most {capacity} are needed"
            ),
        ))
    }

    /// Runs the configuration, reporting progress to (and obeying) `control`: on `threads`,
    /// or stepped on this thread when the config says `executor: "stepped"`.
    pub fn run(&self, threads: &dyn Threads, control: &RunControl) -> Report {
        control.trace.arm(self.trace);
        let exec = match &self.stepped {
            Some(plan) => Exec::Stepped(plan),
            None => Exec::Parallel(threads),
        };
        let mut report = self.run_with(exec, control);
        if self.stepped.is_some() {
            report.executor = Executor::Stepped;
            let mut steps = control.steps.finish();
            if let (Some(scenario), Some(strategy)) = (&report.scenario, &report.strategy) {
                if let Some(listing) = crate::scenarios::listing_of(scenario, strategy) {
                    steps.locate(&listing);
                }
            }
            report.steps = Some(steps);
        }
        let mut params = match serde_json::to_value(&self.values) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        params.insert("seed".into(), Value::from(self.seed));
        report.params = Value::Object(params);
        report.trace = control.trace.take();
        report
    }

    /// A stepped run as exploration needs it, many times over: the report and its steps,
    /// without the parameters or listing lines that only a reader needs.
    /// The plan is given rather than read from the config, so that a search of thousands of
    /// runs does not copy the config for each.
    pub(crate) fn run_bare(&self, plan: &StepPlan, control: &RunControl) -> Report {
        control.trace.arm(None);
        let mut report = self.run_with(Exec::Stepped(plan), control);
        report.executor = Executor::Stepped;
        report.steps = Some(control.steps.finish());
        report
    }

    fn run_with(&self, threads: Exec<'_>, control: &RunControl) -> Report {
        match &self.setup {
            Setup::Bank(strategy, p) => bank::run(p, *strategy, self.seed, threads, control),
        }
    }
}

/// `trace_limit`: how many events a traced run keeps.
const TRACE_LIMIT: ParamSpec = ParamSpec {
    name: Cow::Borrowed("trace_limit"),
    kind: ParamKind::Int {
        min: 1,
        max: MAX_TRACE_LIMIT,
        default: DEFAULT_TRACE_LIMIT,
    },
    unit: Cow::Borrowed("events kept"),
    help: Cow::Borrowed("Events of a traced run to keep (its first ones)."),
};

/// `trace` (true or false) and `trace_limit` (events kept): how many events to trace, if any.
/// A program's config reads them the same way.
pub fn parse_trace(obj: &Map<String, Value>) -> Result<Option<u64>, ConfigError> {
    let on = match obj.get("trace") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(ConfigError::new(
                "trace",
                format!("must be true or false, got {}", brief(other)),
            ))
        }
    };
    let limit = TRACE_LIMIT.int_or_default(obj.get("trace_limit"))?;
    if on && !crate::trace::COMPILED_IN {
        return Err(ConfigError::new(
            "trace",
            "this build of racelab has tracing compiled out (the `trace` feature)",
        ));
    }
    Ok(on.then_some(limit as u64))
}

/// A stepped run's plan from its config: `schedule` (threads from 0 to `threads - 1`),
/// `pause` and the seed.
pub fn step_plan_of(
    obj: &serde_json::Map<String, Value>,
    threads: usize,
    seed: u64,
) -> Result<StepPlan, ConfigError> {
    Ok(StepPlan {
        schedule: parse_schedule(obj.get("schedule"), threads)?,
        pause: match obj.get("pause") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(ConfigError::new(
                    "pause",
                    format!("must be true or false, got {}", brief(other)),
                ))
            }
        },
        seed,
    })
}

/// `schedule`: the threads a stepped run steps first, each from 0 to `threads - 1`.
fn parse_schedule(value: Option<&Value>, threads: usize) -> Result<Vec<u8>, ConfigError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() as i64 <= MAX_SCHEDULE => items,
        Some(Value::Array(items)) => {
            return Err(ConfigError::new(
                "schedule",
                format!("may hold at most {MAX_SCHEDULE} steps, got {}", items.len()),
            ))
        }
        Some(other) => {
            return Err(ConfigError::new(
                "schedule",
                format!(
                    "must be a list of thread numbers like [0, 1, 1, 0], got {}",
                    brief(other)
                ),
            ))
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| match v.as_i64() {
            Some(t) if (0..threads as i64).contains(&t) => Ok(t as u8),
            _ => Err(ConfigError::new(
                "schedule",
                format!(
                    "[{i}] must be a thread from 0 to {}, got {}",
                    threads - 1,
                    brief(v)
                ),
            )),
        })
        .collect()
}

/// A config's `seed` field, checked: a whole number from 0 to [`MAX_SEED`], or a fresh one
/// from the clock when absent or null (a program's config reads it the same way).
pub fn seed_of(value: Option<&Value>) -> Result<u64, ConfigError> {
    match value {
        None | Some(Value::Null) => Ok(fresh_seed()),
        Some(v) => match v.as_i64() {
            Some(n) if (0..=MAX_SEED).contains(&n) => Ok(n as u64),
            _ => Err(ConfigError::new(
                "seed",
                format!(
                    "must be a whole number from 0 to {MAX_SEED}, got {}",
                    brief(v)
                ),
            )),
        },
    }
}

/// A seed from the clock, for runs that did not ask for one.
fn fresh_seed() -> u64 {
    let nanos = web_time::SystemTime::now()
        .duration_since(web_time::SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // Mix so that seeds drawn in the same millisecond (wasm's clock) still differ.
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    fastrand::Rng::with_seed(nanos ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)).u64(..)
        & MAX_SEED as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ConfigError {
        RunConfig::from_json(text).unwrap_err()
    }

    #[test]
    fn defaults_are_the_lessons() {
        let c = RunConfig::from_json(r#"{"scenario":"bank"}"#).unwrap();
        match c.setup {
            Setup::Bank(bank::Strategy::None, p) => {
                assert_eq!(p.accounts, bank::LESSON_ACCOUNTS);
                assert_eq!(
                    (p.threads, p.transfers_per_thread, p.max_amount),
                    (5, 9999, 100)
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_scenario_and_strategy_are_named_with_the_choices() {
        let e = err(r#"{"scenario":"casino"}"#);
        assert_eq!(e.field, "scenario");
        assert!(
            e.message.contains("\"casino\"") && e.message.contains("bank"),
            "{e}"
        );
        let e = err(r#"{"scenario":"bank","strategy":"lock"}"#);
        assert_eq!(e.field, "strategy");
        assert!(
            e.message
                .contains("none, global, fine, fine-unordered, check-outside"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_name_the_field_and_range() {
        let cases = [
            (
                r#"{"scenario":"bank","threads":0}"#,
                "threads",
                "from 1 to 16",
            ),
            (
                r#"{"scenario":"bank","threads":17}"#,
                "threads",
                "from 1 to 16",
            ),
            (
                r#"{"scenario":"bank","transfers_per_thread":2000000}"#,
                "transfers_per_thread",
                "to 1000000",
            ),
            (
                r#"{"scenario":"bank","threads":"ten"}"#,
                "threads",
                "got \"ten\"",
            ),
            (r#"{"scenario":"bank","seed":-3}"#, "seed", "from 0"),
            (r#"{"scenario":7}"#, "scenario", "got 7"),
            (r#"[1,2]"#, "config", "must be an object"),
            (r#"{"#, "config", "not valid JSON"),
        ];
        for (json, field, words) in cases {
            let e = err(json);
            assert_eq!(e.field, field, "{json}: {e}");
            assert!(e.to_string().contains(words), "{json}: {e}");
        }
    }
}
