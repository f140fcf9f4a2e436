//! The lessons' claims, checked on real OS threads.
//!
//! Races are nondeterministic, so each claim is a rate over many runs, never one lucky run.

mod common;

use common::{count, run, violated, UNSAFE_AT_LEAST};
use racelab::{OsThreads, Outcome, RunConfig, RunControl};
use serde_json::json;

#[test]
fn unsafe_bank_loses_money() {
    let n = count(20, json!({"scenario": "bank", "strategy": "none"}), |r| {
        r.outcome == Outcome::Violated && violated(r, "total-conserved")
    });
    assert!(
        n >= UNSAFE_AT_LEAST,
        "bank none violated total-conserved in only {n} of 20 runs"
    );
}

#[test]
fn bank_with_one_global_lock_keeps_every_cent() {
    for strategy in ["global", "fine"] {
        let n = count(20, json!({"scenario": "bank", "strategy": strategy}), |r| {
            r.outcome == Outcome::Ok
                && r.invariants.iter().all(|i| i.held)
                && r.final_state["total"] == 44_500
        });
        assert_eq!(
            n, 20,
            "bank {strategy} held every invariant in only {n} of 20 runs"
        );
    }
}

#[test]
fn checking_the_balance_outside_the_lock_lets_it_go_negative() {
    // Small accounts so that a check-then-act can overdraw one, and 16 tellers: with the
    // lesson's 5 a loaded machine sees it in only some runs (claims.js says more).
    let small = json!([100, 100, 100]);
    let cfg = |strategy: &str| json!({"scenario": "bank", "strategy": strategy, "accounts": small, "threads": 16});
    let negative = count(20, cfg("check-outside"), |r| {
        violated(r, "no-negative-balance")
    });
    assert!(
        negative >= UNSAFE_AT_LEAST,
        "check-outside went negative in only {negative} of 20 runs"
    );
    let locked = count(20, cfg("global"), |r| violated(r, "no-negative-balance"));
    assert_eq!(locked, 0, "global went negative in {locked} of 20 runs");
}

#[test]
fn check_outside_still_conserves_the_total() {
    // The lock covers debit and credit, so the money is never seen in flight: the bug it
    // leaves is the negative balance alone.
    let r =
        run(json!({"scenario": "bank", "strategy": "check-outside", "accounts": [100, 100, 100]}));
    assert!(!violated(&r, "total-conserved"), "{:?}", r.invariants);
}

#[test]
fn every_report_has_the_documented_shape() {
    let r = serde_json::to_value(run(
        json!({"scenario": "bank", "transfers_per_thread": 10, "seed": 7}),
    ))
    .unwrap();
    for key in [
        "scenario",
        "strategy",
        "executor",
        "params",
        "threads",
        "elapsed_ms",
        "outcome",
        "invariants",
        "final",
    ] {
        assert!(r.get(key).is_some(), "report lacks {key}: {r}");
    }
    assert_eq!(r["params"]["seed"], 7);
    assert_eq!(r["params"]["threads"], 5);
    assert_eq!(r["executor"], "parallel");
    let inv = &r["invariants"][0];
    for key in ["id", "text", "held", "violations"] {
        assert!(inv.get(key).is_some(), "invariant lacks {key}: {inv}");
    }
}

#[test]
fn cancelling_a_long_run_returns_a_cancelled_report_quickly() {
    let config = RunConfig::from_value(&json!({
        "scenario": "bank", "strategy": "global", "transfers_per_thread": 1_000_000, "delay": 100
    }))
    .unwrap();
    let control = RunControl::new();
    let started = std::time::Instant::now();
    let report = std::thread::scope(|s| {
        let run = s.spawn(|| config.run(&OsThreads, &control));
        std::thread::sleep(std::time::Duration::from_millis(200));
        control.request_cancel();
        run.join().unwrap()
    });
    assert_eq!(report.outcome, Outcome::Cancelled);
    assert!(
        started.elapsed().as_secs_f64() < 5.0,
        "cancel took {:?}",
        started.elapsed()
    );
    let done = control
        .progress
        .steps_done
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(done > 0 && done < 5_000_000, "progress was {done}");
}
