//! racelab's lessons as data.
//!
//! A demo is a folder `www/lessons/<id>/`: one Python program per lock placement
//! (`none.py`, `global.py`, ...) and a manifest, `lesson.json`, that says what the demo
//! teaches: its title, summary, guarantee and what to watch, its parameters (each a
//! top-level constant of the programs: `threads` is `THREADS = 5`), which `check` names are
//! its invariants, and each placement's title, safety and fix. Nothing else knows a demo:
//! the CLI and the wasm module embed the folder at build time (see `build.rs`), the site
//! serves it as files, and a run of a lesson is a run of its placement's program with the
//! parameters written into its constants.
//!
//! Loading checks everything a lesson's author could get wrong, naming the file and what to
//! fix: every placement's program compiles; every parameter is a constant of every program,
//! of the right type, within its range and with the same default everywhere; the fix names
//! a safe placement; no program in the folder is left out of the manifest.
//!
//! Invariant: this crate knows the manifest's shape and how a lesson maps onto a program's
//! run; it never knows a demo by name, and nothing about the web.

mod catalog;
mod listing;
mod manifest;
mod run;
mod view;

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use racelab::params::{ParamKind, ParamSpec};
use racelab_lang::constants::{constants, Literal};
use serde::Serialize;

pub use catalog::{catalog, catalog_json};
pub use listing::Marks;
pub use manifest::{Challenge, InvalidWords, Step, Won, WonOutcome};
pub use run::LessonRun;

/// A lesson that could not be loaded: the file at fault and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonError {
    /// The file, relative to the lessons' folder (`bank/lesson.json`, `bank/none.py`).
    pub file: String,
    /// What is wrong, in a sentence that says what to change.
    pub message: String,
}

impl LessonError {
    fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl std::error::Error for LessonError {}

/// One invariant of a lesson: a `check(condition, name)` its programs make.
#[derive(Debug, Clone, Serialize)]
pub struct Invariant {
    /// Its id in reports (`total-conserved`).
    pub id: String,
    /// The name its programs' `check` calls give it.
    pub check: String,
    /// What it promises, as the page shows it.
    pub text: String,
}

/// How to mend an unsafe placement.
#[derive(Debug, Clone, Serialize)]
pub struct Fix {
    /// The safe placement that does it right.
    pub placement: String,
    /// What it changes, in a sentence or two.
    pub text: String,
}

/// One lock placement of a lesson: a whole program.
#[derive(Debug, Clone, Serialize)]
pub struct Placement {
    /// Its id in configs and links (`global`); its program is `<id>.py`.
    pub id: String,
    /// Short title for the toggle.
    pub title: String,
    /// Whether it keeps every invariant.
    pub safe: bool,
    /// What it does and what to watch for.
    pub summary: String,
    /// For an unsafe placement: the safe one that fixes it, and how.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// What to say after a run of it (the page adds the final states seen with it this
    /// session): a lesson that no one run shows, such as the two orders a lock allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The program's file name relative to the lessons' folder (`bank/global.py`).
    pub file: String,
    /// The program, as written.
    pub program: String,
    /// What its listing highlights: the lines that place its locks, and the invalid
    /// stretch (see [`listing`]).
    #[serde(flatten)]
    pub marks: Marks,
}

/// A lesson: what it teaches, its parameters and its placements.
#[derive(Debug, Clone, Serialize)]
pub struct Lesson {
    /// Its id: the folder's name (`bank`).
    pub id: String,
    /// Where it comes in the gallery (smaller first).
    pub order: i64,
    /// Title.
    pub title: String,
    /// What happens in it.
    pub summary: String,
    /// What the safe placement's primitive guarantees.
    pub guarantee: String,
    /// What to watch for when switching placements.
    pub watch: String,
    /// The lesson of the course it comes from.
    pub lesson: String,
    /// Its parameters, with ranges, and defaults read from the programs.
    pub params: Vec<ParamSpec>,
    /// Its invariants.
    pub invariants: Vec<Invariant>,
    /// Its placements, in the order the page offers them.
    pub placements: Vec<Placement>,
    /// Step mode's small setup and challenges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<Step>,
    /// How the timeline speaks of the invalid stretch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalid: Option<InvalidWords>,
    /// How a run's final state is drawn (into the report's `view`; see [`view`]).
    #[serde(skip)]
    pub(crate) final_view: Option<view::FinalSpec>,
}

impl Lesson {
    /// The placement with this id.
    pub fn placement(&self, id: &str) -> Option<&Placement> {
        self.placements.iter().find(|p| p.id == id)
    }

    /// The step-mode challenge offered for `placement` (the first that lists it or lists
    /// none), with its index.
    pub fn challenge_for(&self, placement: &str) -> Option<(usize, &Challenge)> {
        self.step
            .as_ref()?
            .challenges
            .iter()
            .enumerate()
            .find(|(_, c)| {
                c.placements
                    .as_ref()
                    .is_none_or(|ps| ps.iter().any(|p| p == placement))
            })
    }
}

/// The constant that holds a parameter: its name in capitals (`max_amount` is
/// `MAX_AMOUNT`).
pub fn constant_of(param: &str) -> String {
    param.to_ascii_uppercase()
}

/// A set of lessons, in gallery order.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct Lessons(Vec<Lesson>);

/// The files of the lessons built into this binary: `(lesson, file name, text)`.
const BUILT_IN: &[(&str, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

impl Lessons {
    /// The lessons built in (those of `www/lessons` when this binary was built). They are
    /// checked by this crate's tests, so an error here means a build from broken files.
    pub fn builtin() -> Result<&'static Lessons, LessonError> {
        static BUILTIN: OnceLock<Result<Lessons, LessonError>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| Lessons::from_files(BUILT_IN.iter().copied()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The lessons in a folder laid out as `www/lessons` is (`<dir>/<id>/lesson.json`).
    pub fn from_dir(dir: &Path) -> Result<Lessons, LessonError> {
        let shown = dir.display().to_string();
        let mut files: Vec<(String, String, String)> = Vec::new();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| LessonError::new(&shown, format!("could not read the folder: {e}")))?;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            let id = entry.file_name().to_string_lossy().into_owned();
            let inner = std::fs::read_dir(&path).map_err(|e| {
                LessonError::new(format!("{shown}/{id}"), format!("could not read: {e}"))
            })?;
            for file in inner.filter_map(Result::ok) {
                if !file.path().is_file() {
                    continue;
                }
                let name = file.file_name().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(file.path()).map_err(|e| {
                    LessonError::new(format!("{id}/{name}"), format!("could not read: {e}"))
                })?;
                files.push((id.clone(), name, text));
            }
        }
        Lessons::from_files(
            files
                .iter()
                .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())),
        )
    }

    /// Lessons from their files, given as `(lesson id, file name, text)`.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Result<Lessons, LessonError> {
        let mut by_id: Vec<(&str, Vec<(&str, &str)>)> = Vec::new();
        for (id, name, text) in files {
            match by_id.iter_mut().find(|(i, _)| *i == id) {
                Some((_, files)) => files.push((name, text)),
                None => by_id.push((id, vec![(name, text)])),
            }
        }
        let mut lessons = by_id
            .into_iter()
            .map(|(id, files)| load(id, &files))
            .collect::<Result<Vec<_>, _>>()?;
        lessons.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
        Ok(Lessons(lessons))
    }

    /// These lessons and `more` (which may not reuse an id).
    pub fn with(&self, more: Lessons) -> Result<Lessons, LessonError> {
        let mut all = self.0.clone();
        for lesson in more.0 {
            if all.iter().any(|l| l.id == lesson.id) {
                return Err(LessonError::new(
                    format!("{}/lesson.json", lesson.id),
                    format!("a lesson with the id {} is built in already", lesson.id),
                ));
            }
            all.push(lesson);
        }
        all.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
        Ok(Lessons(all))
    }

    /// The lesson with this id.
    pub fn get(&self, id: &str) -> Option<&Lesson> {
        self.0.iter().find(|l| l.id == id)
    }

    /// Every lesson, in gallery order.
    pub fn iter(&self) -> impl Iterator<Item = &Lesson> {
        self.0.iter()
    }

    /// The lessons as JSON (what the page's `lessons()` gives).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("lessons always serialize")
    }
}

/// Loads and checks one lesson from its files.
fn load(id: &str, files: &[(&str, &str)]) -> Result<Lesson, LessonError> {
    let manifest_file = format!("{id}/lesson.json");
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(LessonError::new(
            &manifest_file,
            format!(
                "a lesson's folder name is its id: lowercase letters, digits and -, got {id:?}"
            ),
        ));
    }
    let Some((_, text)) = files.iter().find(|(name, _)| *name == "lesson.json") else {
        return Err(LessonError::new(
            &manifest_file,
            "missing: every lesson folder needs a lesson.json manifest",
        ));
    };
    let m: manifest::Manifest =
        serde_json::from_str(text).map_err(|e| LessonError::new(&manifest_file, e.to_string()))?;
    let err = |message: String| LessonError::new(&manifest_file, message);

    if m.placements.is_empty() {
        return Err(err(
            "lists no placements; each needs an id, a title and a program <id>.py".into(),
        ));
    }
    let mut placements: Vec<Placement> = Vec::new();
    for p in &m.placements {
        if placements.iter().any(|q| q.id == p.id) {
            return Err(err(format!("lists the placement {:?} twice", p.id)));
        }
        let file_name = format!("{}.py", p.id);
        let Some((_, program)) = files.iter().find(|(name, _)| *name == file_name) else {
            return Err(err(format!(
                "the placement {:?} has no program: add {id}/{file_name}",
                p.id
            )));
        };
        let file = format!("{id}/{file_name}");
        if let Err(e) = racelab_lang::compile(program, &file) {
            return Err(LessonError::new(
                &file,
                format!("does not compile: {}", e.render(program, &file)),
            ));
        }
        placements.push(Placement {
            id: p.id.clone(),
            title: p.title.clone(),
            safe: p.safe,
            summary: p.summary.clone(),
            fix: p.fix.as_ref().map(|f| Fix {
                placement: f.placement.clone(),
                text: f.text.clone(),
            }),
            note: p.note.clone(),
            file,
            program: program.to_string(),
            marks: Marks::default(),
        });
    }
    let baseline = placements[0].program.clone();
    for p in &mut placements {
        p.marks = listing::marks(&p.program, &baseline);
    }
    if !placements.iter().any(|p| p.safe) {
        return Err(err(
            "has no safe placement: mark the one that fixes it \"safe\": true".into(),
        ));
    }
    for p in &placements {
        if let Some(fix) = &p.fix {
            if !placements.iter().any(|q| q.id == fix.placement && q.safe) {
                return Err(err(format!(
                    "the fix of {:?} names {:?}, which is not a safe placement of this lesson",
                    p.id, fix.placement
                )));
            }
        }
    }
    if let Some((name, _)) = files.iter().find(|(name, _)| {
        name.ends_with(".py") && !placements.iter().any(|p| format!("{}.py", p.id) == *name)
    }) {
        return Err(LessonError::new(
            format!("{id}/{name}"),
            "is not a placement of lesson.json: list it there, or move it out of the folder",
        ));
    }

    let mut params = Vec::new();
    for spec in &m.params {
        params.push(param(spec, &placements, &err)?);
    }
    let mut invariants: Vec<Invariant> = Vec::new();
    for i in &m.invariants {
        if invariants
            .iter()
            .any(|j| j.id == i.id || j.check == i.check)
        {
            return Err(err(format!(
                "lists the invariant {:?} (or its check) twice",
                i.id
            )));
        }
        invariants.push(Invariant {
            id: i.id.clone(),
            check: i.check.clone(),
            text: i.text.clone(),
        });
    }
    if let Some(spec) = &m.final_view {
        view::Plan::new(Some(spec), None).check(&manifest_file)?;
    }
    if let Some(step) = &m.step {
        check_step(id, step, &params, &invariants, &placements, &err)?;
        for (i, c) in step.challenges.iter().enumerate() {
            if let Some(story) = &c.story {
                let at = format!("step.challenges[{i}]");
                view::Plan::new(None, Some((&at, story))).check(&manifest_file)?;
            }
        }
    }
    Ok(Lesson {
        id: id.to_string(),
        order: m.order,
        title: m.title,
        summary: m.summary,
        guarantee: m.guarantee,
        watch: m.watch,
        lesson: m.lesson,
        params,
        invariants,
        placements,
        step: m.step,
        invalid: m.invalid,
        final_view: m.final_view,
    })
}

/// Checks step mode's setup and challenges against the lesson they belong to.
fn check_step(
    id: &str,
    step: &Step,
    params: &[ParamSpec],
    invariants: &[Invariant],
    placements: &[Placement],
    err: &dyn Fn(String) -> LessonError,
) -> Result<(), LessonError> {
    let setup = |at: &str, given: &serde_json::Map<String, serde_json::Value>| {
        let given: std::collections::BTreeMap<String, serde_json::Value> =
            given.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for key in given.keys() {
            if !params.iter().any(|p| p.name == *key) {
                let names: Vec<&str> = params.iter().map(|p| &*p.name).collect();
                return Err(err(format!(
                    "{at} sets {key:?}, which is not a parameter of this lesson ({})",
                    if names.is_empty() {
                        "it has none".to_string()
                    } else {
                        names.join(", ")
                    }
                )));
            }
        }
        racelab::params::Values::parse(id, params, &given)
            .map_err(|e| err(format!("{at}: {}: {}", e.field, e.message)))
    };
    setup("step.params", &step.params)?;
    let mut seen: Vec<&str> = Vec::new();
    for (i, c) in step.challenges.iter().enumerate() {
        let at = format!("step.challenges[{i}]");
        if seen.contains(&c.id.as_str()) {
            return Err(err(format!(
                "{at}: the challenge id {:?} is used twice",
                c.id
            )));
        }
        seen.push(&c.id);
        let mut merged = step.params.clone();
        merged.extend(c.setup.clone());
        setup(&format!("{at}.setup"), &merged)?;
        for p in c.placements.iter().flatten() {
            if !placements.iter().any(|q| q.id == *p) {
                return Err(err(format!(
                    "{at}.placements names {p:?}, which is not a placement of this lesson"
                )));
            }
        }
        if let Won::Violated(inv) = &c.won {
            if !invariants.iter().any(|i| i.id == *inv) {
                let ids: Vec<&str> = invariants.iter().map(|i| i.id.as_str()).collect();
                return Err(err(format!(
                    "{at}.won names the invariant {inv:?}; this lesson's are {}",
                    ids.join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// A parameter's table entry, its default read from the programs (which must agree).
fn param(
    spec: &manifest::Param,
    placements: &[Placement],
    err: &dyn Fn(String) -> LessonError,
) -> Result<ParamSpec, LessonError> {
    let constant = constant_of(&spec.name);
    let mut default: Option<Literal> = None;
    for p in placements {
        let declared = constants(&p.program)
            .map_err(|e| LessonError::new(&p.file, e.message))?
            .into_iter()
            .find(|c| c.name == constant)
            .ok_or_else(|| {
                LessonError::new(
                    &p.file,
                    format!(
                        "declares no constant {constant} for the parameter {:?} (a top-level \
                         `{constant} = ...` with a whole number or a list of them)",
                        spec.name
                    ),
                )
            })?;
        match &default {
            None => default = Some(declared.value),
            Some(d) if *d == declared.value => {}
            Some(d) => {
                return Err(LessonError::new(
                    &p.file,
                    format!(
                        "sets {constant} = {}, but {} sets it to {}: a parameter's default is \
                         the same in every placement",
                        declared.value.to_python(),
                        placements[0].file,
                        d.to_python()
                    ),
                ))
            }
        }
    }
    let default = default.expect("a lesson has at least one placement");
    let kind = match (spec.kind.as_str(), spec.min_len, spec.max_len, default) {
        ("int", None, None, Literal::Int(d)) => ParamKind::Int {
            min: spec.min,
            max: spec.max,
            default: d,
        },
        ("int-list", Some(min_len), Some(max_len), Literal::IntList(d)) => ParamKind::IntList {
            min_len,
            max_len,
            min: spec.min,
            max: spec.max,
            default: Cow::Owned(d),
        },
        ("int" | "int-list", ..) => {
            return Err(err(format!(
                "the parameter {:?} is an \"int\" (min, max) matching a constant that is a \
                 whole number, or an \"int-list\" (min, max, min_len, max_len) matching a \
                 list of whole numbers; {constant} does not match what it says",
                spec.name
            )))
        }
        (other, ..) => {
            return Err(err(format!(
                "the parameter {:?} has the type {other:?}; a type is \"int\" or \"int-list\"",
                spec.name
            )))
        }
    };
    let table = ParamSpec {
        name: Cow::Owned(spec.name.clone()),
        kind,
        unit: Cow::Owned(spec.unit.clone()),
        help: Cow::Owned(spec.help.clone()),
    };
    let default_json = match &table.kind {
        ParamKind::Int { default, .. } => serde_json::json!(default),
        ParamKind::IntList { default, .. } => serde_json::json!(default),
    };
    let mut given = std::collections::BTreeMap::new();
    given.insert(spec.name.clone(), default_json);
    racelab::params::Values::parse("this lesson", std::slice::from_ref(&table), &given).map_err(
        |e| {
            err(format!(
                "the programs' default for {:?} is outside its range: {}",
                spec.name, e.message
            ))
        },
    )?;
    Ok(table)
}

#[cfg(test)]
mod tests;
