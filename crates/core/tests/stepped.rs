//! The stepped executor: the same scenario code, one operation at a time, in an order that
//! a seed, a learner or a recorded run chooses.

use racelab::{catalog, OsThreads, Outcome, Report, RunConfig, RunControl};
use serde_json::{json, Value};

fn run(config: Value) -> Report {
    RunConfig::from_value(&config)
        .unwrap_or_else(|e| panic!("{config}: {e}"))
        .run(&OsThreads, &RunControl::new())
}

/// The report as JSON without what a run may not repeat (nothing, for a stepped run).
fn json_of(r: &Report) -> String {
    r.to_json()
}

/// Small enough that ten runs of every strategy of every scenario take seconds.
fn small(scenario: &str) -> Value {
    match scenario {
        "bank" => json!({"transfers_per_thread": 200}),
        _ => json!({}),
    }
}

#[test]
fn the_same_seed_gives_the_same_report_every_time_for_every_scenario() {
    for info in catalog() {
        for strategy in &info.strategies {
            let mut config = small(info.id);
            config["scenario"] = json!(info.id);
            config["strategy"] = json!(strategy.id);
            config["executor"] = json!("stepped");
            config["seed"] = json!(12345);
            let first = run(config.clone());
            assert_eq!(first.executor, racelab::Executor::Stepped);
            assert!(
                first.outcome != Outcome::Error,
                "{}/{}: {:?}",
                info.id,
                strategy.id,
                first.error
            );
            let same = (0..9)
                .filter(|_| json_of(&run(config.clone())) == json_of(&first))
                .count();
            assert_eq!(
                same, 9,
                "{}/{}: only {same} of 9 repeats matched",
                info.id, strategy.id
            );
            eprintln!(
                "{}/{}: {:?} in {} steps",
                info.id,
                strategy.id,
                first.outcome,
                first.steps.as_ref().unwrap().count
            );
        }
    }
}

fn explore(config: Value) -> racelab::Exploration {
    racelab::ExploreConfig::from_value(&config)
        .unwrap_or_else(|e| panic!("{config}: {e}"))
        .explore(&RunControl::new())
        .unwrap_or_else(|e| panic!("{config}: {e}"))
}

fn tiny_bank(strategy: &str, seed: u64) -> Value {
    json!({"scenario": "bank", "strategy": strategy, "accounts": [100, 100], "threads": 2,
           "transfers_per_thread": 1, "max_amount": 50, "seed": seed})
}

#[test]
fn exploration_finds_the_unlocked_bank_losing_money_and_proves_the_global_lock() {
    let none = explore(tiny_bank("none", 7));
    eprintln!("{none:?}");
    assert_eq!(none.mode, "enumerated");
    assert!(none.exhausted && none.violating > 0, "{none:?}");
    let example = none.example.expect("a violating schedule");
    let mut replay = tiny_bank("none", 7);
    replay["executor"] = json!("stepped");
    replay["schedule"] = json!(example.schedule);
    let r = run(replay);
    assert_eq!(r.outcome, Outcome::Violated, "{:?}", r.steps);

    let global = explore(tiny_bank("global", 7));
    eprintln!("{global:?}");
    assert!(global.exhausted, "{global:?}");
    assert_eq!(global.violating, 0, "{global:?}");
    assert!(global.example.is_none());
}

#[test]
fn an_exploration_cut_short_by_its_budget_says_what_it_saw_and_how_deep_it_went() {
    // Three tellers are too many to enumerate within 2,000 runs: no schedule is seen to its
    // end, yet invariants break on the way, and the summary must say both.
    let found = explore(
        json!({"scenario": "bank", "strategy": "none", "accounts": [100, 100, 100],
        "threads": 3, "transfers_per_thread": 1, "max_amount": 50, "seed": 5, "budget": 2000}),
    );
    assert!(!found.exhausted, "{found:?}");
    assert_eq!(found.violating, 0, "no whole schedule yet: {found:?}");
    assert!(found.broken_states > 0, "{found:?}");
    assert!(found.broken_states <= found.states);
    assert!(
        found.example.is_some(),
        "a prefix that broke an invariant is an example"
    );
    assert!(
        found.depth > 0 && found.depth < found.run_length,
        "{found:?}"
    );

    // Exhausted, the tiny bank's counts agree: every broken state is on the way to a
    // violating whole schedule.
    let tiny = explore(tiny_bank("none", 7));
    assert!(
        tiny.exhausted && tiny.violating > 0 && tiny.broken_states > 0,
        "{tiny:?}"
    );
    let shortest = tiny.example.as_ref().expect("an example").schedule.len() as u64;
    assert!(tiny.depth >= shortest, "{tiny:?}");
    let global = explore(tiny_bank("global", 7));
    assert_eq!(
        (global.violating, global.broken_states),
        (0, 0),
        "{global:?}"
    );
}

#[test]
fn exploration_finds_the_deadlock_of_unordered_locks_and_none_with_one_order() {
    // Two tellers over two accounts deadlock only if they transfer in opposite directions,
    // which each seed decides; over eight seeds some do.
    let mut deadlocked = Vec::new();
    for seed in 1..=8 {
        let unordered = explore(tiny_bank("fine-unordered", seed));
        assert!(unordered.exhausted, "{unordered:?}");
        if let Some(example) = &unordered.example {
            assert_eq!(example.outcome, Outcome::Deadlock, "{unordered:?}");
            let mut replay = tiny_bank("fine-unordered", seed);
            replay["executor"] = json!("stepped");
            replay["schedule"] = json!(example.schedule);
            let r = run(replay);
            assert_eq!(r.outcome, Outcome::Deadlock);
            assert_eq!(r.deadlock.expect("a cycle").cycle.len(), 2);
            deadlocked.push(seed);
        }
        let ordered = explore(tiny_bank("fine", seed));
        assert!(
            ordered.exhausted && ordered.violating == 0,
            "seed {seed}: {ordered:?}"
        );
    }
    eprintln!("fine-unordered deadlocks with seeds {deadlocked:?}");
    assert!(!deadlocked.is_empty(), "no seed of 1 to 8 deadlocked");
}

#[test]
fn a_long_run_is_sampled_and_says_it_proves_nothing() {
    let found = explore(json!({"scenario": "bank", "strategy": "none", "threads": 2,
                               "transfers_per_thread": 50, "seed": 3, "budget": 20}));
    assert_eq!(found.mode, "sampled");
    assert!(!found.exhausted);
    assert_eq!(found.runs, 20);
    assert!(found.violating > 0, "{found:?}");
}

#[test]
fn a_schedule_that_asks_a_blocked_thread_to_move_is_refused_naming_the_step() {
    // Thread 0 takes the global lock first, so thread 1 cannot take it next.
    let mut config = tiny_bank("global", 7);
    config["executor"] = json!("stepped");
    config["schedule"] = json!([0, 1]);
    let r = run(config);
    assert_eq!(r.outcome, Outcome::Error);
    let message = r.error.expect("a reason").message;
    assert!(
        message.contains("schedule[1]") && message.contains("bank.lock"),
        "{message}"
    );
}

#[test]
fn step_mode_pauses_where_the_schedule_ends_with_every_thread_placed() {
    let mut config = tiny_bank("none", 7);
    config["executor"] = json!("stepped");
    config["schedule"] = json!([0, 0, 0]);
    config["pause"] = json!(true);
    let r = run(config);
    assert_eq!(r.outcome, Outcome::Paused);
    let steps = r.steps.expect("steps");
    assert_eq!(steps.count, 3);
    let ops: Vec<_> = steps.log.iter().map(|e| format!("{:?}", e.op)).collect();
    assert_eq!(
        ops,
        ["Read", "Read", "Write"],
        "check, then src.balance -= amount"
    );
    assert!(
        steps.log.iter().all(|e| e.line.is_some()),
        "{:?}",
        steps.log
    );
    // Money is in flight: the total in the paused state is short.
    assert_ne!(r.final_state["total"], 200);
    assert_eq!(steps.threads[1].status, "ready");
}

#[test]
fn bad_step_settings_name_the_field_and_range() {
    let cases = [
        (
            json!({"scenario": "bank", "schedule": [0]}),
            "schedule",
            "stepped",
        ),
        (
            json!({"scenario": "bank", "threads": 2, "executor": "stepped", "schedule": [0, 2]}),
            "schedule",
            "[1] must be a thread from 0 to 1",
        ),
        (
            json!({"scenario": "bank", "executor": "stepped", "pause": 1}),
            "pause",
            "true or false",
        ),
        (
            json!({"scenario": "bank", "executor": "threads"}),
            "executor",
            "\"stepped\"",
        ),
    ];
    for (config, field, words) in cases {
        let e = RunConfig::from_value(&config).unwrap_err();
        assert_eq!(e.field, field, "{config}: {e}");
        assert!(e.to_string().contains(words), "{config}: {e}");
    }
    let e =
        racelab::ExploreConfig::from_value(&json!({"scenario": "bank", "budget": 0})).unwrap_err();
    assert_eq!(e.field, "budget");
    assert!(e.to_string().contains("from 1 to 1000000"), "{e}");
}

/// Replays a traced real run in the stepped executor and says whether it ended the same.
fn replays_the_same(config: Value) -> bool {
    let mut traced = config.clone();
    traced["trace"] = json!(true);
    let real = run(traced);
    let trace = real.trace.as_ref().expect("a trace");
    assert!(!trace.truncated, "the trace holds the whole run");
    let mut replay = config;
    replay["executor"] = json!("stepped");
    replay["seed"] = real.params["seed"].clone();
    replay["schedule"] = json!(trace.schedule());
    let stepped = run(replay);
    // A replay that went astray (two operations nanoseconds apart numbered in the other
    // order) can end anywhere, a refused schedule included: it counts as not the same, and
    // the rates below say how often that may happen.
    if stepped.outcome == Outcome::Error {
        eprintln!("a replay went astray: {:?}", stepped.error);
        return false;
    }
    stepped.final_state == real.final_state
}

#[test]
fn a_traced_real_run_of_the_unlocked_bank_replays_to_the_same_final_state() {
    let config = json!({"scenario": "bank", "strategy": "none", "threads": 5,
                        "transfers_per_thread": 200});
    let same = (0..20).filter(|_| replays_the_same(config.clone())).count();
    eprintln!("bank none: the replay ended as the real run did in {same} of 20");
    // A replay misses when two operations nanoseconds apart on two cores were numbered in
    // the other order. Idle, 20 of 20 match; with a parallel build on both cores 91 of 100
    // did, whose 95% lower bound (0.838) supports 11 of 20 at under one false failure in a
    // thousand (the reasoning of the browser suite's claims.js).
    assert!(
        same >= 11,
        "the replay ended as the real run did in only {same} of 20"
    );
}

#[test]
fn a_traced_real_run_with_a_lock_replays_to_the_same_final_state() {
    let config = json!({"scenario": "bank", "strategy": "global", "threads": 3, "transfers_per_thread": 100});
    // Measured under load (a parallel build): 400 of 400 replays of this bank matched (399
    // of 400 for the primitives' scenarios, since retired); 399's 95% lower bound (0.986)
    // supports 8 of 10 at under one false failure in a thousand, 4 of 5 it does not.
    let same = (0..10).filter(|_| replays_the_same(config.clone())).count();
    assert!(
        same >= 8,
        "{config}: the replay ended the same in only {same} of 10"
    );
}

/// Each step of a stepped run, and each thread's next one, names the line of its strategy's
/// listing that it runs: the page highlights it as the learner steps. Where it matters for
/// the lesson, the line is the right one: a transfer's writes on its debit and credit, the
/// global lock taken on its `with`.
#[test]
fn every_step_of_every_scenario_points_at_its_listing_line() {
    use racelab::exec::StepKind::{Acquire, Write};

    let anyone: Who = |_| true;
    let mut unplaced = Vec::new();
    let mut wrong = Vec::new();
    for info in catalog() {
        for strategy in &info.strategies {
            let mut config = match info.id {
                "bank" => json!({"transfers_per_thread": 3}),
                _ => json!({}),
            };
            config["scenario"] = json!(info.id);
            config["strategy"] = json!(strategy.id);
            config["executor"] = json!("stepped");
            config["seed"] = json!(5);
            let r = run(config);
            let name = format!("{}/{}", info.id, strategy.id);
            assert_ne!(r.outcome, Outcome::Error, "{name}: {:?}", r.error);
            let steps = r.steps.expect("a stepped run reports its steps");
            assert!(steps.log_complete, "{name}: the log holds every step");

            for (i, e) in steps.log.iter().enumerate() {
                if e.line.is_none() {
                    unplaced.push(format!(
                        "{name} step {i}: thread {} {:?} {:?}",
                        e.thread, e.op, e.obj
                    ));
                }
            }
            for (t, view) in steps.threads.iter().enumerate() {
                if let Some(next) = view.next.as_ref().filter(|n| n.line.is_none()) {
                    unplaced.push(format!(
                        "{name} next of thread {t}: {:?} {:?}",
                        next.op, next.obj
                    ));
                }
            }

            // Spot checks: the lines that carry each lesson.
            let on = |op, obj: &str, by: Who, fragments: &[&str]| {
                misplaced(&name, &steps.log, &strategy.listing, op, obj, by, fragments)
            };
            if info.id == "bank" {
                let moves = ["src.balance -= amount", "dst.balance += amount"];
                wrong.extend(on(Write, "account[", anyone, &moves));
                if strategy.id == "global" {
                    wrong.extend(on(Acquire, "bank.lock", anyone, &["with bank_lock:"]));
                }
            }
        }
    }
    for failure in unplaced.iter().chain(&wrong) {
        eprintln!("{failure}");
    }
    assert!(
        unplaced.is_empty(),
        "{} steps point at no listing line:\n{}",
        unplaced.len(),
        unplaced.join("\n")
    );
    assert!(
        wrong.is_empty(),
        "{} steps point at the wrong line:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Which threads a spot check is about.
type Who = fn(u8) -> bool;

/// The steps of kind `op` on an object named `obj...` by the threads `by` that are not on a
/// line of `listing` containing one of `fragments` (or that there are none), as failures.
fn misplaced(
    name: &str,
    log: &[racelab::exec::stepped::StepEntry],
    listing: &[racelab::listing::ListingLine],
    op: racelab::exec::StepKind,
    obj: &str,
    by: Who,
    fragments: &[&str],
) -> Vec<String> {
    let matching: Vec<_> = log
        .iter()
        .filter(|e| e.op == op && by(e.thread))
        .filter(|e| e.obj.as_deref().is_some_and(|o| o.starts_with(obj)))
        .collect();
    if matching.is_empty() {
        return vec![format!("{name}: no {op:?} of {obj} to check")];
    }
    matching
        .into_iter()
        .filter_map(|e| {
            let line = e.line.map_or("(none)", |l| listing[l - 1].text);
            let placed = fragments.iter().any(|f| line.contains(f));
            (!placed).then(|| {
                format!(
                    "{name}: thread {} {op:?} {obj} at `{line}`, not at {fragments:?}",
                    e.thread
                )
            })
        })
        .collect()
}

#[test]
fn stop_ends_an_exploration_at_once_and_says_it_was_cut_short() {
    // Sampling the lesson's bank would take minutes; Stop must end it within milliseconds.
    let search = racelab::ExploreConfig::from_value(&json!({"scenario": "bank", "threads": 3,
        "transfers_per_thread": 300, "seed": 2, "budget": 100000}))
    .expect("a valid search");
    let control = RunControl::new();
    let (found, took) = std::thread::scope(|s| {
        let running = s.spawn(|| search.explore(&control));
        std::thread::sleep(std::time::Duration::from_millis(100));
        let asked = std::time::Instant::now();
        control.request_cancel();
        let found = running.join().expect("the search returns");
        (found, asked.elapsed())
    });
    let found = found.expect("no error");
    assert!(found.cancelled && !found.exhausted, "{found:?}");
    assert!(found.runs < 100_000);
    assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
}
