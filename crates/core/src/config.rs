//! The settings every run's config shares, read from JSON (the JS API, the CLI) and checked:
//! `seed`, `trace` and `trace_limit`, and a stepped run's `schedule` and `pause`. A
//! program's config (`racelab-lang`) and a lesson's (`racelab-lessons`) read them here.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::exec::StepPlan;
use crate::limits::{DEFAULT_TRACE_LIMIT, MAX_SCHEDULE, MAX_SEED, MAX_TRACE_LIMIT};
use crate::params::{brief, ConfigError, ParamKind, ParamSpec};

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
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn bad_settings_name_the_field_and_what_is_allowed() {
        let e = step_plan_of(&obj(json!({"schedule": [0, 2]})), 2, 1).unwrap_err();
        assert_eq!(e.field, "schedule");
        assert!(
            e.message
                .contains("[1] must be a thread from 0 to 1, got 2"),
            "{e}"
        );
        let e = step_plan_of(&obj(json!({"schedule": "01"})), 2, 1).unwrap_err();
        assert!(e.message.contains("list of thread numbers"), "{e}");
        let e = step_plan_of(&obj(json!({"pause": 1})), 2, 1).unwrap_err();
        assert_eq!(e.field, "pause");
        let e = seed_of(Some(&json!(-3))).unwrap_err();
        assert_eq!(e.field, "seed");
        assert!(e.message.contains("from 0"), "{e}");
        let e = parse_trace(&obj(json!({"trace": "yes"}))).unwrap_err();
        assert_eq!(e.field, "trace");
        let e = parse_trace(&obj(json!({"trace": true, "trace_limit": 0}))).unwrap_err();
        assert_eq!(e.field, "trace_limit");
    }

    #[test]
    fn good_settings_give_the_plan_asked_for() {
        let plan = step_plan_of(&obj(json!({"schedule": [1, 0, 1], "pause": true})), 2, 7);
        assert_eq!(
            plan.unwrap(),
            StepPlan {
                schedule: vec![1, 0, 1],
                pause: true,
                seed: 7
            }
        );
        assert_eq!(seed_of(Some(&json!(42))).unwrap(), 42);
        assert_eq!(parse_trace(&obj(json!({}))).unwrap(), None);
    }
}
