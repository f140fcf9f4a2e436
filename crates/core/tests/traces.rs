//! Traces of real runs: what they contain, and that they explain what the invariants saw.

mod common;

use common::run;
use racelab::trace::{EventOp, Trace};
use racelab::RunConfig;
use serde_json::json;

fn trace_of(report: &racelab::Report) -> &Trace {
    report
        .trace
        .as_ref()
        .expect("a traced run carries its trace")
}

/// Five tellers, a few hundred transfers each: the whole run fits in the trace. Forty-eight
/// accounts make two tellers' updates of one balance (a lost update, which leaves every
/// later total wrong) rarer than an audit catching money in flight.
fn small_bank(strategy: &str) -> serde_json::Value {
    json!({"scenario": "bank", "strategy": strategy, "transfers_per_thread": 250,
        "accounts": vec![5000; 48], "delay": 20, "trace": true})
}

#[test]
fn a_traced_unsafe_bank_shows_for_every_wrong_audit_the_transfer_in_flight_or_the_lost_update() {
    let mut explained_by_overlap = 0;
    for _ in 0..20 {
        let report = run(small_bank("none"));
        let trace = trace_of(&report);
        assert!(!trace.truncated, "the whole run fits in the trace");
        let wrong_audits = trace
            .events
            .iter()
            .filter(|e| matches!(e.op, EventOp::Audit { held: false, .. }))
            .count();
        assert_eq!(trace.violations.len(), wrong_audits);
        let final_wrong = u64::from(report.final_state["total"] != 240_000);
        assert_eq!(
            wrong_audits as u64 + final_wrong,
            report.invariant("total-conserved").unwrap().violations,
            "every wrong total the run counted is an audit in the trace"
        );
        for v in &trace.violations {
            assert!(
                !v.overlapped.is_empty() || v.lost_before > 0,
                "audit at seq {} (thread {}) saw a wrong total with no transfer in flight \
                 and no update lost before it",
                v.seq,
                v.thread
            );
            // No update lost yet: the money it missed was in flight, in a transfer it overlapped.
            if v.lost_before == 0 {
                assert!(!v.overlapped.is_empty());
            }
        }
        if trace
            .violations
            .iter()
            .any(|v| v.lost_before == 0 && !v.overlapped.is_empty())
        {
            explained_by_overlap += 1;
        }
    }
    println!("rate: an audit caught a transfer mid-flight in {explained_by_overlap} of 20 runs");
    // Every wrong audit is explained in every run (above); one caught mid-flight before any
    // update is lost happens in nearly every run, not all (threads that barely overlap).
    assert!(
        explained_by_overlap >= 17,
        "an audit caught a transfer mid-flight in only {explained_by_overlap} of 20 runs"
    );
}

#[test]
fn the_trace_of_the_global_lock_shows_one_holder_at_a_time() {
    for _ in 0..5 {
        let report = run(small_bank("global"));
        let trace = trace_of(&report);
        assert!(trace.violations.is_empty() && trace.lost_updates.is_empty());
        let lock = trace.objects.iter().position(|o| o == "bank.lock").unwrap() as u32;
        // The global lock is reentrant, so count depth per holder.
        let mut holder: Option<(usize, u32)> = None;
        let mut handoffs = 0;
        for e in &trace.events {
            match e.op {
                EventOp::Acquire { obj } if obj == lock => {
                    holder = match holder {
                        None => {
                            handoffs += 1;
                            Some((e.thread, 1))
                        }
                        Some((t, d)) if t == e.thread => Some((t, d + 1)),
                        Some((t, _)) => panic!(
                            "seq {}: thread {} acquired bank.lock while thread {t} held it",
                            e.seq, e.thread
                        ),
                    }
                }
                EventOp::Release { obj } if obj == lock => {
                    holder = match holder {
                        Some((t, d)) if t == e.thread => (d > 1).then_some((t, d - 1)),
                        other => panic!("seq {}: release by a non-holder ({other:?})", e.seq),
                    }
                }
                // Shared data is touched only by the holder.
                EventOp::Read { .. } | EventOp::Write { .. } => {
                    assert_eq!(holder.map(|h| h.0), Some(e.thread), "seq {}", e.seq)
                }
                _ => {}
            }
        }
        assert!(handoffs > 100, "only {handoffs} acquisitions of bank.lock");
    }
}

#[test]
fn a_long_run_keeps_the_first_events_and_says_it_was_cut() {
    let report = run(json!({"scenario": "bank", "trace": true, "trace_limit": 20_000}));
    let trace = trace_of(&report);
    assert_eq!(trace.recorded, 20_000);
    assert!(
        trace.truncated && trace.dropped > 100_000,
        "{}",
        trace.dropped
    );
    let seqs: Vec<u64> = trace.events.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (0..20_000).collect::<Vec<_>>(),
        "a prefix, without gaps"
    );
    // Which tellers the prefix holds depends on which the OS ran first (alone, on a busy
    // machine): only that it is the run's first events is certain.
    assert!(trace.events.iter().all(|e| e.thread < 5));
}

#[test]
fn every_scenario_traces_its_shared_objects_by_name_and_untraced_runs_carry_no_trace() {
    for info in racelab::catalog() {
        for strategy in &info.strategies {
            let report = run(
                json!({"scenario": info.id, "strategy": strategy.id, "trace": true,
                "transfers_per_thread": 50, "calls": 50, "processing_ms": 1})
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| {
                    ["scenario", "strategy", "trace"].contains(&k.as_str())
                        || info.params.iter().any(|p| p.name == k.as_str())
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            );
            let trace = trace_of(&report);
            // Every safe strategy uses a primitive, which its trace shows; some unsafe ones
            // (no semaphore, no barrier) share no racelab object at all.
            if trace.recorded == 0 {
                assert!(
                    !strategy.safe,
                    "{} {} recorded nothing",
                    info.id, strategy.id
                );
                continue;
            }
            assert!(
                trace.objects.iter().all(|o| !o.starts_with("object ")),
                "{} {}: unnamed objects in {:?}",
                info.id,
                strategy.id,
                trace.objects
            );
            let threads: std::collections::BTreeSet<usize> =
                trace.events.iter().map(|e| e.thread).collect();
            assert!(
                threads.len() <= report.threads,
                "{} {}",
                info.id,
                strategy.id
            );
        }
        let untraced = run(json!({"scenario": info.id}));
        assert!(untraced.trace.is_none());
    }
}

#[test]
fn trace_settings_are_checked_like_parameters() {
    let cases = [
        (
            json!({"scenario": "bank", "trace": "yes"}),
            "trace",
            "true or false",
        ),
        (
            json!({"scenario": "bank", "trace": true, "trace_limit": 0}),
            "trace_limit",
            "from 1 to 200000",
        ),
        (
            json!({"scenario": "bank", "trace_limit": 200001}),
            "trace_limit",
            "from 1 to 200000",
        ),
    ];
    for (config, field, words) in cases {
        let e = RunConfig::from_value(&config).unwrap_err();
        assert_eq!(e.field, field, "{e}");
        assert!(e.message.contains(words), "{e}");
    }
}
