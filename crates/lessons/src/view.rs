//! How a lesson shows a run's final state: the manifest's `final` drawing, the one number a
//! batch of runs draws as a histogram (`key`), a phrase for the history table (`summary`),
//! and the step-mode challenges' stories, as the report's `view`.
//!
//! Every value in them is a Python expression and every text an f-string's body, both over
//! the run's final globals (the report's `final`): the lesson's own language, evaluated by
//! racelab's VM in a small program of its own after the run (the globals as literals, then one
//! line per expression). A drawing therefore cannot change the run it draws, and needs no
//! code of the page's: the page draws tables and lanes of plain values.
//!
//! A `for` clause (`"for": "i, b in enumerate(balances)"`) repeats a row or a lane for every
//! item, as a comprehension would. Each field of a repeated row is its own comprehension, so
//! that every global read back is a flat list of at most 100 plain values (what the report's
//! `final` carries).
//!
//! Invariant: nothing here knows a demo; what is drawn is the manifest's.

use std::fmt::Write as _;

use racelab::{Outcome, Report};
use racelab_lang::vm::RunOptions;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::LessonError;

/// `final` in `lesson.json`: a title and either table rows or moment lanes, plus the key
/// number and the summary phrase.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FinalSpec {
    /// Names the other fields may use, each an expression over the globals (and the names
    /// before it), evaluated in order first.
    #[serde(default)]
    define: Vec<DefineSpec>,
    title: String,
    #[serde(default)]
    table: Vec<RowSpec>,
    #[serde(default)]
    moments: Vec<LaneSpec>,
    key: Option<KeySpec>,
    summary: Option<String>,
}

/// A name for an expression the drawing uses more than once.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefineSpec {
    name: String,
    value: String,
}

/// A row of a table: `label` and `note` are f-string bodies, `value` and `bad` expressions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowSpec {
    #[serde(rename = "for")]
    each: Option<String>,
    label: String,
    value: String,
    note: Option<String>,
    bad: Option<String>,
}

/// A lane of moments: one thread's marks on the run's clock, its busy stretch up to `span`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LaneSpec {
    #[serde(rename = "for")]
    each: Option<String>,
    label: String,
    span: Option<String>,
    marks: Vec<MarkSpec>,
}

/// A mark on a lane: when (`at`, ms or `None`), its kind (`ready`, `start` or `early`, an
/// expression) and its text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkSpec {
    at: String,
    kind: String,
    text: String,
}

/// The number a batch of runs draws as a histogram, what it is called and whether this
/// run's value breaks the lesson (`bad` may name the number `value`). A value of `None`
/// leaves the run out of the histogram.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeySpec {
    label: String,
    value: String,
    bad: String,
}

/// One piece of Python to evaluate: an expression, or an f-string's body.
#[derive(Debug, Clone)]
enum Piece<'a> {
    Expr(&'a str),
    Text(&'a str),
    /// An expression of `value`, the piece before it.
    OfValue(&'a str),
    /// A name the pieces after it may use.
    Define(&'a str, &'a str),
}

/// Where in the manifest a piece comes from, for errors (`final.table[1].bad`).
struct Slot<'a> {
    at: String,
    piece: Piece<'a>,
    each: Option<&'a str>,
}

/// The drawing compiled into the lines of its evaluating program, with where each came from.
pub(crate) struct Plan<'a> {
    slots: Vec<Slot<'a>>,
    spec: Option<&'a FinalSpec>,
    story: Option<&'a str>,
}

impl<'a> Plan<'a> {
    /// The pieces of `spec` (the lesson's drawing) and `story` (a challenge's), in order.
    pub(crate) fn new(spec: Option<&'a FinalSpec>, story: Option<(&str, &'a str)>) -> Self {
        let mut slots = Vec::new();
        let mut push = |at: String, piece: Piece<'a>, each: Option<&'a str>| {
            slots.push(Slot { at, piece, each })
        };
        if let Some(spec) = spec {
            for (i, d) in spec.define.iter().enumerate() {
                push(
                    format!("final.define[{i}]"),
                    Piece::Define(&d.name, &d.value),
                    None,
                );
            }
            push("final.title".into(), Piece::Text(&spec.title), None);
            for (i, row) in spec.table.iter().enumerate() {
                let at = format!("final.table[{i}]");
                let each = row.each.as_deref();
                push(format!("{at}.label"), Piece::Text(&row.label), each);
                push(format!("{at}.value"), Piece::Expr(&row.value), each);
                if let Some(note) = &row.note {
                    push(format!("{at}.note"), Piece::Text(note), each);
                }
                if let Some(bad) = &row.bad {
                    push(format!("{at}.bad"), Piece::Expr(bad), each);
                }
            }
            for (i, lane) in spec.moments.iter().enumerate() {
                let at = format!("final.moments[{i}]");
                let each = lane.each.as_deref();
                push(format!("{at}.label"), Piece::Text(&lane.label), each);
                if let Some(span) = &lane.span {
                    push(format!("{at}.span"), Piece::Expr(span), each);
                }
                for (j, mark) in lane.marks.iter().enumerate() {
                    push(format!("{at}.marks[{j}].at"), Piece::Expr(&mark.at), each);
                    push(
                        format!("{at}.marks[{j}].kind"),
                        Piece::Expr(&mark.kind),
                        each,
                    );
                    push(
                        format!("{at}.marks[{j}].text"),
                        Piece::Text(&mark.text),
                        each,
                    );
                }
            }
            if let Some(key) = &spec.key {
                push("final.key.label".into(), Piece::Text(&key.label), None);
                push("final.key.value".into(), Piece::Expr(&key.value), None);
                push("final.key.bad".into(), Piece::OfValue(&key.bad), None);
            }
            if let Some(summary) = &spec.summary {
                push("final.summary".into(), Piece::Text(summary), None);
            }
        }
        let story = story.map(|(at, text)| {
            push(format!("{at}.story"), Piece::Text(text), None);
            text
        });
        Plan { slots, spec, story }
    }

    /// Checks that every piece compiles, naming the manifest's field when one does not.
    pub(crate) fn check(&self, file: &str) -> Result<(), LessonError> {
        for slot in &self.slots {
            let line = line_of(slot, 0);
            if let Err(e) = racelab_lang::compile(&line, file) {
                return Err(LessonError::new(
                    file,
                    format!(
                        "{} is not valid Python ({}): {}",
                        slot.at,
                        match slot.piece {
                            Piece::Text(_) => "the body of an f-string",
                            _ => "an expression",
                        },
                        e.message
                    ),
                ));
            }
            if let Piece::Define(name, _) = slot.piece {
                let ok = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_');
                if !ok {
                    return Err(LessonError::new(
                        file,
                        format!("{}'s name {name:?} is not a Python name", slot.at),
                    ));
                }
            }
            if slot.each.is_some_and(|each| !each.contains(" in ")) {
                return Err(LessonError::new(
                    file,
                    format!(
                        "{}'s \"for\" is a comprehension's clause, like \"i, b in \
                         enumerate(balances)\"",
                        slot.at.rsplit_once('.').map_or(&*slot.at, |(a, _)| a)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The view of a run whose final globals are `globals`: `{ title, table | moments, key,
    /// summary, story }` with plain values, or `{ error }` naming the field that failed.
    pub(crate) fn evaluate(&self, file: &str, globals: &Map<String, Value>) -> Option<Value> {
        if self.slots.is_empty() {
            return None;
        }
        let mut source = String::new();
        for (name, value) in globals {
            if let Some(literal) = py_literal(value) {
                let _ = writeln!(source, "{name} = {literal}");
            }
        }
        let first = source.lines().count() as u32 + 1;
        for (i, slot) in self.slots.iter().enumerate() {
            source.push_str(&line_of(slot, i));
            source.push('\n');
        }
        let program = match racelab_lang::compile(&source, file) {
            Ok(p) => p,
            // Only a global whose name is not a plain identifier could do this.
            Err(e) => return Some(json!({ "error": format!("{file}: {}", e.message) })),
        };
        let result = program.run(&RunOptions {
            max_steps: Some(1_000_000),
            heap_budget: 16 << 20,
            real_sleep: false,
            threads: None,
            ..RunOptions::default()
        });
        if let Some(exc) = &result.exception {
            let at = exc
                .line
                .checked_sub(first)
                .and_then(|i| self.slots.get(i as usize))
                .map_or("final", |s| &s.at);
            return Some(json!({
                "error": format!("{file}: {at}: {}: {}", exc.type_name, exc.message)
            }));
        }
        if let Some(why) = &result.stopped {
            return Some(json!({ "error": format!("{file}: the drawing stopped: {why}") }));
        }
        let mut values = (0..self.slots.len())
            .filter(|i| !matches!(self.slots[*i].piece, Piece::Define(..)))
            .map(|i| {
                result
                    .globals
                    .get(&format!("_racelab_view_{i}"))
                    .cloned()
                    .unwrap_or(Value::Null)
            });
        let mut view = Map::new();
        if let Some(spec) = self.spec {
            view.insert("title".into(), next(&mut values));
            let mut table = Vec::new();
            for row in &spec.table {
                let label = next(&mut values);
                let value = next(&mut values);
                let note = row.note.as_ref().map(|_| next(&mut values));
                let bad = row.bad.as_ref().map(|_| next(&mut values));
                for i in 0..count(row.each.is_some(), &label) {
                    table.push(json!({
                        "label": pick(&label, row.each.is_some(), i),
                        "value": pick(&value, row.each.is_some(), i),
                        "note": note.as_ref().map(|n| pick(n, row.each.is_some(), i)),
                        "bad": bad.as_ref().is_some_and(|b| truthy(&pick(b, row.each.is_some(), i))),
                    }));
                }
            }
            if !spec.table.is_empty() {
                view.insert("table".into(), Value::Array(table));
            }
            let mut lanes = Vec::new();
            for lane in &spec.moments {
                let many = lane.each.is_some();
                let label = next(&mut values);
                let span = lane.span.as_ref().map(|_| next(&mut values));
                let marks: Vec<[Value; 3]> = lane
                    .marks
                    .iter()
                    .map(|_| [next(&mut values), next(&mut values), next(&mut values)])
                    .collect();
                for i in 0..count(many, &label) {
                    lanes.push(json!({
                        "label": pick(&label, many, i),
                        "span": span.as_ref().map(|s| pick(s, many, i)),
                        "marks": marks.iter().map(|[at, kind, text]| json!({
                            "at": pick(at, many, i),
                            "kind": pick(kind, many, i),
                            "text": pick(text, many, i),
                        })).collect::<Vec<_>>(),
                    }));
                }
            }
            if !spec.moments.is_empty() {
                view.insert("moments".into(), Value::Array(lanes));
            }
            if spec.key.is_some() {
                let label = next(&mut values);
                let value = next(&mut values);
                let bad = truthy(&next(&mut values));
                view.insert(
                    "key".into(),
                    json!({ "label": label, "value": value, "bad": bad }),
                );
            }
            if spec.summary.is_some() {
                view.insert("summary".into(), next(&mut values));
            }
        }
        if self.story.is_some() {
            view.insert("story".into(), next(&mut values));
        }
        Some(Value::Object(view))
    }
}

/// Whether the run got far enough for its final state to mean what the drawing expects: it
/// ran to its end (a deadlocked, stopped, paused or failed run has no final state to draw).
pub(crate) fn drawable(report: &Report) -> bool {
    matches!(report.outcome, Outcome::Ok | Outcome::Violated)
}

fn next(values: &mut impl Iterator<Item = Value>) -> Value {
    values.next().unwrap_or(Value::Null)
}

/// How many rows a piece repeated over a `for` gives (its list's length), or one.
fn count(many: bool, first: &Value) -> usize {
    match (many, first) {
        (true, Value::Array(items)) => items.len(),
        (true, _) => 0,
        (false, _) => 1,
    }
}

/// Item `i` of a repeated piece, or the piece itself.
fn pick(v: &Value, many: bool, i: usize) -> Value {
    if many {
        v.get(i).cloned().unwrap_or(Value::Null)
    } else {
        v.clone()
    }
}

/// Python's truth of a plain value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The line of the evaluating program that computes `slot` as global number `i`.
fn line_of(slot: &Slot<'_>, i: usize) -> String {
    let expr = match slot.piece {
        Piece::Define(name, e) => return format!("{name} = ({e})"),
        Piece::Expr(e) => format!("({e})"),
        Piece::OfValue(e) => format!(
            "(lambda value: ({e}))(_racelab_view_{})",
            i.saturating_sub(1)
        ),
        // JSON's escapes are Python's too, so the text's quotes and backslashes stay text.
        Piece::Text(t) => format!("f{}", Value::String(t.to_string())),
    };
    match slot.each {
        Some(each) => format!("_racelab_view_{i} = [{expr} for {each}]"),
        None => format!("_racelab_view_{i} = {expr}"),
    }
}

/// A plain JSON value (the report's `final`) as a Python literal; `None` for what has none.
fn py_literal(v: &Value) -> Option<String> {
    Some(match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64()?;
            // `1e300` and `1.5` read back as floats; a whole float needs its point.
            let s = n.to_string();
            if f.is_finite() && !s.contains(['.', 'e', 'E']) {
                format!("{s}.0")
            } else {
                s
            }
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => Value::String(s.clone()).to_string(),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(py_literal)
                .collect::<Option<Vec<_>>>()?
                .join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| Some(format!("{}: {}", Value::String(k.clone()), py_literal(v)?)))
                .collect::<Option<Vec<_>>>()?
                .join(", ")
        ),
    })
}
