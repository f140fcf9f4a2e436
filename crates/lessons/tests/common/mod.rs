//! What the lessons' claim tests share: run a lesson's config as its program, many times.
#![allow(dead_code)] // each test binary uses its own subset

use racelab::Report;
use racelab_lessons::{LessonRun, Lessons};
use serde_json::{json, Value};

/// As in core's lesson specs: the largest threshold the measured rates support with a
/// false failure rarer than one in a thousand.
pub const UNSAFE_AT_LEAST: usize = 16;

/// The config of a lesson's placement, run as its program.
pub fn lesson(id: &str, placement: &str) -> Value {
    json!({"scenario": id, "strategy": placement, "lesson": true})
}

/// Runs a lesson's config once, on OS threads.
pub fn run(config: &Value) -> Report {
    let lessons = Lessons::builtin().unwrap_or_else(|e| panic!("{e}"));
    let run = LessonRun::from_value(lessons, config).unwrap_or_else(|e| panic!("{e}"));
    run.finish(run.program.run(None))
}

/// Runs a lesson's config `n` times.
pub fn run_many(n: usize, config: Value) -> impl Iterator<Item = Report> {
    (0..n).map(move |_| run(&config))
}

/// Whether the invariant `id` was seen broken.
pub fn violated(r: &Report, id: &str) -> bool {
    !r.invariant(id)
        .expect("the lesson names this invariant")
        .held
}
