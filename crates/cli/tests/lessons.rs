//! Lessons as data from the command line: a demo is a folder of programs and a manifest.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn racelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_racelab"))
        .args(args)
        .output()
        .expect("racelab runs")
}

fn fixtures() -> String {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", "lessons"]
        .iter()
        .collect();
    dir.to_str().expect("a UTF-8 path").to_string()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

#[test]
fn a_demo_added_as_a_folder_is_listed_run_and_stepped_with_no_code_change() {
    let dir = fixtures();
    let listed = json(&racelab(&["lessons", "--lessons", &dir, "--json"]));
    let tally = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "tally")
        .expect("the fixture's lesson is listed");
    assert_eq!(tally["placements"][1]["id"], "lock");
    assert_eq!(tally["params"][1]["name"], "adds");
    assert_eq!(tally["params"][1]["default"], 1000, "read from the program");

    // Unlocked, four threads of 100,000 additions lose some in every run measured (100 of
    // 100); one of three is asked.
    let lost = (0..3)
        .filter(|_| {
            let r = json(&racelab(&[
                "run",
                "tally",
                "--lessons",
                &dir,
                "--threads",
                "4",
                "--adds",
                "100000",
                "--json",
            ]));
            assert_eq!(r["scenario"], "tally");
            assert_eq!(r["params"]["threads"], 4);
            r["invariants"][0]["id"] == "no-lost-update" && r["invariants"][0]["held"] == false
        })
        .count();
    assert!(lost >= 1, "no run of three lost an addition");

    let locked = json(&racelab(&[
        "run",
        "tally",
        "--lessons",
        &dir,
        "--strategy",
        "lock",
        "--threads",
        "4",
        "--json",
    ]));
    assert_eq!(locked["outcome"], "ok", "{locked}");
    assert_eq!(locked["final"]["tally"], 4000);
    // Its final state drawn as its manifest says.
    assert_eq!(locked["view"]["summary"], "tally 4,000");
    assert_eq!(
        locked["view"]["table"][0],
        serde_json::json!({"label": "tally", "value": 4000, "note": "should be 4,000", "bad": false})
    );
    let text = racelab(&["run", "tally", "--lessons", &dir, "--strategy", "lock"]);
    let err = String::from_utf8_lossy(&text.stderr);
    assert!(
        err.contains("The tally:\n    tally  2000  (should be 2,000)\n"),
        "{err}"
    );
    let listed = json(&racelab(&["lessons", "--lessons", &dir, "--json"]));
    let tally = listed
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["id"] == "tally"))
        .expect("listed");
    assert_eq!(tally["step"]["challenges"][0]["id"], "lose-one");

    // Stepped, the same seed and schedule give the same run.
    let stepped = |seed: &str| {
        json(&racelab(&[
            "run",
            "tally",
            "--lessons",
            &dir,
            "--adds",
            "3",
            "--executor",
            "stepped",
            "--seed",
            seed,
            "--json",
        ]))
    };
    let (a, b) = (stepped("3"), stepped("3"));
    assert_eq!(a["executor"], "stepped");
    assert_eq!(a["steps"]["schedule"], b["steps"]["schedule"]);
    assert_eq!(a["final"], b["final"]);
}

#[test]
fn a_built_in_lesson_runs_as_its_program_and_answers_with_the_scenarios_shape() {
    let program = json(&racelab(&[
        "run",
        "bank",
        "--lesson",
        "--strategy",
        "global",
        "--threads",
        "2",
        "--transfers-per-thread",
        "200",
        "--accounts",
        "10,20,30",
        "--seed",
        "5",
        "--json",
    ]));
    let scenario = json(&racelab(&[
        "run",
        "bank",
        "--strategy",
        "global",
        "--threads",
        "2",
        "--transfers-per-thread",
        "200",
        "--accounts",
        "10,20,30",
        "--seed",
        "5",
        "--json",
    ]));
    assert_eq!(program["program"], "bank/global.py");
    for key in ["scenario", "strategy", "outcome"] {
        assert_eq!(program[key], scenario[key], "{key}");
    }
    let ids = |r: &Value| -> Vec<Value> {
        r["invariants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].clone())
            .collect()
    };
    assert_eq!(ids(&program), ids(&scenario));
    assert_eq!(program["final"]["total"], scenario["final"]["total"]);
    for key in ["accounts", "threads", "transfers_per_thread", "seed"] {
        assert_eq!(program["params"][key], scenario["params"][key], "{key}");
    }
}

#[test]
fn lessons_that_do_not_load_are_refused_naming_the_file() {
    let out = racelab(&["lessons", "--lessons", "/no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/no/such/folder: could not read the folder"),
        "{err}"
    );

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("broken-lessons/bank");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("lesson.json"), "{}").unwrap();
    let out = racelab(&[
        "lessons",
        "--lessons",
        dir.parent().unwrap().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bank/lesson.json: missing field"), "{err}");

    let out = racelab(&["run", "bank", "--lesson", "--strategy", "mutex"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("strategy: must be one of none, global"),
        "{err}"
    );
}

#[test]
fn exploring_a_lesson_prints_a_command_that_replays_the_deadlock_it_found() {
    // Step mode's bank: seed 1 sends the two tellers in opposite directions.
    let o = racelab(&[
        "explore",
        "bank",
        "--lesson",
        "--strategy",
        "fine-unordered",
        "--accounts",
        "100,100",
        "--threads",
        "2",
        "--transfers-per-thread",
        "1",
        "--max-amount",
        "50",
        "--seed",
        "1",
    ]);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(text.contains("every interleaving tried"), "{text}");
    let command = text
        .lines()
        .find_map(|l| {
            l.split_once("(Deadlock): racelab ")
                .map(|(_, c)| c.to_owned())
        })
        .unwrap_or_else(|| panic!("no deadlocking schedule printed: {text}"));
    // The command names the parameters searched, so it replays the same run.
    let args: Vec<&str> = command.split_whitespace().collect();
    assert!(args.contains(&"--accounts"), "{command}");
    let o = racelab(&args);
    let replayed = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(replayed.contains("outcome: DEADLOCK"), "{replayed}");
}
