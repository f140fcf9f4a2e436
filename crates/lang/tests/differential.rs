//! Differential test: every program in `tests/corpus/*.py` runs under racelab's VM and
//! under CPython (`python3`, or the interpreter named by `PYTHON`), and their standard
//! output must be byte-for-byte equal. When CPython ends a program with an uncaught
//! exception, the last line of standard error (`Type: message`) must be equal too.
//!
//! CPython runs once for the whole corpus: a small runner script executes each file with
//! its output captured and writes the results back. A missing `python3` fails the test.
//! `from racelab import check` finds the site's own `www/racelab.py`, the file a learner
//! downloads to run a racelab program under CPython.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use racelab_lang::compiler::compile;
use racelab_lang::vm::RunOptions;

const RUNNER: &str = r#"
import sys, io, os, traceback, contextlib, types
sys.path.insert(0, os.environ["RACELAB_PY_DIR"])
import racelab
out = sys.stdout.buffer
paths = sys.argv[1:]
for path in paths:
    so, se = io.StringIO(), io.StringIO()
    src = open(path, encoding="utf-8").read()
    g = {"__name__": "__main__", "__builtins__": __builtins__}
    # Each program names its threads from Thread-1, as a fresh interpreter would.
    import threading, itertools
    threading._counter = itertools.count(1).__next__
    with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se):
        try:
            exec(compile(src, "prog.py", "exec"), g)
        except BaseException as e:
            sys.__excepthook__(type(e), e, e.__traceback__)
    import random
    random.seed()
    b_out = so.getvalue().encode("utf-8", "surrogatepass")
    b_err = se.getvalue().encode("utf-8", "surrogatepass")
    out.write(("%s\n%d %d\n" % (path, len(b_out), len(b_err))).encode())
    out.write(b_out)
    out.write(b_err)
out.flush()
"#;

struct PyResult {
    stdout: String,
    stderr: String,
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn run_cpython(files: &[PathBuf]) -> Vec<PyResult> {
    let mut child = Command::new(python())
        .arg("-c")
        .arg(RUNNER)
        .env(
            "RACELAB_PY_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../www"),
        )
        .args(files)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "the differential test needs CPython 3.11 as `python3` (or set PYTHON): could not start `{}`: {e}",
                python()
            )
        });
    let _ = child.stdin.take().map(|mut s| s.flush());
    let output = child.wait_with_output().expect("python3 ran");
    assert!(
        output.status.success(),
        "the CPython runner failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let data = output.stdout;
    let mut results = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let nl = data[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .expect("header")
            + pos;
        pos = nl + 1;
        let nl2 = data[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .expect("lengths")
            + pos;
        let lens = String::from_utf8_lossy(&data[pos..nl2]).to_string();
        pos = nl2 + 1;
        let mut it = lens.split(' ').map(|x| x.parse::<usize>().expect("length"));
        let (lo, le) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
        let stdout = String::from_utf8_lossy(&data[pos..pos + lo]).to_string();
        pos += lo;
        let stderr = String::from_utf8_lossy(&data[pos..pos + le]).to_string();
        pos += le;
        results.push(PyResult { stdout, stderr });
    }
    results
}

/// What a standard error says escaped: each "Exception in thread NAME:" line and each
/// traceback's exception line (a chained exception has several), in order. Warnings and
/// the frames are left out (CPython's threads show `threading.py`'s own frames, and 3.11
/// adds position markers).
fn summary_lines(stderr: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut in_traceback = false;
    for line in stderr.lines() {
        if line == "Traceback (most recent call last):" {
            in_traceback = true;
        } else if line.starts_with("Exception in thread ") {
            out.push(line);
        } else if in_traceback && !line.starts_with(' ') {
            out.push(line);
            in_traceback = false;
        }
    }
    out
}

fn last_line(s: &str) -> &str {
    s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("")
}

fn first_difference(a: &str, b: &str) -> String {
    let al: Vec<&str> = a.lines().collect();
    let bl: Vec<&str> = b.lines().collect();
    for i in 0..al.len().max(bl.len()) {
        let x = al.get(i).copied().unwrap_or("<missing>");
        let y = bl.get(i).copied().unwrap_or("<missing>");
        if x != y {
            return format!("line {}:\n    racelab: {x:?}\n    cpython: {y:?}", i + 1);
        }
    }
    "(only trailing newlines differ)".to_string()
}

fn corpus() -> Vec<PathBuf> {
    let mut files = common::python_files("tests/corpus");
    if let Ok(only) = std::env::var("CORPUS_ONLY") {
        files.retain(|p| p.to_string_lossy().contains(&only));
    }
    files
}

#[test]
fn corpus_matches_cpython() {
    let files = corpus();
    assert!(!files.is_empty(), "no corpus programs found");
    let py = run_cpython(&files);
    assert_eq!(
        py.len(),
        files.len(),
        "CPython runner returned a result per program"
    );
    let mut failures = Vec::new();
    for (path, expected) in files.iter().zip(py.iter()) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let src = std::fs::read_to_string(path).expect("readable");
        let program = match compile(&src, "prog.py") {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!(
                    "{name}: racelab refused it:\n{}",
                    e.render(&src, "prog.py")
                ));
                continue;
            }
        };
        let result = program.run(&RunOptions {
            max_steps: Some(500_000_000),
            real_sleep: false,
            ..RunOptions::default()
        });
        if let Some(why) = &result.stopped {
            failures.push(format!("{name}: stopped: {why}"));
            continue;
        }
        let stdout = result.stdout();
        if stdout != expected.stdout {
            let ours = match &result.exception {
                Some(e) => format!("\n    (racelab raised: {})", last_line(&e.traceback)),
                None => String::new(),
            };
            failures.push(format!(
                "{name}: stdout differs at {}{ours}",
                first_difference(&stdout, &expected.stdout)
            ));
            continue;
        }
        // Standard error: which threads' exceptions escaped, and the exception lines
        // (a chained exception has several), in order; the frames may differ (CPython's
        // threads show `threading.py`'s own, and 3.11 adds position markers).
        let stderr = result.stderr();
        let ours = summary_lines(&stderr);
        let theirs = summary_lines(&expected.stderr);
        if ours != theirs {
            failures.push(format!(
                "{name}: exceptions differ:\n    racelab: {ours:?}\n    cpython: {theirs:?}"
            ));
        }
    }
    println!(
        "compared {} programs with CPython, {} differ",
        files.len(),
        failures.len()
    );
    if !failures.is_empty() {
        panic!(
            "{} of {} programs differ from CPython:\n\n{}",
            failures.len(),
            files.len(),
            failures.join("\n\n")
        );
    }
}
