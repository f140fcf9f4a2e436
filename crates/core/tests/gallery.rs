//! The primitives gallery's claims, checked on real OS threads: each primitive, switched on,
//! keeps its guarantee every time; switched off, the guarantee breaks in most runs.

mod common;

use std::collections::BTreeSet;

use common::{all_held, count, run, violated, UNSAFE_AT_LEAST};
use racelab::{Outcome, Report};
use serde_json::{json, Value};

fn config(scenario: &str, strategy: &str) -> Value {
    json!({"scenario": scenario, "strategy": strategy})
}

fn assert_safe_20_of_20(scenario: &str, strategy: &str) {
    let n = count(20, config(scenario, strategy), all_held);
    assert_eq!(n, 20, "{scenario} {strategy} held in only {n} of 20 runs");
}

/// The unsafe run of a primitive breaks `invariant` in most runs. `params` widen a race
/// window that the lesson's defaults keep too narrow for a loaded machine (the browser
/// suite's claims.js says which and why).
fn assert_breaks(scenario: &str, strategy: &str, invariant: &str, params: Value) {
    let mut setup = config(scenario, strategy);
    for (k, v) in params.as_object().into_iter().flatten() {
        setup[k] = v.clone();
    }
    let n = count(20, setup, |r| {
        r.outcome == Outcome::Violated && violated(r, invariant)
    });
    assert!(
        n >= UNSAFE_AT_LEAST,
        "{scenario} {strategy} broke {invariant} in only {n} of 20 runs"
    );
}

#[test]
fn unlocked_joint_account_loses_an_update() {
    assert_breaks(
        "joint-account",
        "none",
        "no-lost-update",
        json!({"delay_ms": 50}),
    );
}

#[test]
fn locked_joint_account_ends_in_a_serial_outcome_in_either_order() {
    let mut balances = BTreeSet::new();
    for _ in 0..50 {
        let r = run(config("joint-account", "lock"));
        assert!(all_held(&r), "{:?} {}", r.invariants, r.final_state);
        balances.insert(r.final_state["balance"].as_i64().unwrap());
    }
    assert_eq!(
        balances,
        BTreeSet::from([790, 800]),
        "50 locked runs should see both orders"
    );
}

#[test]
fn plain_lock_taken_again_by_its_holder_deadlocks_at_once_naming_the_thread() {
    for _ in 0..20 {
        let r = run(config("reentrant", "lock"));
        assert_eq!(r.outcome, Outcome::Deadlock);
        let cycle = &serde_json::to_value(&r).unwrap()["deadlock"]["cycle"];
        assert_eq!(
            cycle,
            // Line 5 of the listing: log_change's `with lock:`, where update() already holds it.
            &json!([{"thread": 0, "holds": ["lock"], "waits_for": "lock", "line": 5}])
        );
        assert!(
            r.elapsed_ms < 1_000.0,
            "found by timeout? {} ms",
            r.elapsed_ms
        );
    }
}

#[test]
fn rlock_lets_its_holder_in_again() {
    assert_safe_20_of_20("reentrant", "rlock");
    let r = run(json!({"scenario": "reentrant", "strategy": "rlock", "threads": 4, "calls": 1000}));
    assert!(all_held(&r));
    assert_eq!(r.final_state["log_entries"], 4000);
}

#[test]
fn without_a_semaphore_more_than_the_limit_are_inside() {
    assert_breaks("semaphore", "none", "at-most-limit-inside", json!({}));
}

#[test]
fn semaphore_of_three_never_lets_a_fourth_in() {
    let n = count(20, config("semaphore", "semaphore"), |r| {
        all_held(r) && r.final_state["max_inside"] == 3 && r.final_state["completed"] == 10
    });
    assert_eq!(n, 20, "semaphore held the limit in only {n} of 20 runs");
}

#[test]
fn without_the_event_passengers_are_collected_before_landing() {
    assert_breaks("event", "none", "no-pickup-before-landing", json!({}));
}

#[test]
fn with_the_event_pickup_is_after_landing() {
    let n = count(20, config("event", "event"), |r| {
        let f = &r.final_state;
        all_held(r) && f["pickup_at_ms"].as_f64() >= f["landed_at_ms"].as_f64()
    });
    assert_eq!(n, 20, "event held in only {n} of 20 runs");
}

#[test]
fn without_a_barrier_the_tour_starts_before_everyone_is_ready() {
    assert_breaks("barrier", "none", "tour-starts-after-all-ready", json!({}));
}

#[test]
fn with_a_barrier_every_start_is_after_the_last_ready() {
    let n = count(20, config("barrier", "barrier"), |r| {
        let times = |k: &str| -> Vec<f64> {
            r.final_state[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_f64().unwrap())
                .collect()
        };
        let last_ready = times("ready_at_ms").into_iter().fold(0.0, f64::max);
        all_held(r) && times("start_at_ms").iter().all(|&s| s >= last_ready)
    });
    assert_eq!(n, 20, "barrier held in only {n} of 20 runs");
}

#[test]
fn unlocked_queue_loses_a_customer() {
    let lost = json!({"scenario": "condition", "strategy": "none", "write_ms": 10});
    let n = count(20, lost, |r| {
        r.outcome == Outcome::Violated && (violated(r, "served-once") || violated(r, "fifo-served"))
    });
    assert!(
        n >= UNSAFE_AT_LEAST,
        "condition none broke the queue in only {n} of 20 runs"
    );
}

#[test]
fn condition_serves_everyone_once_in_order_without_spinning() {
    let served = |r: &Report| r.final_state["served"].as_array().unwrap().len();
    let polls = |r: &Report| r.final_state["empty_polls"].as_u64().unwrap();
    for strategy in ["condition", "busy-wait"] {
        assert_safe_20_of_20("condition", strategy);
    }
    let cond = run(config("condition", "condition"));
    let busy = run(config("condition", "busy-wait"));
    assert_eq!((served(&cond), served(&busy)), (5, 5));
    assert!(
        polls(&cond) <= 5 && polls(&busy) > 100 * polls(&cond).max(1),
        "empty polls: condition {}, busy-wait {}",
        polls(&cond),
        polls(&busy)
    );
}

#[test]
fn a_config_needing_more_threads_than_available_is_refused_naming_the_parameter() {
    let c =
        racelab::RunConfig::from_value(&json!({"scenario": "barrier", "travellers": 8})).unwrap();
    let e = c.check_capacity(4).unwrap_err();
    assert_eq!(e.field, "travellers");
    assert!(
        e.message.contains("needs 9 threads") && e.message.contains("only 4"),
        "{e}"
    );
    assert!(c.check_capacity(16).is_ok());
    let e = racelab::RunConfig::from_value(&json!({"scenario": "condition", "customers": 16}))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "customers: must be a whole number from 1 to 15, got 16"
    );
}

#[test]
fn stop_ends_any_gallery_run_quickly_even_inside_a_wait() {
    use std::time::Duration;
    // Each of these spends its time blocked in a primitive's wait or a long delay.
    let long = [
        json!({"scenario": "semaphore", "strategy": "semaphore", "booking_ms": 2000, "limit": 1}),
        json!({"scenario": "event", "strategy": "event", "landing_ms": 2000}),
        json!({"scenario": "barrier", "strategy": "barrier", "max_ready_ms": 2000, "seed": 1}),
        json!({"scenario": "condition", "strategy": "condition", "unit_ms": 2000}),
        json!({"scenario": "condition", "strategy": "busy-wait", "unit_ms": 2000}),
        json!({"scenario": "joint-account", "strategy": "lock", "delay_ms": 2000}),
    ];
    for config in long {
        let (report, stopped_in) = common::run_and_stop(&config, Duration::from_millis(100));
        assert_eq!(report.outcome, Outcome::Cancelled, "{config}");
        assert!(
            stopped_in < Duration::from_millis(500),
            "{config}: took {stopped_in:?} to stop"
        );
    }
}
