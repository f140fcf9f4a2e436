//! A lesson's config reader, fuzzed with generated inputs: no input panics (a panic in wasm is
//! a trap that kills the runtime), and every refusal names the field at fault and, for a
//! parameter, its allowed range.
//!
//! Everything is driven from the lessons' manifests, so a new lesson, placement or
//! parameter is covered without touching this file. Case counts are set so that the whole
//! file takes a few seconds in an optimized build on two cores.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::Config;
use racelab::params::{ParamKind, ParamSpec};
use racelab::Outcome;
use racelab_lessons::{Lesson, LessonRun, Lessons};
use serde_json::{json, Map, Value};

/// Keys a refusal may name besides the parameters of the config given.
const TOP_FIELDS: &[&str] = &["config", "scenario", "strategy", "seed", "executor"];

fn lessons() -> &'static Lessons {
    Lessons::builtin().expect("the built-in lessons load")
}

fn lesson_list() -> Vec<&'static Lesson> {
    lessons().iter().collect()
}

/// Reads `value` as a lesson's config.
fn parse(value: &Value) -> Result<LessonRun<'static>, racelab::ConfigError> {
    LessonRun::from_value(lessons(), value)
}

/// Any JSON value, a few levels deep, with keys that are sometimes real config keys.
fn any_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("scenario".to_string()),
        Just("strategy".to_string()),
        Just("seed".to_string()),
        Just("threads".to_string()),
        Just("accounts".to_string()),
        "[a-z_]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        prop_oneof![
            Just("bank".to_string()),
            Just("none".to_string()),
            Just("global".to_string()),
            ".{0,12}"
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A value for `spec`, and whether the validator must accept it.
fn value_for(spec: &ParamSpec) -> BoxedStrategy<(Value, bool)> {
    match spec.kind {
        ParamKind::Int { min, max, .. } => prop_oneof![
            4 => (min..=max).prop_map(|n| (json!(n), true)),
            1 => Just((Value::Null, true)),
            1 => Just((json!(min.saturating_sub(1)), min == i64::MIN)),
            1 => Just((json!(max.saturating_add(1)), max == i64::MAX)),
            1 => prop_oneof![Just(i64::MIN), Just(i64::MAX)]
                .prop_map(move |n| (json!(n), (min..=max).contains(&n))),
            1 => Just((json!(1.5), false)),
            1 => Just((json!("5"), false)),
            1 => Just((json!(true), false)),
            1 => Just((json!({"value": min}), false)),
            1 => Just((json!([min]), false)),
        ]
        .boxed(),
        ParamKind::IntList {
            min_len,
            max_len,
            min,
            max,
            ..
        } => {
            let good = prop::collection::vec(min..=max, min_len..=max_len);
            prop_oneof![
                4 => good.clone().prop_map(|v| (json!(v), true)),
                1 => Just((Value::Null, true)),
                1 => prop::collection::vec(min..=max, 0..min_len.max(1))
                    .prop_filter("too short", move |v| v.len() < min_len)
                    .prop_map(|v| (json!(v), false)),
                1 => prop::collection::vec(min..=max, max_len + 1..max_len + 4)
                    .prop_map(|v| (json!(v), false)),
                1 => good.clone().prop_map(move |mut v| {
                    v[0] = max.saturating_add(1);
                    (json!(v), max == i64::MAX)
                }),
                1 => good.prop_map(|v| {
                    let mut items: Vec<Value> = v.into_iter().map(Value::from).collect();
                    items[0] = json!("lots");
                    (Value::from(items), false)
                }),
                1 => Just((json!(min), false)),
                1 => Just((json!("1,2,3"), false)),
            ]
            .boxed()
        }
    }
}

/// A config of a lesson and placement in which each parameter may be absent, valid or
/// invalid; with the names of the invalid ones (an unknown key counts as one) and whether
/// the seed is invalid.
fn near_valid() -> impl Strategy<Value = (Value, BTreeSet<String>, bool)> {
    let all = lesson_list();
    (0..all.len()).prop_flat_map(move |i| {
        let info = all[i];
        let strategies: Vec<&'static str> = info.placements.iter().map(|p| p.id.as_str()).collect();
        let params: Vec<BoxedStrategy<Option<(Value, bool)>>> = info
            .params
            .iter()
            .map(|spec| prop::option::of(value_for(spec)).boxed())
            .collect();
        let seed = prop_oneof![
            4 => Just((None, true)),
            2 => (0..=racelab::limits::MAX_SEED).prop_map(|n| (Some(json!(n)), true)),
            1 => Just((Some(json!(-1)), false)),
            1 => Just((Some(json!("seven")), false)),
        ];
        (
            prop::sample::select(strategies),
            params,
            seed,
            prop::bool::weighted(0.1),
        )
            .prop_map(move |(strategy, values, (seed, seed_ok), unknown)| {
                let mut config = Map::new();
                config.insert("scenario".into(), json!(info.id));
                config.insert("strategy".into(), json!(strategy));
                let mut invalid = BTreeSet::new();
                for (spec, value) in info.params.iter().zip(values) {
                    if let Some((v, ok)) = value {
                        config.insert(spec.name.to_string(), v);
                        if !ok {
                            invalid.insert(spec.name.to_string());
                        }
                    }
                }
                if let Some(seed) = seed {
                    config.insert("seed".into(), seed);
                }
                if unknown {
                    config.insert("speed_of_light".into(), json!(3));
                    invalid.insert("speed_of_light".into());
                }
                (Value::Object(config), invalid, !seed_ok)
            })
    })
}

proptest! {
    // Parsing is cheap: many cases, still well under a second.
    #![proptest_config(Config { cases: 2_000, ..Config::default() })]

    /// Any JSON text at all: never a panic, and a refusal names a field that was given (or
    /// the config itself).
    #[test]
    fn any_json_is_parsed_or_refused_naming_a_field(value in any_json()) {
        let text = value.to_string();
        if let Err(e) = parse(&value) {
            let keys: Vec<&str> = value.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
            prop_assert!(!e.field.is_empty() && !e.message.is_empty());
            prop_assert!(
                TOP_FIELDS.contains(&e.field.as_str()) || keys.contains(&e.field.as_str()),
                "refusal of {text} names {:?}, which is not in it", e.field
            );
        }
    }

    /// Text that is not JSON, or is cut short: refused as `config`, never a panic.
    #[test]
    fn broken_json_text_is_refused_as_config(text in ".{0,40}", cut in 0usize..40) {
        let whole = format!(r#"{{"scenario": "bank", "threads": 5{text}"#);
        let cut_text: String = whole.chars().take(cut).collect();
        for t in [whole, cut_text] {
            // What the faces do with text: JSON first, then the lesson's config.
            if let Ok(value) = serde_json::from_str::<Value>(&t) {
                if let Err(e) = parse(&value) {
                    prop_assert!(!e.field.is_empty());
                }
            }
        }
    }

    /// A config is accepted exactly when every value given is valid; a refusal names one of
    /// the invalid fields and, for a parameter, gives its allowed range.
    #[test]
    fn near_valid_configs_are_accepted_exactly_when_every_value_is_valid(
        (config, invalid, bad_seed) in near_valid()
    ) {
        match parse(&config) {
            Ok(_) => {
                prop_assert!(invalid.is_empty() && !bad_seed, "accepted {config}, invalid: {invalid:?}");
            }
            Err(e) if bad_seed && !invalid.contains(&e.field) => prop_assert_eq!(e.field, "seed"),
            Err(e) => {
                prop_assert!(invalid.contains(&e.field), "{config} refused naming {:?}: {e}", e.field);
                let id = config["scenario"].as_str().unwrap();
                let info = lessons().get(id).unwrap();
                match info.params.iter().find(|p| p.name == e.field) {
                    Some(spec) => prop_assert!(e.message.contains(&spec.range_text()), "{e}"),
                    None => prop_assert!(e.message.contains("unknown field"), "{e}"),
                }
            }
        }
    }
}

/// A valid config of the `lesson`th lesson small enough to run in milliseconds: every time
/// parameter and every count of repetitions near its minimum.
fn small_valid(lesson: usize) -> impl Strategy<Value = Value> {
    let info = lesson_list()[lesson];
    let strategies: Vec<&'static str> = info.placements.iter().map(|p| p.id.as_str()).collect();
    let params: Vec<BoxedStrategy<(&'static str, Value)>> = info
        .params
        .iter()
        .map(|spec| {
            let name: &'static str = &spec.name;
            let repetitions = ["transfers", "calls", "attempts"]
                .iter()
                .any(|w| name.contains(w));
            match spec.kind.clone() {
                ParamKind::Int { min, max, .. } => {
                    let cap = match &*spec.unit {
                        "ms" => 3,
                        "µs" => 5,
                        _ if repetitions => 50,
                        _ => max,
                    };
                    (min..=max.min(min.saturating_add(cap)))
                        .prop_map(move |n| (name, json!(n)))
                        .boxed()
                }
                ParamKind::IntList {
                    min_len,
                    max_len,
                    min,
                    max,
                    ..
                } => prop::collection::vec(min..=max.min(1_000), min_len..=max_len.min(6))
                    .prop_map(move |v| (name, json!(v)))
                    .boxed(),
            }
        })
        .collect();
    (prop::sample::select(strategies), params).prop_map(move |(strategy, values)| {
        let mut config = Map::new();
        config.insert("scenario".into(), json!(info.id));
        config.insert("strategy".into(), json!(strategy));
        for (name, v) in values {
            config.insert(name.into(), v);
        }
        Value::Object(config)
    })
}

proptest! {
    // Real runs on OS threads: a few dozen cases keep this to a second or two.
    #![proptest_config(Config { cases: 40, ..Config::default() })]

    /// Every valid config runs to a verdict (never a panic, never an error) and its report
    /// gives back every parameter as it was given.
    #[test]
    fn small_valid_configs_of_every_lesson_run_to_a_verdict(
        config in (0..lesson_list().len()).prop_flat_map(small_valid)
    ) {
        let parsed = parse(&config).expect("generated configs are valid");
        let report = parsed.finish(parsed.program.run(None));
        prop_assert!(
            matches!(report.outcome, Outcome::Ok | Outcome::Violated | Outcome::Deadlock),
            "{config}: {:?} {:?}", report.outcome, report.error
        );
        for (key, given) in config.as_object().unwrap() {
            if key != "scenario" && key != "strategy" {
                prop_assert_eq!(&report.params[key], given, "{}", key);
            }
        }
    }
}
