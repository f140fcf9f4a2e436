//! A program as a run config, and its run as racelab's [`Report`]: what the CLI's
//! `racelab run prog.py` and the page's `pg.run({ program })` share.
//!
//! A program's config is JSON like `{ "program": "<source>", "seed": 7 }`; every field is
//! checked here, and a refusal names the field and what is allowed, as the scenarios' configs
//! do. A program that does not compile is not a refused config: its run reports
//! `outcome: "error"` with `error: { message, line, column }`, so a page can underline it.
//!
//! How a program's run maps onto the Report:
//! - `output`: one entry per `print`, its text without the `end` (an `end` other than a
//!   newline is kept as `end`); `exceptions`: an exception that escaped the program.
//! - `invariants`: one per `check(condition, name)` name that failed, and one per failing
//!   `assert` statement (named by its text, `assert total == 600`; it also raised
//!   `AssertionError` in its thread), each with its count and the line of its first
//!   failure. (Checks that held are not listed: a program's checks are known only once
//!   they run.)
//! - `final`: the module's simple globals at the end (numbers, strings, booleans, `None`,
//!   and small lists, tuples and dicts of them).
//! - `trace` (with `trace: true`, and `trace_limit`): what every thread did to shared data,
//!   by the program's names and lines, with its `replay` schedule (see [`crate::vm::trace`]).
//! - `outcome`: `ok` when every check held and no exception escaped; `violated` when a
//!   check failed or an exception escaped (a program that raises has a bug to show);
//!   `cancelled` when stopped; `error` when it did not compile or ran past `max_steps`.

use std::sync::Arc;

use racelab::exec::turns::TurnsEnd;
use racelab::limits::MAX_PROGRAM_THREADS;
use racelab::params::brief;
use racelab::{
    ConfigError, ErrorInfo, ExceptionInfo, Executor, InvariantReport, Outcome, Printed, Report,
    RunControl, StepPlan,
};
use serde_json::{Map, Value};

use crate::error::CompileError;
use crate::vm::threads::ControlRef;
use crate::vm::{CancelRef, OutputLine, Program, RunOptions, RunResult, Stepping};

/// Longest program accepted, in bytes of UTF-8.
pub const MAX_PROGRAM_BYTES: usize = 100_000;

/// Most instructions a run may be given with `max_steps`.
pub const MAX_STEPS: u64 = 1_000_000_000_000;

/// The fields a program's config may have, in the order refusals list them.
const FIELDS: &[&str] = &[
    "program",
    "filename",
    "seed",
    "executor",
    "schedule",
    "pause",
    "max_steps",
    "trace",
    "trace_limit",
];

/// A program to run, checked.
#[derive(Clone, Debug)]
pub struct ProgramConfig {
    /// The program's text.
    pub source: String,
    /// The name tracebacks and compile errors give it (`prog.py` unless given).
    pub filename: String,
    /// Seed of its `random` module.
    pub seed: u64,
    /// Instructions after which the run ends in `error` (`None`: no limit; Stop still works).
    pub max_steps: Option<u64>,
    /// Stepped (`executor: "stepped"`): the threads take turns at every shared operation,
    /// as this plan says (its schedule first, then seeded random choices).
    pub stepped: Option<StepPlan>,
    /// Stepped with `pause: "choice"`: after the schedule, go on while there is nothing to
    /// choose (one thread can move, or one's next step is quiet) and pause at the first
    /// real choice (how exploration walks a program's interleavings, and step mode's pace).
    pub pause_at_choice: bool,
    /// `trace: true`: record the run's first this many events (`trace_limit`) into the
    /// report's `trace`.
    pub trace: Option<u64>,
}

impl ProgramConfig {
    /// Whether a config (JSON object) is a program's rather than a scenario's.
    pub fn is_program(config: &Value) -> bool {
        config.get("program").is_some()
    }

    /// Parses and checks a program's config given as JSON text.
    pub fn from_json(text: &str) -> Result<ProgramConfig, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("config", format!("is not valid JSON: {e}")))?;
        ProgramConfig::from_value(&value)
    }

    /// Checks a program's config: `program` (its text) and optionally `filename`, `seed`,
    /// `executor` (`"parallel"` or `"stepped"`, with `schedule` and `pause`), `max_steps`,
    /// `trace` and `trace_limit`.
    pub fn from_value(config: &Value) -> Result<ProgramConfig, ConfigError> {
        let Some(obj) = config.as_object() else {
            return Err(ConfigError::new(
                "config",
                format!(
                    "must be an object like {{\"program\": \"print(1)\"}}, got {}",
                    brief(config)
                ),
            ));
        };
        if let Some(unknown) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(ConfigError::new(
                unknown.as_str(),
                format!(
                    "unknown field for a program; its fields are {}",
                    FIELDS.join(", ")
                ),
            ));
        }
        let source = match obj.get("program") {
            Some(Value::String(s)) if s.len() <= MAX_PROGRAM_BYTES => s.clone(),
            Some(Value::String(s)) => {
                return Err(ConfigError::new(
                    "program",
                    format!(
                        "must be at most {MAX_PROGRAM_BYTES} bytes long, got {} bytes",
                        s.len()
                    ),
                ))
            }
            other => {
                return Err(ConfigError::new(
                    "program",
                    format!(
                        "must be the program's text (a string), got {}",
                        other.map_or("nothing".to_string(), brief)
                    ),
                ))
            }
        };
        let filename = match obj.get("filename") {
            None | Some(Value::Null) => "prog.py".to_string(),
            Some(Value::String(s))
                if !s.is_empty() && s.chars().count() <= 1000 && !s.contains(['\n', '\r']) =>
            {
                s.clone()
            }
            Some(other) => {
                return Err(ConfigError::new(
                    "filename",
                    format!(
                        "must be a name of 1 to 1000 characters on one line, got {}",
                        brief(other)
                    ),
                ))
            }
        };
        let seed = racelab::config::seed_of(obj.get("seed"))?;
        let stepped = match obj.get("executor") {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) if s == "parallel" => false,
            Some(Value::String(s)) if s == "stepped" => true,
            Some(other) => {
                return Err(ConfigError::new(
                    "executor",
                    format!(
                        "must be \"parallel\" (real threads, all at once) or \"stepped\" \
                         (real threads taking turns at every shared operation), got {}",
                        brief(other)
                    ),
                ))
            }
        };
        // `pause: "choice"`: pause at the first real choice after the schedule, taking the
        // steps there is nothing to choose about (step mode's pace for a program).
        let at_choice = match obj.get("pause") {
            Some(Value::String(s)) if s == "choice" => true,
            Some(Value::String(_) | Value::Number(_) | Value::Array(_) | Value::Object(_)) => {
                return Err(ConfigError::new(
                    "pause",
                    format!(
                        "must be true (pause where the schedule ends), \"choice\" (go on \
                         while there is nothing to choose, then pause) or false, got {}",
                        brief(&obj["pause"])
                    ),
                ))
            }
            _ => false,
        };
        let stepped = if stepped {
            let mut plan_fields = obj.clone();
            if at_choice {
                plan_fields.insert("pause".into(), Value::Bool(true));
            }
            Some(racelab::config::step_plan_of(
                &plan_fields,
                MAX_PROGRAM_THREADS,
                seed,
            )?)
        } else {
            if let Some(key) = ["schedule", "pause"]
                .into_iter()
                .find(|k| obj.get(*k).is_some_and(|v| !v.is_null()))
            {
                return Err(ConfigError::new(
                    key,
                    "only a stepped run takes it; add \"executor\": \"stepped\"",
                ));
            }
            None
        };
        let max_steps = match obj.get("max_steps") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64() {
                Some(n) if (1..=MAX_STEPS).contains(&n) => Some(n),
                _ => {
                    return Err(ConfigError::new(
                        "max_steps",
                        format!(
                            "must be a whole number from 1 to {MAX_STEPS} (instructions), got {}",
                            brief(v)
                        ),
                    ))
                }
            },
        };
        let trace = racelab::config::parse_trace(obj)?;
        Ok(ProgramConfig {
            source,
            filename,
            seed,
            max_steps,
            stepped,
            pause_at_choice: at_choice,
            trace,
        })
    }

    /// Compiles the program.
    pub fn compile(&self) -> Result<Program, CompileError> {
        crate::compile(&self.source, &self.filename)
    }

    /// Compiles and runs the program on this thread; `cancel` is asked now and then whether
    /// to stop.
    pub fn run(&self, cancel: Option<CancelRef>) -> Report {
        match self.compile() {
            Ok(program) => self.run_compiled(&program, cancel),
            Err(e) => self.refused(&e),
        }
    }

    /// The report of a program that did not compile: `outcome: "error"`, the error's line
    /// and column, nothing run.
    pub fn refused(&self, e: &CompileError) -> Report {
        let mut report = self.report(0, 0.0, Outcome::Error);
        report.error = Some(ErrorInfo {
            message: e.message.clone(),
            line: Some(e.line),
            column: Some(e.column),
        });
        report
    }

    /// The VM's options for this config (the seed, the step budget); a face adds its hooks.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            seed: self.seed,
            max_steps: self.max_steps,
            trace: self.trace,
            ..RunOptions::default()
        }
    }

    /// Runs a program compiled from this config; `cancel` is asked now and then whether to
    /// stop.
    pub fn run_compiled(&self, program: &Program, cancel: Option<CancelRef>) -> Report {
        self.run_with(
            program,
            RunOptions {
                cancel,
                ..self.options()
            },
        )
    }

    /// Runs a program compiled from this config with `options` (from [`Self::options`],
    /// with hooks added).
    pub fn run_with(&self, program: &Program, mut options: RunOptions) -> Report {
        let Some(plan) = &self.stepped else {
            let started = web_time::Instant::now();
            let result = program.run(&options);
            let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
            return self.report_of(result, elapsed_ms);
        };
        let control = options
            .control
            .get_or_insert_with(|| ControlRef::Shared(Arc::new(RunControl::new())))
            .clone();
        // A traced run keeps real threads: on one thread, a Condition's wait and the
        // requests of threads that cannot move yet are not traced as real threads trace them.
        if options.threads.is_some()
            && options.stepping == Stepping::OneThreadFirst
            && options.trace.is_none()
        {
            // The prints are told once the run is known to stand: a run that needs real
            // threads is made again, and its prints would be told twice.
            let first = RunOptions {
                threads: None,
                on_print: None,
                ..options.clone()
            };
            let run = self.stepped_run(program, &first, plan, &control);
            // Stopped meanwhile: no second run.
            if !run.needs_threads || run.report.outcome == Outcome::Cancelled {
                if let Some(hook) = &options.on_print {
                    for p in run.report.output.iter().flatten() {
                        (hook.0)(&OutputLine {
                            thread: p.thread,
                            text: p.text.clone(),
                            end: p.end.clone().unwrap_or_else(|| "\n".into()),
                        });
                    }
                }
                return run.report;
            }
        }
        self.stepped_run(program, &options, plan, &control).report
    }

    /// One stepped run with `options`, whose control block is `control`.
    fn stepped_run(
        &self,
        program: &Program,
        options: &RunOptions,
        plan: &StepPlan,
        control: &ControlRef,
    ) -> Stepped {
        let one_thread = options.threads.is_none();
        control.begin_attempt();
        if one_thread {
            // No threads to be had (or none wanted): the program's threads take their
            // turns on this one.
            control.turns.begin_one_thread(plan, self.pause_at_choice);
        } else {
            control.turns.begin(plan, self.pause_at_choice);
        }
        let mut result = program.run(options);
        control.turns.end();
        let mut steps = control.turns.report();
        if let Some(view) = result.step_view.take() {
            name_steps(&mut steps, view);
        }
        let ended = control.turns.ended();
        let needs_threads =
            one_thread && (steps.narrowed || matches!(ended, Some(TurnsEnd::Refused(_))));
        let mut report = self.report_of(result, steps.count as f64 / 1e3);
        report.executor = Executor::Stepped;
        match ended {
            Some(TurnsEnd::Paused) => {
                report.outcome = Outcome::Paused;
                report.error = None;
            }
            Some(TurnsEnd::Refused(why)) => {
                report.outcome = Outcome::Error;
                report.error = Some(ErrorInfo::new(why));
            }
            Some(TurnsEnd::TooLong) => {
                report.outcome = Outcome::Error;
                report.error = Some(ErrorInfo::new(format!(
                    "the stepped run took more than {} steps",
                    racelab::limits::MAX_STEPS
                )));
            }
            Some(TurnsEnd::Deadlock | TurnsEnd::Stopped) | None => {}
        }
        report.steps = Some(steps);
        Stepped {
            report,
            needs_threads,
        }
    }

    fn report_of(&self, result: RunResult, elapsed_ms: f64) -> Report {
        let mut invariants: Vec<InvariantReport> = Vec::new();
        for failure in &result.checks {
            match invariants.iter_mut().find(|i| i.id == failure.name) {
                Some(i) => i.violations += 1,
                None => {
                    let text = if failure.assert {
                        failure.name.clone()
                    } else {
                        format!("check(..., {:?})", failure.name)
                    };
                    let mut i = InvariantReport::new(failure.name.clone(), text, 1);
                    i.line = Some(failure.line);
                    invariants.push(i);
                }
            }
        }
        for (name, n) in &result.more_checks {
            if let Some(i) = invariants.iter_mut().find(|i| i.id == *name) {
                i.violations += n;
            }
        }
        let exceptions: Vec<ExceptionInfo> = result
            .thread_exceptions
            .into_iter()
            .chain(result.exception)
            .map(|e| ExceptionInfo {
                thread: e.thread,
                type_name: e.type_name,
                message: e.message,
                line: e.line,
                traceback: e.traceback,
            })
            .collect();
        let outcome = if result.deadlock.is_some() {
            Outcome::Deadlock
        } else if result.cancelled {
            Outcome::Cancelled
        } else if result.stopped.is_some() {
            Outcome::Error
        } else if !invariants.is_empty() || !exceptions.is_empty() {
            Outcome::Violated
        } else {
            Outcome::Ok
        };
        let mut report = self.report(result.threads.max(1), elapsed_ms, outcome);
        if outcome == Outcome::Error {
            report.error = result.stopped.map(ErrorInfo::new);
        }
        report.deadlock = result.deadlock;
        report.final_state = Value::Object(result.globals);
        report.invariants = invariants;
        report.output = Some(
            result
                .output
                .into_iter()
                .map(|line| Printed {
                    thread: line.thread,
                    text: line.text,
                    end: (line.end != "\n").then_some(line.end),
                })
                .collect(),
        );
        report.exceptions = Some(exceptions);
        report.trace = result.trace;
        report
    }

    /// An empty report of this program.
    fn report(&self, threads: usize, elapsed_ms: f64, outcome: Outcome) -> Report {
        let mut params = Map::new();
        params.insert("seed".into(), Value::from(self.seed));
        if let Some(n) = self.max_steps {
            params.insert("max_steps".into(), Value::from(n));
        }
        Report {
            scenario: None,
            strategy: None,
            program: Some(self.filename.clone()),
            executor: Executor::Parallel,
            params: Value::Object(params),
            threads,
            elapsed_ms,
            outcome,
            invariants: Vec::new(),
            final_state: Value::Null,
            deadlock: None,
            error: None,
            trace: None,
            steps: None,
            output: Some(Vec::new()),
            exceptions: Some(Vec::new()),
            view: None,
        }
    }
}

/// A cancel hook from any function (the web build's control block, a test's flag).
pub fn cancel_hook(f: impl Fn() -> bool + Send + Sync + 'static) -> CancelRef {
    CancelRef(Arc::new(f))
}

/// Words a stepped program's steps as step mode shows them: each step's object by its path
/// from a global and the number it read or wrote, each waiting thread's next object, and
/// the shared data (see `vm::stepview`).
fn name_steps(steps: &mut racelab::exec::StepReport, view: crate::vm::stepview::StepView) {
    for (index, name, value) in view.steps {
        if let Some(entry) = steps.log.get_mut(index) {
            if name.is_some() {
                entry.obj = name;
            }
            if value.is_some() {
                entry.value = value;
            }
        }
    }
    for (thread, name) in view.next {
        if let Some(next) = steps.threads.get_mut(thread).and_then(|t| t.next.as_mut()) {
            if next.op == racelab::exec::StepKind::Read || next.op == racelab::exec::StepKind::Write
            {
                next.obj = Some(name);
            }
        }
    }
    steps.shared = view
        .shared
        .into_iter()
        .map(|(name, value)| racelab::exec::SharedRow { name, value })
        .collect();
}

/// A stepped run's outcome (see [`ProgramConfig::run_with`]).
struct Stepped {
    report: Report,
    /// It ran on one thread and a thread could not be offered its turn there (see
    /// [`Stepping`]): real threads would give another report.
    needs_threads: bool,
}
