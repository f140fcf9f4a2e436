//! What a lesson's manifest makes of a run: the final state drawn as its `final` says (the
//! report's `view`), and step mode's challenges, each winnable by stepping its setup.

mod common;

use common::{lesson, run, violated};
use racelab::{Outcome, Report};
use racelab_lessons::{Lesson, LessonRun, Lessons, Won};
use serde_json::{json, Value};

fn builtin() -> &'static Lessons {
    Lessons::builtin().unwrap_or_else(|e| panic!("{e}"))
}

/// A lesson's placement in step mode's small setup: quick, and still a whole run.
fn small(l: &Lesson, placement: &str) -> Value {
    let mut config = lesson(&l.id, placement);
    if let Some(step) = &l.step {
        for (k, v) in &step.params {
            config[k] = v.clone();
        }
    }
    config
}

#[test]
fn every_placement_that_runs_to_its_end_is_drawn() {
    for l in builtin().iter() {
        for p in &l.placements {
            let r = run(&small(l, &p.id));
            let what = format!("{}/{}", l.id, p.id);
            match r.outcome {
                Outcome::Ok | Outcome::Violated => {
                    let view = r.view.as_ref().unwrap_or_else(|| panic!("{what}: no view"));
                    assert!(view.get("error").is_none(), "{what}: {view}");
                    assert!(
                        view["title"].as_str().is_some_and(|t| !t.is_empty()),
                        "{what}"
                    );
                    let rows = view.get("table").or(view.get("moments"));
                    assert!(
                        rows.and_then(Value::as_array)
                            .is_some_and(|r| !r.is_empty()),
                        "{what}: nothing drawn in {view}"
                    );
                    assert!(view["key"]["label"].is_string(), "{what}: no key in {view}");
                    assert!(view["summary"].is_string(), "{what}: no summary in {view}");
                }
                // A run that did not end has no final state to draw.
                _ => assert!(r.view.is_none(), "{what} ended {:?} with a view", r.outcome),
            }
        }
    }
}

#[test]
fn the_unlocked_banks_drawing_marks_the_wrong_total() {
    let mut config = lesson("bank", "none");
    config["transfers_per_thread"] = json!(2000);
    for _ in 0..5 {
        let r = run(&config);
        let view = r.view.as_ref().expect("drawn");
        let total = r.final_state["total"].as_i64().expect("a total");
        let expected = r.final_state["TOTAL"].as_i64().expect("the starting total");
        let table = view["table"].as_array().expect("a table");
        let balances = r.final_state["balances"].as_array().expect("balances");
        assert_eq!(
            table.len(),
            balances.len() + 1,
            "a row per account, then the total"
        );
        for (row, b) in table.iter().zip(balances) {
            assert_eq!(&row["value"], b);
            assert_eq!(row["bad"], json!(b.as_i64().unwrap() < 0));
        }
        let last = table.last().unwrap();
        assert_eq!(last["label"], "total");
        assert_eq!(last["value"], json!(total));
        assert_eq!(last["bad"], json!(total != expected));
        assert_eq!(view["key"]["value"], json!(total));
        assert_eq!(view["key"]["bad"], json!(total != expected));
        assert_eq!(
            view["key"]["label"],
            json!(format!("final total (should be {})", with_commas(expected)))
        );
        assert_eq!(
            view["summary"],
            json!(format!("total {}", with_commas(total)))
        );
    }
}

fn with_commas(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[test]
fn the_barriers_drawing_has_a_lane_per_party() {
    let r = run(&lesson("barrier", "none"));
    let view = r.view.clone().expect("drawn");
    let lanes = view["moments"].as_array().expect("lanes");
    let parties = r.final_state["parties"].as_array().expect("parties");
    assert_eq!(lanes.len(), parties.len());
    let early = lanes
        .iter()
        .filter(|lane| lane["marks"][1]["kind"] == "early")
        .count();
    assert_eq!(view["key"]["value"], json!(early));
    assert_eq!(view["key"]["bad"], json!(early > 0));
    assert_eq!(early > 0, violated(&r, "tour-starts-after-all-ready"));
}

/// A lesson of one program whose manifest's drawing is `final`.
fn tally(final_view: &str) -> Result<Lessons, racelab_lessons::LessonError> {
    let manifest = format!(
        r#"{{ "order": 1, "title": "Tally", "summary": "s", "guarantee": "g", "watch": "w",
             "lesson": "l", "placements": [{{ "id": "lock", "title": "Lock", "safe": true,
             "summary": "s" }}], "final": {final_view} }}"#
    );
    Lessons::from_files([
        ("tally", "lesson.json", manifest.as_str()),
        (
            "tally",
            "lock.py",
            "COUNT = 3\ncount = COUNT\nnames = ['a', 'b']\n",
        ),
    ])
}

fn run_tally(lessons: &Lessons) -> Report {
    let config = json!({"scenario": "tally", "lesson": true});
    let run = LessonRun::from_value(lessons, &config).expect("a good config");
    run.finish(run.program.run(None))
}

#[test]
fn a_drawing_that_fails_names_its_field() {
    let lessons = tally(
        r#"{ "title": "T", "table": [{ "label": "count", "value": "count" },
             { "for": "n in names", "label": "{n}", "value": "cuont" }] }"#,
    )
    .expect("loads: the name is only wrong when run");
    let view = run_tally(&lessons).view.expect("a view");
    let error = view["error"].as_str().expect("an error");
    assert!(
        error.contains("tally/lesson.json: final.table[1].value: NameError"),
        "{error}"
    );
}

#[test]
fn a_drawing_that_is_not_python_is_refused_on_load() {
    let e =
        tally(r#"{ "title": "T", "key": { "label": "n", "value": "count", "bad": "value >" } }"#)
            .expect_err("refused");
    assert_eq!(e.file, "tally/lesson.json");
    assert!(
        e.message.starts_with("final.key.bad is not valid Python"),
        "{e}"
    );
    let e = tally(r#"{ "title": "T", "table": [{ "label": "{count", "value": "1" }] }"#)
        .expect_err("refused");
    assert!(
        e.message
            .starts_with("final.table[0].label is not valid Python"),
        "{e}"
    );
}

#[test]
fn a_drawings_for_repeats_its_rows_and_define_names_a_value() {
    let lessons = tally(
        r#"{ "define": [{ "name": "twice", "value": "count * 2" }], "title": "{len(names)} names",
             "table": [{ "for": "i, n in enumerate(names)", "label": "name {i}", "value": "n.upper()",
                         "note": "of {twice}", "bad": "n == 'b'" }],
             "key": { "label": "count", "value": "count", "bad": "value != COUNT" },
             "summary": "{count:,} counted" }"#,
    )
    .expect("loads");
    let view = run_tally(&lessons).view.expect("a view");
    assert_eq!(
        view,
        json!({
            "title": "2 names",
            "table": [
                { "label": "name 0", "value": "A", "note": "of 6", "bad": false },
                { "label": "name 1", "value": "B", "note": "of 6", "bad": true },
            ],
            "key": { "label": "count", "value": 3, "bad": false },
            "summary": "3 counted",
        })
    );
}

// Step mode's challenges.

/// How the test chooses who moves: the main thread until every thread has started, then
/// the others in turn (`Lockstep`), or thread 1 for its first `n` steps before thread 2.
#[derive(Debug, Clone, Copy)]
enum Policy {
    Lockstep,
    FirstFor(usize),
}

/// Steps `config` to its end one choice at a time, as a learner pressing thread buttons.
fn step_through(config: &Value, threads: usize, policy: Policy) -> Report {
    let lessons = builtin();
    let mut schedule: Vec<u64> = Vec::new();
    loop {
        let mut c = config.clone();
        c["executor"] = json!("stepped");
        c["pause"] = json!(true);
        c["schedule"] = json!(schedule);
        let run = LessonRun::from_value(lessons, &c).unwrap_or_else(|e| panic!("{e}"));
        let r = run.finish(run.program.run(None));
        if r.outcome != Outcome::Paused || schedule.len() > 2_000 {
            return r;
        }
        let steps = r.steps.as_ref().expect("a stepped report");
        schedule = steps.schedule.iter().map(|&t| u64::from(t)).collect();
        let ready: Vec<usize> = (0..steps.threads.len())
            .filter(|&t| steps.threads[t].status == "ready")
            .collect();
        let started = steps.threads.len() > threads;
        let workers: Vec<usize> = ready.iter().copied().filter(|&t| t != 0).collect();
        let choice = if !started && ready.contains(&0) || workers.is_empty() {
            ready[0]
        } else {
            match policy {
                Policy::Lockstep => *workers
                    .iter()
                    .min_by_key(|&&t| schedule.iter().filter(|&&s| s == t as u64).count())
                    .expect("some worker"),
                Policy::FirstFor(n) => {
                    let first = schedule.iter().filter(|&&s| s == 1).count();
                    let order = if first < n { [1, 2] } else { [2, 1] };
                    order
                        .into_iter()
                        .find(|t| workers.contains(t))
                        .unwrap_or(workers[0])
                }
            }
        };
        schedule.push(choice as u64);
    }
}

fn won(r: &Report, how: &Won) -> bool {
    match how {
        Won::Outcome(_) => r.outcome == Outcome::Deadlock,
        Won::Violated(id) => violated(r, id),
    }
}

#[test]
fn every_challenge_can_be_won_by_stepping_its_setup() {
    let policies = [Policy::Lockstep]
        .into_iter()
        .chain((1..=40).step_by(3).map(Policy::FirstFor));
    let policies: Vec<Policy> = policies.collect();
    let mut challenges = 0;
    for l in builtin().iter() {
        let Some(step) = &l.step else { continue };
        for c in &step.challenges {
            challenges += 1;
            let placement = match &c.placements {
                Some(ps) => ps[0].clone(),
                None => l
                    .placements
                    .iter()
                    .find(|p| !p.safe)
                    .expect("unsafe")
                    .id
                    .clone(),
            };
            let mut config = small(l, &placement);
            for (k, v) in &c.setup {
                config[k] = v.clone();
            }
            config["seed"] = json!(c.seed.or(step.seed).unwrap_or(1));
            let threads = config.get("threads").and_then(Value::as_u64).unwrap_or(2) as usize;
            let winner = policies.iter().find_map(|&p| {
                let r = step_through(&config, threads, p);
                won(&r, &c.won).then_some(r)
            });
            let r = winner.unwrap_or_else(|| {
                panic!(
                    "{}'s challenge {} was not won by any of {policies:?}",
                    l.id, c.id
                )
            });
            if c.story.is_some() && matches!(r.outcome, Outcome::Ok | Outcome::Violated) {
                let story = r.view.as_ref().and_then(|v| v["story"].as_str());
                assert!(
                    story.is_some_and(|s| !s.is_empty() && !s.contains('{')),
                    "{}'s challenge {}: no story in {:?}",
                    l.id,
                    c.id,
                    r.view
                );
            }
        }
    }
    assert!(challenges >= 4, "only {challenges} challenges");
}

#[test]
fn a_challenge_for_the_safe_placement_cannot_be_won_by_the_same_stepping() {
    // The bank's lose-money challenge, stepped the way that wins it unlocked, on the global
    // lock: the same choices cannot break it.
    let l = builtin().get("bank").expect("the bank");
    let step_seed = l.step.as_ref().and_then(|s| s.seed).unwrap_or(1);
    for placement in ["none", "global"] {
        let mut config = small(l, placement);
        config["seed"] = json!(step_seed);
        let any = (1..=40).step_by(3).any(|n| {
            violated(
                &step_through(&config, 2, Policy::FirstFor(n)),
                "total-conserved",
            )
        });
        assert_eq!(any, placement == "none", "{placement}");
    }
}

#[test]
fn step_setups_are_given_to_the_page() {
    let json: Value = serde_json::from_str(&builtin().to_json()).expect("JSON");
    let bank = json
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["id"] == "bank"))
        .expect("the bank");
    assert_eq!(bank["step"]["params"]["threads"], 2);
    let ids: Vec<&str> = bank["step"]["challenges"]
        .as_array()
        .expect("challenges")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, ["deadlock", "go-negative", "lose-money"]);
    assert_eq!(
        bank["step"]["challenges"][0]["won"],
        json!({ "outcome": "deadlock" })
    );
    // The drawing is the Rust side's: the page gets its values in each report.
    assert!(bank.get("final").is_none());
}

/// The text of the lines `which` picks from a bank placement's marks.
fn marked(placement: &str, invalid: bool) -> Vec<String> {
    let bank = builtin().get("bank").expect("the bank");
    let p = bank.placement(placement).expect("placement");
    let text: Vec<&str> = p.program.lines().collect();
    let lines = if invalid {
        &p.marks.invalid_lines
    } else {
        &p.marks.lock_lines
    };
    lines
        .iter()
        .map(|&n| text[n as usize - 1].trim().to_string())
        .collect()
}

#[test]
fn a_placements_listing_marks_the_lines_that_place_its_locks_and_the_invalid_stretch() {
    assert!(
        marked("none", false).is_empty(),
        "the first placement adds nothing"
    );
    assert_eq!(
        marked("global", false),
        [
            "bank_lock = threading.RLock()",
            "with bank_lock:",
            "with bank_lock:"
        ]
    );
    assert_eq!(
        marked("none", true),
        [
            "src.balance -= amount",
            "time.sleep(DELAY / 1_000_000)",
            "dst.balance += amount"
        ]
    );
    assert_eq!(marked("global", true), marked("none", true));
    for l in builtin().iter() {
        for p in &l.placements[1..] {
            assert!(
                !p.marks.lock_lines.is_empty(),
                "{}/{} adds no line",
                l.id,
                p.id
            );
        }
    }
}

#[test]
fn a_stepped_early_pickup_is_drawn_as_early() {
    // A stepped run's clock moves a microsecond a step, so its moments are thousandths of a
    // millisecond: a key rounded to tenths called every stepped pickup "0.0 ms after
    // landing", never early (as in a browser without threads, where every run is stepped).
    let (mut early, mut seen) = (0, 0);
    for seed in 1..=20 {
        let mut config = lesson("event", "none");
        config["executor"] = json!("stepped");
        config["seed"] = json!(seed);
        let r = run(&config);
        let f = &r.final_state;
        let (Some(pickup), Some(landed)) = (f["pickup_at_ms"].as_f64(), f["landed_at_ms"].as_f64())
        else {
            panic!("seed {seed}: no moments in {f}");
        };
        let key = &r.view.as_ref().expect("a drawn run")["key"];
        seen += 1;
        if pickup < landed {
            early += 1;
            assert_eq!(key["bad"], json!(true), "seed {seed}: {key}");
            assert!(key["value"].as_f64().unwrap() < 0.0, "seed {seed}: {key}");
        } else {
            assert_eq!(key["bad"], json!(false), "seed {seed}: {key}");
        }
    }
    assert!(early > 0, "no stepped run of {seen} picked up early");
}
