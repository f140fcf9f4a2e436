//! The bank's claims, checked on its lesson programs (`www/lessons/bank/`) on real OS
//! threads, with the thresholds the hand-written scenario meets (core's `tests/lessons.rs`
//! and `tests/deadlocks.rs`): races are nondeterministic, so each claim is a rate.

mod common;

use common::{run, violated, UNSAFE_AT_LEAST};
use racelab::{Outcome, Report};
use racelab_lessons::{LessonRun, Lessons};
use serde_json::{json, Value};

fn count(n: usize, config: Value, pred: impl Fn(&Report) -> bool) -> usize {
    (0..n).filter(|_| pred(&run(&config))).count()
}

fn bank(strategy: &str) -> Value {
    common::lesson("bank", strategy)
}

#[test]
fn unsafe_bank_loses_money() {
    let n = count(20, bank("none"), |r| {
        r.outcome == Outcome::Violated && violated(r, "total-conserved")
    });
    assert!(
        n >= UNSAFE_AT_LEAST,
        "none broke the total in only {n} of 20 runs"
    );
}

#[test]
fn bank_with_one_global_lock_or_ordered_account_locks_keeps_every_cent() {
    for strategy in ["global", "fine"] {
        // 2,000 transfers a teller rather than 9,999: a locked run is serial, and 20 runs of
        // 10,000 locked transfers and audits each are claim enough.
        let mut cfg = bank(strategy);
        cfg["transfers_per_thread"] = json!(2000);
        let n = count(20, cfg, |r| {
            r.outcome == Outcome::Ok
                && r.invariants.iter().all(|i| i.held)
                && r.invariants.len() == 2
                && r.final_state["total"] == 44_500
        });
        assert_eq!(
            n, 20,
            "{strategy} held every invariant in only {n} of 20 runs"
        );
    }
}

#[test]
fn checking_the_balance_outside_the_lock_lets_it_go_negative_but_keeps_the_total() {
    let cfg = |strategy: &str| {
        let mut c = bank(strategy);
        c["accounts"] = json!([100, 100, 100]);
        c["threads"] = json!(16);
        // Fewer transfers than the scenario's test: an interpreted teller is slower, and a
        // run of 16 x 1,000 still overdraws thousands of times (measured: 100 of 100 runs).
        c["transfers_per_thread"] = json!(1000);
        c
    };
    let negative = count(20, cfg("check-outside"), |r| {
        violated(r, "no-negative-balance") && !violated(r, "total-conserved")
    });
    assert!(
        negative >= UNSAFE_AT_LEAST,
        "check-outside went negative (keeping the total) in only {negative} of 20 runs"
    );
    let locked = count(20, cfg("global"), |r| violated(r, "no-negative-balance"));
    assert_eq!(locked, 0, "global went negative in {locked} of 20 runs");
}

#[test]
fn account_locks_taken_in_any_order_deadlock_and_say_where() {
    let mut cfg = bank("fine-unordered");
    cfg["transfers_per_thread"] = json!(200_000);
    let program = Lessons::builtin()
        .unwrap()
        .get("bank")
        .unwrap()
        .placement("fine-unordered")
        .unwrap()
        .program
        .clone();
    let n = count(20, cfg, |r| {
        let Some(d) = r
            .deadlock
            .as_ref()
            .filter(|_| r.outcome == Outcome::Deadlock)
        else {
            return false;
        };
        d.cycle.len() >= 2
            && d.cycle.iter().all(|edge| {
                let text = edge
                    .line
                    .and_then(|l| program.lines().nth(l - 1))
                    .unwrap_or_default();
                text.contains(".lock") && (text.contains("with") || text.contains("acquire"))
            })
    });
    assert!(
        n >= UNSAFE_AT_LEAST,
        "fine-unordered deadlocked (with its lines) in only {n} of 20 runs"
    );
}

#[test]
fn a_parameter_is_the_programs_constant() {
    let mut cfg = bank("global");
    cfg["accounts"] = json!([10, 20, 30]);
    cfg["threads"] = json!(2);
    cfg["transfers_per_thread"] = json!(50);
    cfg["seed"] = json!(7);
    let r = run(&cfg);
    assert_eq!(r.final_state["ACCOUNTS"], json!([10, 20, 30]));
    assert_eq!(r.final_state["total"], 60);
    assert_eq!(r.params["threads"], 2);
    assert_eq!(r.params["seed"], 7);
    assert_eq!(r.threads, 3, "two tellers and the main thread");
    assert_eq!(r.scenario.as_deref(), Some("bank"));
    assert_eq!(r.strategy.as_deref(), Some("global"));
}

#[test]
fn bad_parameters_are_refused_naming_them() {
    let lessons = Lessons::builtin().unwrap();
    let refuse = |extra: Value| {
        let mut cfg = bank("none");
        for (k, v) in extra.as_object().unwrap() {
            cfg[k] = v.clone();
        }
        LessonRun::from_value(lessons, &cfg).unwrap_err()
    };
    let e = refuse(json!({"threads": 0}));
    assert_eq!(
        e.to_string(),
        "threads: must be a whole number from 1 to 16, got 0"
    );
    let e = refuse(json!({"strategy": "mutex"}));
    assert_eq!(e.field, "strategy");
    assert!(
        e.message
            .contains("none, global, fine, fine-unordered, check-outside"),
        "{e}"
    );
    let e = refuse(json!({"tellers": 3}));
    assert_eq!(e.field, "tellers");
    assert!(e.message.contains("accounts, threads"), "{e}");
    let e = refuse(json!({"lesson": "yes"}));
    assert_eq!(e.field, "lesson");
}
