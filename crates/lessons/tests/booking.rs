//! The seat booking's claims, checked on its lesson programs (`www/lessons/booking/`) on
//! real OS threads, with the thresholds the hand-written scenario meets (core's
//! `tests/lessons.rs`).

mod common;

use common::{lesson, run_many, violated, UNSAFE_AT_LEAST};
use racelab::Outcome;
use serde_json::json;

/// 10 ms of processing instead of the lesson's 100: every worker still checks long before
/// any other takes a seat, and a locked run of ten bookings takes 0.1 s, not 1 s.
fn booking(strategy: &str) -> serde_json::Value {
    let mut c = lesson("booking", strategy);
    c["processing_ms"] = json!(10);
    c
}

#[test]
fn unsafe_booking_overbooks() {
    let n = run_many(20, booking("none"))
        .filter(|r| violated(r, "no-overbooking"))
        .count();
    assert!(
        n >= UNSAFE_AT_LEAST,
        "none overbooked in only {n} of 20 runs"
    );
}

#[test]
fn booking_with_a_lock_confirms_exactly_ten() {
    let n = run_many(20, booking("lock"))
        .filter(|r| {
            r.outcome == Outcome::Ok
                && r.final_state["confirmed"] == 10
                && r.final_state["refused"] == 5
                && r.final_state["seats_left"] == 0
        })
        .count();
    assert_eq!(n, 20, "lock was exact in only {n} of 20 runs");
}

#[test]
fn locking_only_the_update_still_goes_below_zero_seats() {
    let n = run_many(20, booking("lock-update-only"))
        .filter(|r| {
            violated(r, "seats-non-negative") && r.final_state["seats_left"].as_i64() < Some(0)
        })
        .count();
    assert!(
        n >= UNSAFE_AT_LEAST,
        "lock-update-only went below zero in only {n} of 20 runs"
    );
}
