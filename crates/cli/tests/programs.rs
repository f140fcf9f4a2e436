//! `racelab run prog.py`: a learner's program from the command line, as Python would run it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Writes `source` to a file of its own under the target directory and returns its path.
fn program_file(name: &str, source: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("programs");
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join(name);
    std::fs::write(&path, source).expect("the program is written");
    path
}

fn racelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_racelab"))
        .args(args)
        .output()
        .expect("racelab runs")
}

fn run_file(name: &str, source: &str, extra: &[&str]) -> Output {
    let path = program_file(name, source);
    let mut args = vec!["run", path.to_str().expect("a UTF-8 path")];
    args.extend_from_slice(extra);
    racelab(&args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", text(&o.stdout), text(&o.stderr)))
}

const BANK: &str = "\
class Account:
    def __init__(self, balance):
        self.balance = balance

accounts = [Account(100), Account(50)]
accounts[0].balance -= 30
accounts[1].balance += 30
total = sum(a.balance for a in accounts)
print(f\"total {total:,}\", end=\"\")
print(\"!\")
print(sorted([3, 1, 2]), {'a': 1})
";

#[test]
fn a_program_prints_what_python_prints_and_its_summary_goes_to_stderr() {
    let o = run_file("bank.py", BANK, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "total 150!\n[1, 2, 3] {'a': 1}\n");
    let err = text(&o.stderr);
    assert!(err.contains("bank.py · 1 thread"), "{err}");
    assert!(err.contains("outcome: OK"), "{err}");
}

#[test]
fn json_gives_the_report_with_one_output_entry_per_print() {
    let o = run_file("bank_json.py", BANK, &["--json", "--seed", "5"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(r["outcome"], "ok");
    assert_eq!(r["params"]["seed"], 5);
    assert!(r["program"].as_str().unwrap().ends_with("bank_json.py"));
    let output = r["output"].as_array().unwrap();
    assert_eq!(output.len(), 3);
    assert_eq!(output[0]["text"], "total 150");
    assert_eq!(output[0]["end"], "");
    assert_eq!(output[1]["text"], "!");
    assert!(
        output[1].get("end").is_none(),
        "a newline end is not repeated"
    );
    assert_eq!(output[2]["thread"], 0);
    assert_eq!(r["exceptions"], serde_json::json!([]));
}

#[test]
fn an_exception_that_escapes_gives_pythons_traceback_and_exit_status_1() {
    let source = "def share(total, people):\n    return total // people\n\nprint('before')\nprint(share(10, 0))\n";
    let o = run_file("divide.py", source, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout), "before\n");
    let err = text(&o.stderr);
    assert!(
        err.starts_with("Traceback (most recent call last):\n"),
        "{err}"
    );
    assert!(err.contains("line 5, in <module>"), "{err}");
    assert!(
        err.contains("line 2, in share\n    return total // people\n"),
        "{err}"
    );
    assert!(
        err.contains("ZeroDivisionError: integer division or modulo by zero"),
        "{err}"
    );

    let o = run_file("divide_json.py", source, &["--json"]);
    assert_eq!(o.status.code(), Some(1));
    let r = json(&o);
    assert_eq!(r["outcome"], "violated");
    let e = &r["exceptions"][0];
    assert_eq!(e["type"], "ZeroDivisionError");
    assert_eq!(e["message"], "integer division or modulo by zero");
    assert_eq!(e["line"], 2);
    assert_eq!(e["thread"], 0);
    assert!(e["traceback"].as_str().unwrap().contains("in share"));
}

#[test]
fn a_program_that_does_not_compile_is_refused_with_line_column_and_caret() {
    let source = "total = 0\ndef gen():\n    yield total\n";
    let o = run_file("gen.py", source, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = text(&o.stderr);
    assert!(err.contains("gen.py\", line 3"), "{err}");
    assert!(err.contains("    yield total\n    ^^^^^"), "{err}");
    assert!(err.contains("yield"), "{err}");

    let o = run_file("gen_json.py", source, &["--json"]);
    assert_eq!(o.status.code(), Some(2));
    let r = json(&o);
    assert_eq!(r["outcome"], "error");
    assert_eq!(r["error"]["line"], 3);
    assert_eq!(r["error"]["column"], 5);
    assert!(r["error"]["message"].as_str().unwrap().contains("yield"));
    assert_eq!(r["output"], serde_json::json!([]));
}

#[test]
fn failed_checks_are_the_programs_invariants() {
    let source = "from racelab import check\nfor i in range(5):\n    check(i < 3, 'small')\ncheck(True, 'fine')\nprint('done')\n";
    let o = run_file("checks.py", source, &["--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(r["outcome"], "violated");
    let inv = &r["invariants"][0];
    assert_eq!(inv["id"], "small");
    assert_eq!(inv["held"], false);
    assert_eq!(inv["violations"], 2);
    assert_eq!(inv["line"], 3);
    assert_eq!(r["invariants"].as_array().unwrap().len(), 1);
}

#[test]
fn a_loop_that_never_ends_stops_at_max_steps_with_a_clear_outcome() {
    let o = run_file(
        "forever.py",
        "n = 0\nwhile True:\n    n += 1\n",
        &["--max-steps", "100000", "--json"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(r["outcome"], "error");
    let message = r["error"]["message"].as_str().unwrap();
    assert!(message.contains("step budget of 100000"), "{message}");
}

#[test]
fn the_same_seed_gives_the_same_random_draws() {
    let source = "import random\nprint([random.randint(1, 100) for _ in range(8)])\n";
    let a = run_file("draws.py", source, &["--seed", "42"]);
    let b = run_file("draws.py", source, &["--seed", "42"]);
    let c = run_file("draws.py", source, &["--seed", "43"]);
    assert_eq!(text(&a.stdout), text(&b.stdout));
    assert_ne!(text(&a.stdout), text(&c.stdout));
}

#[test]
fn a_program_reads_from_stdin_with_a_dash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_racelab"))
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("racelab starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"print(7 // -2, -7 % 3, 0.1 + 0.2)\n")
        .expect("written");
    let o = child.wait_with_output().expect("racelab ends");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "-4 2 0.30000000000000004\n");
}

#[test]
fn a_traced_program_names_what_its_threads_touched_and_can_write_the_trace_to_a_file() {
    let src = "\
import threading
counter = 0
def work():
    global counter
    for _ in range(200):
        counter += 1
ts = [threading.Thread(target=work) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
";
    let o = run_file("traced.py", src, &["--trace", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let trace = &json(&o)["trace"];
    let objects = trace["objects"].as_array().expect("objects");
    let counter = objects
        .iter()
        .position(|o| o == "counter")
        .expect("counter") as u64;
    let writes = trace["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["op"] == "write" && e["obj"] == counter && e["line"] == 6)
        .count();
    assert_eq!(writes, 400, "every `counter += 1` writes at line 6");

    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("traced.json");
    let out = file.to_str().expect("a UTF-8 path");
    let o = run_file("traced.py", src, &["--trace-out", out, "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(json(&o)["trace"]["events"], serde_json::json!([]));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("written"))
        .expect("the trace is JSON");
    assert!(written["events"].as_array().is_some_and(|e| e.len() > 800));
}

#[test]
fn bad_program_options_name_the_flag_and_what_is_allowed() {
    for (args, field, allowed) in [
        (&["--seed", "-1"][..], "seed", "from 0"),
        (&["--max-steps", "0"][..], "max_steps", "from 1"),
        (&["--executor", "sideways"][..], "executor", "\"stepped\""),
        (&["--schedule", "0,1"][..], "schedule", "only a stepped run"),
        (
            &["--trace", "--trace-limit", "0"][..],
            "trace_limit",
            "from 1",
        ),
    ] {
        let o = run_file("ok.py", "print(1)\n", args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = text(&o.stderr);
        assert!(
            err.contains(&format!("racelab: {field}: ")),
            "{args:?}: {err}"
        );
        assert!(err.contains(allowed), "{args:?}: {err}");
    }
    let o = racelab(&["run", "no/such/file.py"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("could not read no/such/file.py"));
}

#[test]
fn output_appears_as_the_program_prints_it_not_when_it_ends() {
    use std::io::{BufRead, BufReader};
    let path = program_file(
        "slow.py",
        "import time\nprint('first')\ntime.sleep(3)\nprint('last')\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_racelab"))
        .args(["run", path.to_str().expect("a UTF-8 path")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("racelab starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("UTF-8");
    assert_eq!(first, "first");
    assert!(
        child.try_wait().expect("status").is_none(),
        "the first line came only when the program had ended"
    );
    assert_eq!(lines.next().expect("a line").expect("UTF-8"), "last");
    assert!(child.wait().expect("ends").success());
}

#[test]
fn failing_asserts_in_threads_are_invariants_with_their_line_and_count() {
    let source = "\
import threading
def worker(n):
    assert n % 2 == 0, f'odd {n}'
ts = [threading.Thread(target=worker, args=(i,)) for i in range(5)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print('main goes on')
";
    let o = run_file("asserts.py", source, &["--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let r = json(&o);
    assert_eq!(r["outcome"], "violated");
    let inv = &r["invariants"][0];
    assert_eq!(inv["id"], "assert n % 2 == 0, f'odd {n}'");
    assert_eq!(inv["text"], "assert n % 2 == 0, f'odd {n}'");
    assert_eq!(inv["violations"], 2);
    assert_eq!(inv["line"], 3);
    let exceptions = r["exceptions"].as_array().unwrap();
    assert_eq!(exceptions.len(), 2);
    assert!(exceptions
        .iter()
        .all(|e| e["type"] == "AssertionError" && e["thread"] != 0));
    assert_eq!(r["output"][0]["text"], "main goes on");
}

#[test]
fn the_final_state_holds_the_modules_simple_globals() {
    let source = "\
import threading
counter = 0
names = ['a', 'b']
totals = {'x': 1.5, 'y': None}
lock = threading.Lock()
class Account:
    pass
acc = Account()
def bump():
    global counter
    with lock:
        counter += 1
ts = [threading.Thread(target=bump) for _ in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
";
    let r = json(&run_file("final.py", source, &["--json"]));
    assert_eq!(
        r["final"],
        serde_json::json!({ "counter": 3, "names": ["a", "b"], "totals": { "x": 1.5, "y": null } })
    );
}
