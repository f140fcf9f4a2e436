//! `racelab`: run racelab's lessons and Python programs on OS threads from the command line.
//!
//! ```text
//! racelab list [--json] [--lessons DIR]
//! racelab lessons [--json] [--lessons DIR]
//! racelab run <lesson> [--strategy P] [--seed N] [--<param> V ...] [--trace [--trace-limit N]] [--trace-out FILE] [--json]
//! racelab run <lesson> --executor stepped [--schedule 0,0,1 [--pause]] ...
//! racelab run <file.py> [--seed N] [--max-steps N] [--json]
//! racelab explore <lesson> [--strategy P] [--seed N] [--<param> V ...] [--budget N] [--json]
//! racelab explore <file.py> [--seed N] [--budget N] [--json]
//! ```
//!
//! Parameter flags come from the lesson's manifest (the same table the page uses), so
//! `racelab run bank --threads 0` is refused with the same message as in the browser.
//! It is also the native baseline of `cargo xtask bench`.

mod render;

use std::process::ExitCode;

use lexopt::prelude::*;
use racelab::params::ParamKind;
use racelab_lang::run::ProgramConfig;
use racelab_lang::vm::{OutputLine, PrintRef};
use racelab_lessons::{LessonRun, Lessons};
use serde_json::{Map, Value as Json};

const USAGE: &str = "\
usage:
  racelab list [--json]                  lessons, their placements and parameters
  racelab lessons [--json]               lessons (programs and manifests), placements, parameters
  racelab run <lesson> [options]         run a placement's program on real threads, print the report
  racelab run <file.py> [options]        run a Python program (`-` reads it from stdin)
  racelab explore <lesson> [options]     search a small run's interleavings for a violation

run options:
  --strategy P      where the locks go: the placement (default: the lesson's first, unsafe, one)
  --seed N          seed of the program's random choices
  --<param> V       any parameter of the lesson (see `racelab list`); lists as 1,2,3
  --trace           record what every thread did (the report says what it explains)
  --trace-limit N   events to keep (default 100000, at most 200000)
  --trace-out FILE  record a trace and write it to FILE as JSON (not to the report)
  --json            print the report as JSON
  --executor stepped  one operation at a time on one thread, in a seeded order
  --schedule 0,1,1  (stepped) the threads to step first, in order
  --pause           (stepped) stop where the schedule ends
  --lesson          accepted for links made before every lesson ran as its program
  --lessons DIR     more lessons, from a folder laid out as www/lessons (also for `lessons`)

program options (racelab run <file.py>):
  --seed N          seed of the program's `random` module (and, stepped, of its turns)
  --max-steps N     end a thread after N instructions
  --executor stepped  its threads take turns at every shared operation, in a seeded order
  --schedule 0,1,1  (stepped) the threads to move first, in order (0 is the main thread)
  --pause           (stepped) stop where the schedule ends
  --trace, --trace-limit N, --trace-out FILE  as for a lesson: what every thread did to
                    shared data, by the program's names and lines (`trace.replay` replays it)
  --json            print the report (output, exceptions, checks) as JSON
  A program's output goes to stdout as Python would print it, then its traceback and the
  report's summary to stderr. Exit status: 0, 1 when an exception escaped (in any
  thread), 2 when the program does not compile or the command line is refused, 3 when
  its threads deadlocked (where Python would hang).

explore options: --strategy, --seed, --<param> as for run, and
  --budget N        runs to try (default 20000)
  racelab explore <file.py> [--seed N] [--budget N] tries every way a program's threads
  can take turns, and prints a shortest schedule that breaks it
";

/// A failure to report: exit code 2 for a refused command line or config.
struct Refused(String);

/// `print!` to stdout, except that a closed pipe (`racelab list | head`) ends the process
/// quietly, as other command-line tools do, instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => { write_out(format_args!($($arg)*)) };
}

/// `println!` to stdout, as [`out!`].
macro_rules! outln {
    ($($arg:tt)*) => { write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

fn write_out(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("racelab: could not write the output: {e}");
        std::process::exit(1);
    }
}

fn main() -> ExitCode {
    match cli() {
        Ok(code) => code,
        Err(Refused(message)) => {
            eprintln!("racelab: {message}");
            ExitCode::from(2)
        }
    }
}

fn cli() -> Result<ExitCode, Refused> {
    let mut parser = lexopt::Parser::from_env();
    let command = match parser.next().map_err(refused)? {
        Some(Value(cmd)) => cmd.string().map_err(refused)?,
        Some(Long("help") | Short('h')) | None => {
            out!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        Some(other) => return Err(Refused(format!("{}\n\n{USAGE}", other.unexpected()))),
    };
    let done = |r: Result<(), Refused>| r.map(|()| ExitCode::SUCCESS);
    match command.as_str() {
        "list" => done(list(parser)),
        "lessons" => done(lessons(parser)),
        "run" => run(parser),
        "explore" => done(explore(parser)),
        "help" => {
            out!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(Refused(format!("unknown command `{other}`\n\n{USAGE}"))),
    }
}

fn refused(e: lexopt::Error) -> Refused {
    Refused(e.to_string())
}

fn list(mut parser: lexopt::Parser) -> Result<(), Refused> {
    let mut json = false;
    let mut dir = None;
    while let Some(arg) = parser.next().map_err(refused)? {
        match arg {
            Long("json") => json = true,
            Long("lessons") => dir = Some(parser.value().map_err(refused)?),
            other => return Err(Refused(other.unexpected().to_string())),
        }
    }
    let lessons = load_lessons(dir.as_deref().map(std::path::Path::new))?;
    if json {
        outln!("{}", racelab_lessons::catalog_json(&lessons));
    } else {
        out!("{}", render::catalog(&lessons));
    }
    Ok(())
}

fn lessons(mut parser: lexopt::Parser) -> Result<(), Refused> {
    let mut json = false;
    let mut dir = None;
    while let Some(arg) = parser.next().map_err(refused)? {
        match arg {
            Long("json") => json = true,
            Long("lessons") => dir = Some(parser.value().map_err(refused)?),
            other => return Err(Refused(other.unexpected().to_string())),
        }
    }
    let lessons = load_lessons(dir.as_deref().map(std::path::Path::new))?;
    if json {
        outln!("{}", lessons.to_json());
    } else {
        out!("{}", render::lessons(&lessons));
    }
    Ok(())
}

/// The built-in lessons, and those of `dir` if given.
fn load_lessons(dir: Option<&std::path::Path>) -> Result<Lessons, Refused> {
    let builtin = Lessons::builtin().map_err(|e| Refused(format!("built-in lessons: {e}")))?;
    match dir {
        None => Ok(builtin.clone()),
        Some(dir) => {
            let more = Lessons::from_dir(dir).map_err(|e| Refused(format!("lessons: {e}")))?;
            builtin
                .with(more)
                .map_err(|e| Refused(format!("lessons: {e}")))
        }
    }
}

/// What the command line of `run` or `explore` asked for.
struct Asked {
    config: Map<String, Json>,
    json: bool,
    trace_out: Option<std::path::PathBuf>,
    lessons: Lessons,
}

fn parse(parser: &mut lexopt::Parser, command: &str) -> Result<Asked, Refused> {
    let mut config = Map::new();
    let mut json = false;
    let mut trace_out = None;
    let mut dir = None;
    // Flags in order, their values typed once every flag is known (the lesson and the
    // lessons' folder may come after a parameter).
    let mut flags: Vec<(String, String)> = Vec::new();
    while let Some(arg) = parser.next().map_err(refused)? {
        match arg {
            Long("json") => json = true,
            Long("lesson") => {
                config.insert("lesson".into(), Json::Bool(true));
            }
            Long("lessons") => {
                dir = Some(std::path::PathBuf::from(parser.value().map_err(refused)?))
            }
            Long("pause") => {
                config.insert("pause".into(), Json::Bool(true));
            }
            Long("trace") => {
                config.insert("trace".into(), Json::Bool(true));
            }
            Long("trace-out") => {
                trace_out = Some(std::path::PathBuf::from(parser.value().map_err(refused)?));
                config.insert("trace".into(), Json::Bool(true));
            }
            Value(v) if !config.contains_key("scenario") => {
                config.insert(
                    "scenario".into(),
                    Json::String(v.string().map_err(refused)?),
                );
            }
            Long(flag) => {
                let name = flag.replace('-', "_");
                let text = parser.value().map_err(refused)?.string().map_err(refused)?;
                flags.push((name, text));
            }
            other => return Err(Refused(other.unexpected().to_string())),
        }
    }
    // A file of one's own needs no lesson: loading them compiles every lesson's programs.
    let own_program = config
        .get("scenario")
        .and_then(Json::as_str)
        .is_some_and(is_program_path);
    let lessons = if own_program && dir.is_none() {
        Lessons::default()
    } else {
        load_lessons(dir.as_deref())?
    };
    for (name, text) in flags {
        let value = typed_value(config.get("scenario"), &lessons, &name, &text);
        config.insert(name, value);
    }
    if !config.contains_key("scenario") {
        let ids: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
        return Err(Refused(format!(
            "{command}: which lesson? one of {} (or a Python file: prog.py)",
            ids.join(", ")
        )));
    }
    Ok(Asked {
        config,
        json,
        trace_out,
        lessons,
    })
}

fn explore(mut parser: lexopt::Parser) -> Result<(), Refused> {
    let Asked {
        mut config,
        json,
        lessons,
        ..
    } = parse(&mut parser, "explore")?;
    if let Some(path) = config
        .get("scenario")
        .and_then(Json::as_str)
        .filter(|s| is_program_path(s))
    {
        let path = path.to_string();
        config.remove("scenario");
        let (source, filename) = read_program(&path)?;
        return explore_program(&path, source, filename, config, json);
    }
    // The search's own field goes to the search; the rest says which lesson's program.
    let budget = config.remove("budget");
    let given_params: Vec<String> = config.keys().cloned().collect();
    let run = LessonRun::from_value(&lessons, &Json::Object(config))
        .map_err(|e| Refused(e.to_string()))?;
    let mut search = Map::new();
    search.insert("seed".into(), Json::from(run.program.seed));
    if let Some(budget) = budget {
        search.insert("budget".into(), budget);
    }
    // The replay command repeats the parameters given, so that it runs what was searched.
    let values = match serde_json::to_value(&run.values) {
        Ok(Json::Object(values)) => values,
        _ => Map::new(),
    };
    let given: String = values
        .iter()
        .filter(|(name, _)| config_had(&given_params, name))
        .map(|(name, value)| format!(" --{} {}", name.replace('_', "-"), flag_text(value)))
        .collect();
    let path = format!("{} --strategy {}{given}", run.lesson.id, run.placement.id);
    explore_program(
        &path,
        run.program.source.clone(),
        run.program.filename.clone(),
        search,
        json,
    )
}

fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Refused> {
    let Asked {
        mut config,
        json,
        trace_out,
        lessons,
    } = parse(&mut parser, "run")?;
    if let Some(path) = config
        .get("scenario")
        .and_then(Json::as_str)
        .filter(|s| is_program_path(s))
    {
        let path = path.to_string();
        config.remove("scenario");
        let (source, filename) = read_program(&path)?;
        config.insert("program".into(), Json::String(source));
        config.insert("filename".into(), Json::String(filename));
        let program =
            ProgramConfig::from_value(&Json::Object(config)).map_err(|e| Refused(e.to_string()))?;
        return run_program(
            &program,
            json,
            trace_out.as_deref(),
            |r| r,
            Verdict::Program,
        );
    }
    // `parse` made sure a lesson (or a file, above) was named.
    let run = LessonRun::from_value(&lessons, &Json::Object(config))
        .map_err(|e| Refused(e.to_string()))?;
    let fix = run.placement.fix.as_ref();
    run_program(
        &run.program,
        json,
        trace_out.as_deref(),
        |r| run.finish(r),
        Verdict::Lesson(fix.map(|f| (f.text.as_str(), f.placement.as_str()))),
    )
}

/// With `--trace-out FILE`: writes the run's trace to FILE as JSON, and keeps in the report
/// only what its events explain.
fn write_trace(
    report: &mut racelab::Report,
    path: Option<&std::path::Path>,
) -> Result<(), Refused> {
    if let (Some(path), Some(trace)) = (path, report.trace.as_mut()) {
        let text = serde_json::to_string(trace).expect("a trace always serializes");
        std::fs::write(path, text).map_err(|e| {
            Refused(format!(
                "trace-out: could not write {}: {e}",
                path.display()
            ))
        })?;
        trace.events = Vec::new();
    }
    Ok(())
}

/// Whether `run`'s argument names a Python program rather than a scenario.
fn is_program_path(arg: &str) -> bool {
    arg == "-" || arg.ends_with(".py")
}

/// A program's text and the name it goes by: from the file, or stdin for `-`.
fn read_program(path: &str) -> Result<(String, String), Refused> {
    use std::io::Read;
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Refused(format!("could not read the program from stdin: {e}")))?;
        Ok((text, "<stdin>".to_string()))
    } else {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Refused(format!("could not read {path}: {e}")))?;
        Ok((text, path.to_string()))
    }
}

/// Whether `name` was among the fields given.
fn config_had(given: &[String], name: &str) -> bool {
    given.iter().any(|g| g == name)
}

/// A parameter's value as its flag takes it: lists comma-separated.
fn flag_text(value: &Json) -> String {
    match value {
        Json::Array(items) => items.iter().map(flag_text).collect::<Vec<_>>().join(","),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `racelab explore prog.py`: every way the program's threads can take turns, and a
/// shortest schedule that breaks it, if one does.
fn explore_program(
    path: &str,
    source: String,
    filename: String,
    mut config: Map<String, Json>,
    json: bool,
) -> Result<(), Refused> {
    config.insert("program".into(), Json::String(source));
    config.insert("filename".into(), Json::String(filename));
    let search = racelab_lang::explore::ProgramSearch::from_value(&Json::Object(config))
        .map_err(|e| Refused(e.to_string()))?;
    if let Err(e) = search.program.compile() {
        return Err(Refused(
            e.render(&search.program.source, &search.program.filename),
        ));
    }
    let found = search.explore(&racelab_lang::vm::RunOptions::default());
    if json {
        outln!("{}", found.to_json());
        return Ok(());
    }
    outln!(
        "{}: {} runs, {} whole schedules, {} violating{} ({:.1} ms)",
        found.program,
        found.runs,
        found.schedules,
        found.violating,
        if found.exhausted {
            ", every interleaving tried"
        } else if found.narrowed {
            ", not every interleaving could be offered on one thread"
        } else {
            ", stopped at the budget"
        },
        found.elapsed_ms
    );
    match &found.example {
        Some(e) => {
            let schedule: Vec<String> = e.schedule.iter().map(u8::to_string).collect();
            outln!(
                "shortest violating schedule ({:?}): racelab run {path} --executor stepped --seed {} --schedule {}",
                e.outcome,
                found.seed,
                schedule.join(",")
            );
        }
        None if found.exhausted => outln!("no interleaving breaks it"),
        None => outln!("no violation in the schedules tried"),
    }
    Ok(())
}

/// What a run's exit status says.
#[derive(Clone, Copy, PartialEq)]
enum Verdict<'a> {
    /// A program of one's own: a deadlock (where Python would hang) is a failure, 3.
    Program,
    /// A lesson's placement: a deadlock is one of the outcomes it teaches, as a broken
    /// invariant is, and exits 0. With the placement's fix, if it has one: (what it
    /// changes, the placement that makes it).
    Lesson(Option<(&'a str, &'a str)>),
}

/// `racelab run prog.py` (or a lesson): the program's output on stdout as Python prints it;
/// then its traceback and the report's summary on stderr (or the whole report as JSON on
/// stdout). `finish` makes the program's report the lesson's.
fn run_program(
    program: &ProgramConfig,
    json: bool,
    trace_out: Option<&std::path::Path>,
    finish: impl FnOnce(racelab::Report) -> racelab::Report,
    verdict: Verdict<'_>,
) -> Result<ExitCode, Refused> {
    use std::io::Write;
    let report = match program.compile() {
        // Text mode writes the output as the program prints it (a long run shows its
        // progress); the report keeps it for --json.
        Ok(compiled) if !json => {
            let mut options = program.options();
            options.on_print = Some(PrintRef(std::sync::Arc::new(|line: &OutputLine| {
                let mut out = std::io::stdout().lock();
                let _ = write!(out, "{}{}", line.text, line.end);
                if line.end != "\n" {
                    let _ = out.flush();
                }
            })));
            program.run_with(&compiled, options)
        }
        Ok(compiled) => program.run_compiled(&compiled, None),
        Err(e) if json => {
            outln!("{}", program.refused(&e).to_json());
            return Ok(ExitCode::from(2));
        }
        Err(e) => {
            eprintln!("{}", e.render(&program.source, &program.filename));
            return Ok(ExitCode::from(2));
        }
    };
    let mut report = finish(report);
    write_trace(&mut report, trace_out)?;
    let escaped = report.exceptions.as_ref().is_some_and(|e| !e.is_empty());
    if json {
        outln!("{}", report.to_json());
    } else {
        let _ = std::io::stdout().flush();
        for e in report.exceptions.iter().flatten() {
            eprint!("{}", e.traceback);
        }
        let fix = match verdict {
            Verdict::Lesson(fix) => fix,
            Verdict::Program => None,
        };
        eprint!("{}", render::report(&report, &program.source, fix));
    }
    Ok(
        if report.outcome == racelab::Outcome::Deadlock && verdict == Verdict::Program {
            ExitCode::from(3)
        } else if escaped {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

/// The flag's text as the JSON a config holds: numbers and lists where the lesson's
/// parameter table says so and the text parses, the text itself otherwise (the lesson's
/// config then names the parameter and its range in its refusal).
fn typed_value(scenario: Option<&Json>, lessons: &Lessons, name: &str, text: &str) -> Json {
    let id = scenario.and_then(Json::as_str).unwrap_or_default();
    let kind = lessons
        .get(id)
        .and_then(|l| l.params.iter().find(|p| p.name == name))
        .map(|p| p.kind.clone());
    let number = |t: &str| {
        t.trim()
            .parse::<i64>()
            .map(Json::from)
            .unwrap_or_else(|_| Json::String(t.to_string()))
    };
    match kind {
        Some(ParamKind::IntList { .. }) => Json::Array(text.split(',').map(number).collect()),
        _ if name == "schedule" => Json::Array(text.split(',').map(number).collect()),
        _ if name == "strategy" || name == "executor" => Json::String(text.to_string()),
        _ => number(text),
    }
}
