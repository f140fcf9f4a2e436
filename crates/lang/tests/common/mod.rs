//! What several test files share (each test binary uses part of it).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The `.py` files in `dir` (relative to this crate), sorted by name.
pub fn python_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    files.sort();
    files
}

/// A lesson program of `tests/programs`, by file name.
pub fn lesson(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "programs", name]
        .iter()
        .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The program with its top-level constant `name` set to `value` (a lesson's parameter).
pub fn with_constant(src: &str, name: &str, value: &str) -> String {
    let prefix = format!("{name} = ");
    assert!(
        src.lines().any(|l| l.starts_with(&prefix)),
        "no constant {name}"
    );
    src.lines()
        .map(|l| match l.starts_with(&prefix) {
            true => format!("{prefix}{value}"),
            false => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The threads lesson's programs (`tests/programs`), sized for stepped runs: a few hundred
/// steps each.
pub fn threads_lessons() -> Vec<(&'static str, String)> {
    vec![
        (
            "counter",
            lesson("counter.py").replace("INCREMENTS = 100_000", "INCREMENTS = 30"),
        ),
        (
            "bank",
            lesson("bank.py").replace("TRANSFERS = 2_000", "TRANSFERS = 5"),
        ),
        ("booking", lesson("booking.py")),
        ("reentry", lesson("reentry.py")),
        ("semaphore", lesson("semaphore.py")),
        ("event_barrier", lesson("event_barrier.py")),
        ("condition_agent", lesson("condition_agent.py")),
        (
            "producer_consumer",
            lesson("producer_consumer.py").replace("ITEMS = 200", "ITEMS = 10"),
        ),
        ("philosophers", lesson("philosophers.py")),
        ("increment", lesson("increment.py")),
    ]
}

/// The lessons' programs (www/lessons), each placement, at sizes a stepped run covers.
pub fn lesson_placements() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/lessons");
    let small = [
        ("TRANSFERS", "3"),
        ("TRANSFERS_PER_THREAD", "2"),
        ("THREADS", "3"),
        ("ATTEMPTS", "4"),
        ("SEATS", "2"),
        ("WORKERS", "4"),
        ("TRAVELLERS", "3"),
        ("CUSTOMERS", "3"),
    ];
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "py"))
            .collect();
        files.sort();
        for file in files {
            let mut src = std::fs::read_to_string(&file).unwrap();
            for (name, value) in small {
                if src.lines().any(|l| l.starts_with(&format!("{name} = "))) {
                    src = with_constant(&src, name, value);
                }
            }
            let name = format!(
                "{}/{}",
                dir.file_name().unwrap().to_string_lossy(),
                file.file_name().unwrap().to_string_lossy()
            );
            out.push((name, src));
        }
    }
    out
}

/// A stepped run of `program` (with `extra` config fields): with real threads taking turns,
/// or, `one_thread`, on this thread alone.
pub fn stepped(program: &str, extra: &serde_json::Value, one_thread: bool) -> racelab::Report {
    let mut config = serde_json::json!({ "program": program, "executor": "stepped" });
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    let config =
        racelab_lang::run::ProgramConfig::from_value(&config).unwrap_or_else(|e| panic!("{e}"));
    let compiled = config.compile().unwrap_or_else(|e| panic!("{}", e.message));
    let mut options = config.options();
    if one_thread {
        options.threads = None;
    } else {
        options.stepping = racelab_lang::vm::Stepping::RealThreads;
    }
    config.run_with(&compiled, options)
}
