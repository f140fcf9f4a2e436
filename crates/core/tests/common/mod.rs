//! Helpers shared by the lesson specs: run a config, and count outcomes over many runs.
#![allow(dead_code)] // each test binary uses its own subset

use racelab::{OsThreads, Report, RunConfig, RunControl};
use serde_json::Value;

/// Runs one config on OS threads.
pub fn run(config: Value) -> Report {
    let config = RunConfig::from_value(&config).expect("valid config");
    config.run(&OsThreads, &RunControl::new())
}

/// How many of 20 runs an unsafe claim must break, as in the browser suite's claims.js:
/// the largest threshold that `cargo xtask rates` found every claim's measured rate to
/// support with a false failure rarer than one in a thousand (200 of 200 runs backs 17;
/// the least, 199 of 200, backs 16).
pub const UNSAFE_AT_LEAST: usize = 16;

/// Runs `config` `n` times and counts the reports for which `pred` holds.
pub fn count(n: usize, config: Value, pred: impl Fn(&Report) -> bool) -> usize {
    (0..n)
        .map(|_| run(config.clone()))
        .filter(|r| pred(r))
        .count()
}

/// Runs `config`, asks it to stop after `after`, and returns its report and how long it
/// took to end once asked.
pub fn run_and_stop(config: &Value, after: std::time::Duration) -> (Report, std::time::Duration) {
    let config = RunConfig::from_value(config).expect("valid config");
    let control = RunControl::new();
    std::thread::scope(|s| {
        let running = s.spawn(|| config.run(&OsThreads, &control));
        std::thread::sleep(after);
        let asked = std::time::Instant::now();
        control.request_cancel();
        let report = running.join().expect("the run returns");
        (report, asked.elapsed())
    })
}

/// Whether the invariant `id` was seen broken.
pub fn violated(r: &Report, id: &str) -> bool {
    !r.invariant(id).expect("invariant exists").held
}

/// Whether the run finished with every invariant held.
pub fn all_held(r: &Report) -> bool {
    r.outcome == racelab::Outcome::Ok && r.invariants.iter().all(|i| i.held)
}
