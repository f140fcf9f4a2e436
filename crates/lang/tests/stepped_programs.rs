//! Stepped programs: the threads are real threads that take turns at every shared
//! operation, so the seed (and schedule) alone decide the run.

mod common;

use common::{lesson, threads_lessons};

use racelab::{Outcome, Report};
use racelab_lang::run::ProgramConfig;
use serde_json::json;

fn stepped(program: &str, extra: serde_json::Value) -> Report {
    let mut config = json!({ "program": program, "executor": "stepped" });
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    ProgramConfig::from_value(&config)
        .unwrap_or_else(|e| panic!("{e}"))
        .run(None)
}

/// What must be equal between two runs with the same seed (not their wall-clock time).
fn essence(r: &Report) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap();
    v.as_object_mut().unwrap().remove("elapsed_ms");
    v
}

const INCREMENT: &str = "\
import threading
x = 0
def inc():
    global x
    x += 1
ts = [threading.Thread(target=inc) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(x)
";

#[test]
fn the_same_seed_gives_the_same_report_for_every_lesson_program() {
    let programs = threads_lessons();
    for (name, program) in programs {
        let first = essence(&stepped(&program, json!({ "seed": 11 })));
        assert_eq!(first["executor"], "stepped", "{name}");
        for _ in 0..9 {
            let again = essence(&stepped(&program, json!({ "seed": 11 })));
            if again != first {
                let keys: Vec<&String> = first
                    .as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| first[*k] != again[*k])
                    .collect();
                let (a, b) = (&first["steps"], &again["steps"]);
                let diff = a
                    .as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| a[*k] != b[*k])
                    .map(|k| {
                        format!(
                            "{k}: {}",
                            if a[k].is_array() {
                                let (x, y) = (a[k].as_array().unwrap(), b[k].as_array().unwrap());
                                let i = x.iter().zip(y).position(|(p, q)| p != q).unwrap_or(0);
                                format!(
                                    "at {i}: {} vs {}",
                                    x.get(i).unwrap_or(&json!(null)),
                                    y.get(i).unwrap_or(&json!(null))
                                )
                            } else {
                                format!("{} vs {}", a[k], b[k])
                            }
                        )
                    })
                    .collect::<Vec<_>>();
                panic!("{name}: a second run with seed 11 differs in {keys:?}: {diff:?}");
            }
        }
    }
}

#[test]
fn stepping_two_increments_finds_the_lost_update_and_its_schedule_replays_it() {
    let runs: Vec<Report> = (0..60)
        .map(|seed| stepped(INCREMENT, json!({ "seed": seed })))
        .collect();
    let lost: Vec<&Report> = runs
        .iter()
        .filter(|r| r.output.as_ref().unwrap()[0].text == "1")
        .collect();
    let kept = runs.len() - lost.len();
    assert!(!lost.is_empty(), "no schedule of 60 lost the update");
    assert!(kept > 0, "every schedule lost the update");
    // The lost run's schedule, given back, is the same run, whatever the seed.
    let schedule = &lost[0].steps.as_ref().unwrap().schedule;
    let replay = stepped(INCREMENT, json!({ "seed": 999, "schedule": schedule }));
    assert_eq!(replay.output.as_ref().unwrap()[0].text, "1");
    assert_eq!(&replay.steps.as_ref().unwrap().schedule, schedule);
}

#[test]
fn a_schedule_that_ends_with_pause_stops_there_and_says_where_each_thread_stands() {
    // Thread 0 starts both threads (its steps), then each new thread starts (one step
    // each) and is about to read x.
    let full = stepped(INCREMENT, json!({ "seed": 1 }));
    let schedule = &full.steps.as_ref().unwrap().schedule;
    let first_other = schedule.iter().position(|&t| t != 0).unwrap();
    let prefix: Vec<u8> = schedule[..=first_other].to_vec();
    let paused = stepped(
        INCREMENT,
        json!({ "seed": 1, "schedule": prefix, "pause": true }),
    );
    assert_eq!(paused.outcome, Outcome::Paused);
    let steps = paused.steps.as_ref().unwrap();
    assert_eq!(steps.count as usize, prefix.len());
    assert!(paused.output.as_ref().unwrap().is_empty());
}

#[test]
fn a_schedule_naming_a_thread_that_cannot_move_is_refused_with_the_step() {
    let r = stepped(INCREMENT, json!({ "seed": 1, "schedule": [0, 5] }));
    assert_eq!(r.outcome, Outcome::Error);
    let message = &r.error.as_ref().unwrap().message;
    assert!(message.contains("step 2 names thread 5"), "{message}");
}

#[test]
fn stepped_deadlocks_say_what_each_thread_waits_for() {
    let r = stepped(&lesson("condition_agent.py"), json!({ "seed": 3 }));
    assert_eq!(r.outcome, Outcome::Deadlock);
    assert_eq!(
        r.output.as_ref().unwrap().len(),
        5,
        "every customer was served first"
    );
    let d = r.deadlock.as_ref().unwrap();
    let agent = d.waiting.iter().find(|w| w.thread == 1).unwrap();
    assert_eq!(agent.line, Some(17));
    assert_eq!(
        agent.why,
        "waits on condition customer_available_condition to be notified"
    );
}

#[test]
fn schedule_and_pause_need_a_stepped_run() {
    let e =
        ProgramConfig::from_value(&json!({ "program": "print(1)", "schedule": [0] })).unwrap_err();
    assert_eq!(e.field, "schedule");
    let e = ProgramConfig::from_value(&json!({ "program": "print(1)", "executor": "steped" }))
        .unwrap_err();
    assert_eq!(e.field, "executor");
    assert!(e.to_string().contains("stepped"));
}

fn explore(program: &str) -> racelab_lang::explore::ProgramExploration {
    racelab_lang::explore::ProgramSearch::from_value(&json!({ "program": program, "seed": 1 }))
        .unwrap_or_else(|e| panic!("{e}"))
        .explore(&racelab_lang::vm::RunOptions::default())
}

#[test]
fn exploring_two_unlocked_increments_finds_the_lost_update_and_its_schedule_replays_it() {
    let program = lesson("increment.py");
    let found = explore(&program);
    assert!(found.exhausted, "{found:?}");
    assert!(
        found.violating > 0 && found.violating < found.schedules,
        "{found:?}"
    );
    let example = found.example.expect("a violating schedule");
    assert_eq!(example.outcome, Outcome::Violated);
    let replay = stepped(&program, json!({ "seed": 5, "schedule": example.schedule }));
    assert_eq!(replay.outcome, Outcome::Violated);
    assert_eq!(replay.final_state["x"], 1);
}

#[test]
fn exploring_the_locked_increments_tries_every_interleaving_and_none_breaks_it() {
    let found = explore(&lesson("increment.py").replace("LOCKED = False", "LOCKED = True"));
    assert!(found.exhausted, "{found:?}");
    assert!(found.schedules > 1, "{found:?}");
    assert_eq!(found.violating, 0);
    assert!(found.example.is_none());
}

#[test]
fn exploring_two_locks_taken_in_opposite_orders_finds_the_deadlock() {
    let found = explore(
        "\
import threading
a = threading.Lock()
b = threading.Lock()
def one():
    with a:
        with b:
            pass
def two():
    with b:
        with a:
            pass
t1 = threading.Thread(target=one)
t2 = threading.Thread(target=two)
t1.start()
t2.start()
t1.join()
t2.join()
",
    );
    assert!(found.exhausted, "{found:?}");
    assert_eq!(
        found.example.expect("a deadlock").outcome,
        Outcome::Deadlock
    );
}

#[test]
fn a_stepped_programs_log_names_what_each_step_touched_and_the_numbers_it_read_and_wrote() {
    let (_, program) = common::lesson_placements()
        .into_iter()
        .find(|(n, _)| n == "bank/none.py")
        .unwrap();
    let program = common::with_constant(&program, "THREADS", "2");
    let program = common::with_constant(&program, "TRANSFERS_PER_THREAD", "1");
    let program = common::with_constant(&program, "ACCOUNTS", "[100, 100]");
    let run = stepped(&program, json!({ "seed": 2, "pause": "choice" }));
    let steps = run.steps.as_ref().unwrap();
    let named: Vec<&racelab::exec::stepped::StepEntry> = steps
        .log
        .iter()
        .filter(|e| e.obj.as_deref().is_some_and(|o| o.ends_with(".balance")))
        .collect();
    assert!(!named.is_empty(), "the setup writes every balance");
    for e in &named {
        let obj = e.obj.as_deref().unwrap();
        assert!(
            obj.starts_with("accounts[") && e.value.is_some(),
            "{obj} {:?}: named by its path, with its number",
            e.value
        );
    }
    // Where it pauses, the shared data is there row by row, and the constants are not.
    let rows: Vec<(&str, &serde_json::Value)> = steps
        .shared
        .iter()
        .map(|r| (r.name.as_str(), &r.value))
        .collect();
    let balances: Vec<i64> = rows
        .iter()
        .filter(|(n, _)| n.ends_with(".balance"))
        .map(|(_, v)| v.as_i64().unwrap())
        .collect();
    assert_eq!(balances, [100, 100], "no transfer has begun: {rows:?}");
    assert!(
        rows.iter()
            .all(|(n, _)| *n != "TRANSFERS_PER_THREAD" && *n != "THREADS"),
        "constants bound once are not shared data: {rows:?}"
    );

    // Every read and write of a number says it.
    let found = stepped(INCREMENT, json!({ "seed": 1 }));
    let log = &found.steps.as_ref().unwrap().log;
    let xs: Vec<(u8, &str, Option<i64>)> = log
        .iter()
        .filter(|e| e.obj.as_deref() == Some("x") && e.thread > 0)
        .map(|e| {
            (
                e.thread,
                if e.op == racelab::exec::StepKind::Read {
                    "read"
                } else {
                    "write"
                },
                e.value,
            )
        })
        .collect();
    assert!(xs.len() >= 4, "{xs:?}");
    assert!(
        xs.iter().all(|(_, _, v)| v.is_some()),
        "every read and write of x has its number: {xs:?}"
    );
}

#[test]
fn a_stepped_runs_clock_is_its_steps_so_the_seed_decides_the_times_it_reads() {
    // Read real clocks, the two threads' moments would differ from run to run; a stepped
    // run's clock moves a microsecond a step, so they are the same every time, and later
    // steps read later times.
    let src = "\
import threading
import time
start = time.monotonic()
moments = []
def note():
    moments.append(round((time.monotonic() - start) * 1e6))
ts = [threading.Thread(target=note) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(moments, time.time() >= 1_767_225_600)
";
    let first = stepped(src, json!({ "seed": 3 }));
    let text = |r: &Report| r.output.as_ref().unwrap()[0].text.clone();
    let printed = text(&first);
    let moments: Vec<i64> = printed
        .trim_start_matches('[')
        .split(']')
        .next()
        .unwrap()
        .split(", ")
        .map(|m| m.parse().unwrap())
        .collect();
    assert!(moments.iter().all(|&m| m > 0), "{printed}");
    assert!(printed.ends_with("True"), "{printed}");
    for _ in 0..5 {
        assert_eq!(text(&stepped(src, json!({ "seed": 3 }))), printed);
    }
}
