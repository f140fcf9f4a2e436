//! Quiet steps: a stepped program's reads of what nothing writes any more (its functions,
//! modules and constants, bound once at module level) conflict with no other thread's step,
//! so step mode and exploration take them without offering a choice. These tests hold the
//! claim to account: swapping a quiet step with its neighbour never changes a run, and
//! exploration that takes them unasked still finds every lesson's bug and proves every fix.

mod common;

use common::{lesson_placements, threads_lessons};

use racelab::{Outcome, Report};
use racelab_lang::explore::ProgramSearch;
use racelab_lang::run::ProgramConfig;
use racelab_lang::vm::RunOptions;
use serde_json::{json, Value};

/// A stepped run of `program` on this thread (the quicker of the two stepped engines).
fn stepped(program: &str, extra: Value) -> Report {
    common::stepped(program, &extra, true)
}

/// What a run comes to: its outcome, final globals (not the clock's readings), checks,
/// exceptions, and its output as a multiset (two threads' prints may swap with their
/// steps; no verdict depends on their order).
fn result(r: &Report) -> Value {
    let v = serde_json::to_value(r).unwrap();
    let mut fin = v["final"].clone();
    if let Some(f) = fin.as_object_mut() {
        f.retain(|_, x| match x {
            Value::Array(xs) => !xs.iter().any(Value::is_f64),
            x => !x.is_f64(),
        });
    }
    let mut output: Vec<String> = v["output"]
        .as_array()
        .map(|o| o.iter().map(|e| e.to_string()).collect())
        .unwrap_or_default();
    output.sort();
    json!({
        "outcome": v["outcome"], "final": fin, "invariants": v["invariants"],
        "exceptions": v["exceptions"], "output": output,
    })
}

#[test]
fn a_quiet_step_swapped_with_another_threads_next_step_changes_nothing() {
    let mut programs = lesson_placements();
    programs.extend(
        threads_lessons()
            .into_iter()
            .map(|(n, s)| (n.to_string(), s)),
    );
    let mut swapped = 0;
    for (name, program) in &programs {
        for seed in 1..=3u64 {
            let run = stepped(program, json!({ "seed": seed }));
            let steps = run.steps.as_ref().expect("a stepped run has steps");
            let schedule: Vec<u8> = steps.schedule.clone();
            let log = &steps.log;
            let reference = result(&run);
            let mut tried = 0;
            for i in 0..log.len().saturating_sub(1) {
                if tried == 12 {
                    break;
                }
                if !log[i].quiet || schedule[i] == schedule[i + 1] {
                    continue;
                }
                let mut other = schedule.clone();
                other.swap(i, i + 1);
                let again = stepped(program, json!({ "seed": seed, "schedule": other }));
                // The quiet step may have started the other thread (its step runs on to
                // the thread's next turn point): then the swap is refused, and says so.
                if let Some(e) = &again.error {
                    assert!(e.message.starts_with("schedule:"), "{name}: {}", e.message);
                    continue;
                }
                tried += 1;
                assert_eq!(
                    result(&again),
                    reference,
                    "{name} seed {seed}: swapping step {} (thread {}, quiet {:?} {:?} at line {:?}) \
                     with step {} (thread {}) changed the run",
                    i + 1,
                    schedule[i],
                    log[i].op,
                    log[i].obj,
                    log[i].line,
                    i + 2,
                    schedule[i + 1]
                );
            }
            swapped += tried;
        }
    }
    assert!(
        swapped > 500,
        "only {swapped} quiet steps were swapped: the test checks too little"
    );
}

#[test]
fn reads_of_functions_modules_and_constants_are_quiet_and_the_shared_data_is_not() {
    let program = common::lesson("bank.py").replace("TRANSFERS = 2_000", "TRANSFERS = 2");
    let run = stepped(&program, json!({ "seed": 4 }));
    let log = &run.steps.as_ref().unwrap().log;
    let quiet = |obj: &str| {
        let of: Vec<bool> = log
            .iter()
            .filter(|e| e.op == racelab::exec::StepKind::Read)
            // An attribute is named by its object's path: `accounts[2].balance`.
            .filter(|e| {
                e.obj.as_deref() == Some(obj)
                    || obj.starts_with('.') && e.obj.as_deref().is_some_and(|o| o.ends_with(obj))
            })
            .map(|e| e.quiet)
            .collect();
        assert!(!of.is_empty(), "no read of {obj} in the log");
        of.iter().all(|q| *q)
    };
    assert!(quiet("transfer"), "a function bound once");
    assert!(quiet("random"), "a module");
    assert!(quiet(".randint"), "a module's function");
    assert!(!quiet(".balance"), "an attribute: the shared data");
    assert!(
        log.iter()
            .all(|e| e.op != racelab::exec::StepKind::Write || !e.quiet),
        "no write is quiet"
    );
}

#[test]
fn pause_at_choice_takes_the_quiet_steps_and_stops_where_two_threads_can_move() {
    let program = common::lesson("bank.py").replace("TRANSFERS = 2_000", "TRANSFERS = 2");
    let run = stepped(&program, json!({ "seed": 4, "pause": "choice" }));
    assert_eq!(run.outcome, Outcome::Paused);
    let steps = run.steps.as_ref().unwrap();
    let ready: Vec<_> = steps
        .threads
        .iter()
        .filter(|t| t.status == "ready")
        .collect();
    assert!(
        ready.len() >= 2,
        "paused where there is a choice: {ready:?}"
    );
    assert!(
        ready.iter().all(|t| !t.next.as_ref().unwrap().quiet),
        "no quiet step is left waiting at a choice: {ready:?}"
    );
    // Going on from there with one more step pauses at the next choice, never earlier.
    let mut schedule = steps.schedule.clone();
    schedule.push(schedule[schedule.len() - 1]);
    let on = stepped(
        &program,
        json!({ "seed": 4, "pause": "choice", "schedule": schedule }),
    );
    let on_steps = on.steps.as_ref().unwrap();
    assert!(on_steps.count as usize >= schedule.len());
    assert_eq!(&on_steps.schedule[..schedule.len()], &schedule[..]);
    let refused = ProgramConfig::from_value(&json!({
        "program": "x = 1", "executor": "stepped", "pause": "later"
    }))
    .unwrap_err();
    assert_eq!(refused.field, "pause");
    assert!(
        refused.message.contains("\"choice\""),
        "{}",
        refused.message
    );
}

/// Explores the bank lesson's placement as step mode sets it up: two tellers with one
/// transfer each of at most 50 (seed 1's draws send them in opposite directions; seed 3's
/// both from the same account).
fn explore_bank(
    placement: &str,
    accounts: &str,
    seed: u64,
) -> racelab_lang::explore::ProgramExploration {
    let program = small_bank(placement, accounts);
    ProgramSearch::from_value(&json!({ "program": program, "seed": seed }))
        .unwrap()
        .explore(&RunOptions::default())
}

fn small_bank(placement: &str, accounts: &str) -> String {
    let (_, program) = lesson_placements()
        .into_iter()
        .find(|(n, _)| n == &format!("bank/{placement}.py"))
        .unwrap();
    let program = common::with_constant(&program, "THREADS", "2");
    let program = common::with_constant(&program, "TRANSFERS_PER_THREAD", "1");
    let program = common::with_constant(&program, "ACCOUNTS", accounts);
    common::with_constant(&program, "MAX_AMOUNT", "50")
}

#[test]
fn exploring_the_banks_placements_finds_every_bug_and_proves_every_fix() {
    // With the seed's own draws: a search's runs are the ones its example replays.
    for safe in ["global", "fine"] {
        let found = explore_bank(safe, "[100, 100]", 1);
        assert!(
            found.exhausted,
            "{safe}: not exhausted in {} runs",
            found.runs
        );
        assert_eq!(found.violating, 0, "{safe}");
    }
    let none = explore_bank("none", "[100, 100]", 1);
    assert!(
        none.violating > 0 && none.example.is_some(),
        "none: {none:?}"
    );
    let unordered = explore_bank("fine-unordered", "[100, 100]", 1);
    assert!(unordered.violating > 0, "fine-unordered: {unordered:?}");
    let outside = explore_bank("check-outside", "[60, 60]", 3);
    assert!(outside.violating > 0, "check-outside: {outside:?}");
    // Each shortest example replays, with the search's seed, to what the search saw.
    for (placement, accounts, found) in [
        ("none", "[100, 100]", &none),
        ("fine-unordered", "[100, 100]", &unordered),
        ("check-outside", "[60, 60]", &outside),
    ] {
        let example = found.example.as_ref().unwrap();
        let replay = stepped(
            &small_bank(placement, accounts),
            json!({ "seed": found.seed, "schedule": example.schedule }),
        );
        assert_eq!(replay.outcome, example.outcome, "{placement}");
    }
}

#[test]
fn a_search_on_one_thread_that_could_not_offer_a_thread_says_it_is_not_exhausted() {
    // Each thread reads shared data inside a `key=` function: on one thread, one of them
    // waits there beneath the other, which cannot offer it to the scheduler meanwhile.
    let program = "\
import threading

class A:
    def __init__(self, v):
        self.v = v

x = A(1)

def sorter():
    sorted([x], key=lambda a: a.v)
    x.v = 2

ts = [threading.Thread(target=sorter) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
";
    let search = ProgramSearch::from_value(&json!({ "program": program, "seed": 1 })).unwrap();
    let one_thread = RunOptions {
        threads: None,
        ..RunOptions::default()
    };
    let narrowed = search.explore(&one_thread);
    assert!(narrowed.narrowed, "{narrowed:?}");
    assert!(!narrowed.exhausted, "{narrowed:?}");
    // With real threads taking turns, every interleaving is offered, and tried.
    let full = search.explore(&RunOptions::default());
    assert!(full.exhausted && !full.narrowed, "{full:?}");
    assert!(
        full.schedules >= narrowed.schedules,
        "{full:?} {narrowed:?}"
    );
}

#[test]
fn exploring_the_booking_overbooks_without_the_lock_and_never_with_it() {
    // Step mode's setup: one seat, two attempts on two workers.
    let booking = |placement: &str| {
        let (_, program) = lesson_placements()
            .into_iter()
            .find(|(n, _)| n == &format!("booking/{placement}.py"))
            .unwrap();
        let program = common::with_constant(&program, "SEATS", "1");
        let program = common::with_constant(&program, "ATTEMPTS", "2");
        common::with_constant(&program, "THREADS", "2")
    };
    let search = |program: &str| {
        ProgramSearch::from_value(&json!({ "program": program, "seed": 1 }))
            .unwrap()
            .explore(&RunOptions::default())
    };
    let none = search(&booking("none"));
    assert!(none.exhausted && none.violating > 0, "{none:?}");
    let example = none.example.as_ref().expect("an overbooking schedule");
    let replay = stepped(
        &booking("none"),
        json!({ "seed": none.seed, "schedule": example.schedule }),
    );
    assert_eq!(replay.outcome, example.outcome);
    assert_eq!(replay.outcome, racelab::Outcome::Violated);
    let lock = search(&booking("lock"));
    assert!(lock.exhausted && lock.violating == 0, "{lock:?}");
}
