//! A run of a lesson: the config a face gives (`{ scenario, strategy, ...params }`: the
//! lesson, the placement, its parameters), turned into a program's run, and the program's
//! report turned into the lesson's.

use std::borrow::Cow;
use std::collections::BTreeMap;

use racelab::params::{brief, ParamKind, ParamValue, Values};
use racelab::{ConfigError, Executor, InvariantReport, Report};
use racelab_lang::constants::{with_constants, Literal};
use racelab_lang::run::ProgramConfig;
use serde_json::{Map, Value};

use crate::{constant_of, view, Lesson, Lessons, Placement};

/// The fields a lesson's config may have besides its parameters, in the order refusals
/// list them. The last ones are passed on to the program's config as they are.
const FIELDS: &[&str] = &[
    "scenario",
    "strategy",
    "lesson",
    "seed",
    "executor",
    "schedule",
    "pause",
    "trace",
    "trace_limit",
];

/// Fields that mean the same for the placement's program as for the lesson.
const PASSED_ON: &[&str] = &[
    "seed",
    "executor",
    "schedule",
    "pause",
    "trace",
    "trace_limit",
];

/// A lesson's placement to run, with its parameters checked and written into the program.
#[derive(Debug, Clone)]
pub struct LessonRun<'l> {
    /// The lesson.
    pub lesson: &'l Lesson,
    /// The placement.
    pub placement: &'l Placement,
    /// Every parameter's value (given or default).
    pub values: Values,
    /// The placement's program with the given parameters in its constants, as a program's
    /// run config: run it as any program is run, then hand its report to [`Self::finish`].
    pub program: ProgramConfig,
}

impl<'l> LessonRun<'l> {
    /// Checks a lesson's config: `scenario` (the lesson), `strategy` (a placement; the
    /// first when absent), its parameters, and the program's `seed`, `executor`,
    /// `schedule`, `pause`, `trace` and `trace_limit`.
    pub fn from_value(lessons: &'l Lessons, config: &Value) -> Result<Self, ConfigError> {
        let Some(obj) = config.as_object() else {
            return Err(ConfigError::new(
                "config",
                format!(
                    "must be an object like {{\"scenario\": \"bank\"}}, got {}",
                    brief(config)
                ),
            ));
        };
        let lesson = match obj.get("scenario") {
            Some(Value::String(id)) => lessons.get(id),
            _ => None,
        };
        let Some(lesson) = lesson else {
            let ids: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
            let message = match obj.get("scenario") {
                Some(Value::String(id)) => {
                    format!("unknown scenario {id:?}; choose one of {}", ids.join(", "))
                }
                other => format!(
                    "must be one of {}, got {}",
                    ids.join(", "),
                    other.map_or("nothing".into(), brief)
                ),
            };
            return Err(ConfigError::new("scenario", message));
        };
        match obj.get("lesson") {
            None | Some(Value::Null | Value::Bool(true)) => {}
            Some(other) => {
                return Err(ConfigError::new(
                    "lesson",
                    format!(
                        "must be true (run the lesson's program), got {}",
                        brief(other)
                    ),
                ))
            }
        }
        let placement = match obj.get("strategy") {
            None | Some(Value::Null) => &lesson.placements[0],
            Some(Value::String(id)) if lesson.placement(id).is_some() => {
                lesson.placement(id).expect("just found")
            }
            Some(other) => {
                let ids: Vec<&str> = lesson.placements.iter().map(|p| p.id.as_str()).collect();
                return Err(ConfigError::new(
                    "strategy",
                    format!(
                        "must be one of {} for {}, got {}",
                        ids.join(", "),
                        lesson.id,
                        brief(other)
                    ),
                ));
            }
        };
        let mut given: BTreeMap<String, Value> = BTreeMap::new();
        for (key, value) in obj {
            if FIELDS.contains(&key.as_str()) {
                continue;
            }
            if !lesson.params.iter().any(|p| p.name == *key) {
                let mut known: Vec<&str> = lesson.params.iter().map(|p| &*p.name).collect();
                known.extend(FIELDS);
                return Err(ConfigError::new(
                    key.as_str(),
                    format!(
                        "unknown field for {}; its fields are {}",
                        lesson.id,
                        known.join(", ")
                    ),
                ));
            }
            given.insert(key.clone(), value.clone());
        }
        let values = Values::parse(&lesson.id, &lesson.params, &given)?;
        let mut constants: Vec<(String, Literal)> = Vec::new();
        for spec in &lesson.params {
            let default = match &spec.kind {
                ParamKind::Int { default, .. } => ParamValue::Int(*default),
                ParamKind::IntList { default, .. } => ParamValue::IntList(default.to_vec()),
            };
            let value = values.get(&spec.name).cloned().unwrap_or(default.clone());
            // Only what differs is written, so that a default run's program reads exactly
            // as the file does.
            if value != default {
                let literal = match value {
                    ParamValue::Int(n) => Literal::Int(n),
                    ParamValue::IntList(v) => Literal::IntList(v),
                };
                constants.push((constant_of(&spec.name), literal));
            }
        }
        let named: Vec<(&str, Literal)> = constants
            .iter()
            .map(|(n, l)| (n.as_str(), l.clone()))
            .collect();
        let source = with_constants(&placement.program, &named)
            .map_err(|e| ConfigError::new("scenario", format!("{}: {e}", placement.file)))?;
        let mut program = Map::new();
        program.insert("program".into(), Value::String(source));
        program.insert("filename".into(), Value::String(placement.file.clone()));
        for key in PASSED_ON {
            if let Some(v) = obj.get(*key) {
                program.insert((*key).into(), v.clone());
            }
        }
        let program = ProgramConfig::from_value(&Value::Object(program))?;
        Ok(LessonRun {
            lesson,
            placement,
            values,
            program,
        })
    }

    /// The program's report as the lesson's: named by lesson and placement, with its
    /// parameters, and with the lesson's invariants in order (held or not), each counting
    /// the failures of its `check`. Failed checks and asserts the manifest does not name
    /// follow them, as a program's report lists them.
    pub fn finish(&self, mut report: Report) -> Report {
        report.scenario = Some(Cow::Owned(self.lesson.id.clone()));
        report.strategy = Some(Cow::Owned(self.placement.id.clone()));
        let mut params = match serde_json::to_value(&self.values) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        params.insert("seed".into(), Value::from(self.program.seed));
        report.params = Value::Object(params);
        let mut seen = std::mem::take(&mut report.invariants);
        let mut invariants: Vec<InvariantReport> = self
            .lesson
            .invariants
            .iter()
            .map(|inv| {
                let mut out = InvariantReport::new(inv.id.clone(), inv.text.clone(), 0);
                if let Some(at) = seen.iter().position(|s| s.id == inv.check) {
                    let failed = seen.remove(at);
                    out.violations = failed.violations;
                    out.held = failed.violations == 0;
                    out.line = failed.line;
                }
                out
            })
            .collect();
        invariants.extend(seen);
        report.invariants = invariants;
        report.view = self.view(&report);
        report
    }

    /// The report's `view`: the manifest's drawing of a run that ran to its end, and, for a
    /// stepped run, the story of the challenge offered for this placement (while paused too,
    /// when the globals it needs are there already).
    fn view(&self, report: &Report) -> Option<Value> {
        let Value::Object(globals) = &report.final_state else {
            return None;
        };
        let file = format!("{}/lesson.json", self.lesson.id);
        let story = match report.executor {
            Executor::Stepped => self
                .lesson
                .challenge_for(&self.placement.id)
                .and_then(|(i, c)| Some((format!("step.challenges[{i}]"), c.story.as_deref()?))),
            _ => None,
        };
        let story = story.as_ref().map(|(at, text)| (at.as_str(), *text));
        if view::drawable(report) {
            return view::Plan::new(self.lesson.final_view.as_ref(), story)
                .evaluate(&file, globals);
        }
        // Mid-run, a story that cannot be told yet is no error.
        view::Plan::new(None, story)
            .evaluate(&file, globals)
            .filter(|v| v.get("error").is_none())
    }
}
