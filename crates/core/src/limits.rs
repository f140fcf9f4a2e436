//! Every numeric limit racelab enforces, in one place.
//!
//! The config readers, the web pool size and the CLI all read these, so a limit changed here
//! changes everywhere (and in the error messages that name it).

/// Workers the web pool starts with: a program's threads beyond them get workers of their
/// own, made as the run needs them.
pub const MAX_THREADS: i64 = 16;

/// Most threads one program's run may have, its main thread included (`Thread.start()`
/// beyond it raises `RuntimeError` at its line). The wait-for graph has a slot for each.
pub const MAX_PROGRAM_THREADS: usize = 64;

/// Events a traced run keeps when the config does not say (the first ones of the run).
pub const DEFAULT_TRACE_LIMIT: i64 = 100_000;
/// Most events a traced run may keep: enough for a timeline, small enough that the report
/// (about 75 bytes of JSON an event) stays in the tens of megabytes.
pub const MAX_TRACE_LIMIT: i64 = 200_000;

/// Most steps one stepped run may take (the lesson's bank takes about 550,000).
pub const MAX_STEPS: u64 = 20_000_000;
/// Steps of a stepped run whose every detail its report lists (step mode's runs are short).
pub const STEP_LOG_LIMIT: usize = 10_000;
/// Longest schedule a config may give.
pub const MAX_SCHEDULE: i64 = 1_000_000;
/// Largest seed accepted: the largest integer a JavaScript number holds exactly.
pub const MAX_SEED: i64 = (1 << 53) - 1;
