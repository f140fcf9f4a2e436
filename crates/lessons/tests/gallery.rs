//! The primitives gallery's claims on its lesson programs (`www/lessons/<id>/`), on real OS
//! threads, with the thresholds the hand-written scenarios meet (core's `tests/gallery.rs`).

mod common;

use std::collections::BTreeSet;

use common::{lesson, run, run_many, violated, UNSAFE_AT_LEAST};
use racelab::{Outcome, Report};
use racelab_lessons::Lessons;
use serde_json::json;

fn all_held(r: &Report) -> bool {
    r.outcome == Outcome::Ok && r.invariants.iter().all(|i| i.held)
}

/// The line (from 1) of a placement's program where `text` first appears.
fn line_of(id: &str, placement: &str, text: &str) -> usize {
    let lessons = Lessons::builtin().unwrap();
    let program = &lessons
        .get(id)
        .unwrap()
        .placement(placement)
        .unwrap()
        .program;
    program
        .lines()
        .position(|l| l.contains(text))
        .expect("the line exists")
        + 1
}

#[test]
fn unlocked_joint_account_loses_an_update() {
    // 50 ms between read and write, as core's test widens it: the random arrival (up to
    // 3 ms) must not let one transaction finish before the other starts.
    let mut c = lesson("joint-account", "none");
    c["delay_ms"] = json!(50);
    let n = run_many(20, c)
        .filter(|r| r.outcome == Outcome::Violated && violated(r, "no-lost-update"))
        .count();
    assert!(
        n >= UNSAFE_AT_LEAST,
        "lost an update in only {n} of 20 runs"
    );
}

#[test]
fn locked_joint_account_ends_in_a_serial_outcome_in_either_order() {
    let balances: BTreeSet<i64> = run_many(50, lesson("joint-account", "lock"))
        .map(|r| {
            assert!(all_held(&r), "{:?} {}", r.invariants, r.final_state);
            r.final_state["balance"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(
        balances,
        BTreeSet::from([790, 800]),
        "50 locked runs see both orders"
    );
}

#[test]
fn plain_lock_taken_again_by_its_holder_deadlocks_at_once_naming_the_line() {
    let line = line_of("reentrant", "lock", "held by update() already");
    // With eight threads too: the first to deadlock on itself ends the run for the others.
    let mut eight = lesson("reentrant", "lock");
    eight["threads"] = json!(8);
    for r in run_many(20, lesson("reentrant", "lock")).chain(run_many(5, eight)) {
        assert_eq!(r.outcome, Outcome::Deadlock);
        let d = r
            .deadlock
            .as_ref()
            .expect("a deadlock report has its cycle");
        assert_eq!(d.cycle.len(), 1, "one thread waits for itself: {d:?}");
        let edge = &d.cycle[0];
        assert_eq!(edge.holds, ["lock"]);
        assert_eq!(edge.waits_for, "lock");
        assert_eq!(edge.line, Some(line));
        assert!(
            r.elapsed_ms < 1_000.0,
            "found by timeout? {} ms",
            r.elapsed_ms
        );
    }
}

#[test]
fn an_rlock_taken_again_by_its_holder_lets_every_call_complete() {
    let mut c = lesson("reentrant", "rlock");
    c["threads"] = json!(4);
    for r in run_many(20, c) {
        assert!(all_held(&r), "{:?}", r.invariants);
        assert_eq!(r.final_state["completed_calls"], 400);
    }
}

#[test]
fn without_a_semaphore_more_than_the_limit_are_inside() {
    let n = run_many(20, lesson("semaphore", "none"))
        .filter(|r| r.outcome == Outcome::Violated && violated(r, "at-most-limit-inside"))
        .count();
    assert!(
        n >= UNSAFE_AT_LEAST,
        "over the limit in only {n} of 20 runs"
    );
}

#[test]
fn semaphore_of_three_never_lets_a_fourth_in() {
    let n = run_many(20, lesson("semaphore", "semaphore"))
        .filter(|r| {
            all_held(r) && r.final_state["max_inside"] == 3 && r.final_state["completed"] == 10
        })
        .count();
    assert_eq!(n, 20, "the semaphore held the limit in only {n} of 20 runs");
}

#[test]
fn without_the_event_passengers_are_collected_before_landing() {
    let n = run_many(20, lesson("event", "none"))
        .filter(|r| r.outcome == Outcome::Violated && violated(r, "no-pickup-before-landing"))
        .count();
    assert!(
        n >= UNSAFE_AT_LEAST,
        "an early pickup in only {n} of 20 runs"
    );
}

#[test]
fn with_the_event_pickup_is_after_landing() {
    let n = run_many(20, lesson("event", "event"))
        .filter(|r| {
            let f = &r.final_state;
            all_held(r) && f["pickup_at_ms"].as_f64() >= f["landed_at_ms"].as_f64()
        })
        .count();
    assert_eq!(n, 20, "the event held in only {n} of 20 runs");
}

#[test]
fn without_a_barrier_the_tour_starts_before_everyone_is_ready() {
    let n = run_many(20, lesson("barrier", "none"))
        .filter(|r| r.outcome == Outcome::Violated && violated(r, "tour-starts-after-all-ready"))
        .count();
    assert!(
        n >= UNSAFE_AT_LEAST,
        "an early start in only {n} of 20 runs"
    );
}

#[test]
fn with_a_barrier_every_start_is_after_the_last_ready() {
    let n = run_many(20, lesson("barrier", "barrier"))
        .filter(|r| {
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
        })
        .count();
    assert_eq!(n, 20, "the barrier held in only {n} of 20 runs");
}

#[test]
fn unlocked_queue_loses_a_customer() {
    // 10 ms to write a name, as core's test widens it.
    let mut c = lesson("condition", "none");
    c["write_ms"] = json!(10);
    let n = run_many(20, c)
        .filter(|r| {
            r.outcome == Outcome::Violated
                && (violated(r, "served-once") || violated(r, "fifo-served"))
        })
        .count();
    assert!(
        n >= UNSAFE_AT_LEAST,
        "the queue broke in only {n} of 20 runs"
    );
}

#[test]
fn condition_serves_everyone_once_in_order_without_spinning() {
    for placement in ["condition", "busy-wait"] {
        let n = run_many(20, lesson("condition", placement))
            .filter(all_held)
            .count();
        assert_eq!(n, 20, "{placement} held in only {n} of 20 runs");
    }
    let served = |r: &Report| r.final_state["served"].as_array().unwrap().len();
    let polls = |r: &Report| r.final_state["empty_polls"].as_u64().unwrap();
    let cond = run(&lesson("condition", "condition"));
    let busy = run(&lesson("condition", "busy-wait"));
    assert_eq!((served(&cond), served(&busy)), (5, 5));
    assert!(
        polls(&cond) <= 5 && polls(&busy) > 100 * polls(&cond).max(1),
        "empty polls: condition {}, busy-wait {}",
        polls(&cond),
        polls(&busy)
    );
}

#[test]
fn stop_ends_any_gallery_lesson_quickly_even_inside_a_wait() {
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    let long = [
        json!({"scenario": "semaphore", "strategy": "semaphore", "booking_ms": 2000, "limit": 1}),
        json!({"scenario": "event", "strategy": "event", "landing_ms": 2000}),
        json!({"scenario": "barrier", "strategy": "barrier", "max_ready_ms": 2000, "seed": 1}),
        json!({"scenario": "condition", "strategy": "condition", "unit_ms": 2000}),
        json!({"scenario": "condition", "strategy": "busy-wait", "unit_ms": 2000}),
        json!({"scenario": "joint-account", "strategy": "lock", "delay_ms": 2000}),
    ];
    let lessons = Lessons::builtin().unwrap();
    for mut config in long {
        config["lesson"] = json!(true);
        let run = racelab_lessons::LessonRun::from_value(lessons, &config).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let hook = {
            let stop = stop.clone();
            racelab_lang::run::cancel_hook(move || stop.load(Relaxed))
        };
        let (report, stopped_in) = std::thread::scope(|s| {
            let running = s.spawn(|| run.program.run(Some(hook)));
            std::thread::sleep(Duration::from_millis(100));
            let asked = Instant::now();
            stop.store(true, Relaxed);
            let report = running.join().expect("the run returns");
            (report, asked.elapsed())
        });
        assert_eq!(report.outcome, Outcome::Cancelled, "{config}");
        assert!(
            stopped_in < Duration::from_millis(500),
            "{config}: took {stopped_in:?} to stop"
        );
    }
}
