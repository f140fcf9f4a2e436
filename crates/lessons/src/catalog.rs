//! The catalog the faces present (the page's gallery and controls, `racelab list`): one
//! entry per lesson, in gallery order, built from its manifest, with its placements'
//! programs as the listings (the lines a placement adds marked as locks, the lines under
//! `with invalid():` as the invalid stretch), so that a deadlock's line is the listing's,
//! and each placement names its program (`program`). An entry carries the manifest's words
//! for the page too: how the timeline speaks of the invalid stretch (`invalid`) and a
//! placement's `note`.

use serde_json::{json, Value};

use crate::{Lesson, Lessons};

/// The catalog of `lessons` (see the module docs) as JSON values.
pub fn catalog(lessons: &Lessons) -> Vec<Value> {
    lessons
        .iter()
        .map(|lesson| {
            let mut entry = entry(lesson);
            if let Some(invalid) = &lesson.invalid {
                entry["invalid"] = json!(invalid);
            }
            if let Some(Value::Array(strategies)) = entry.get_mut("strategies") {
                for s in strategies {
                    let note = lesson
                        .placement(s["id"].as_str().unwrap_or_default())
                        .and_then(|p| p.note.as_ref());
                    if let Some(note) = note {
                        s["note"] = json!(note);
                    }
                }
            }
            entry
        })
        .collect()
}

/// The catalog as JSON text (what the JS API's `scenarios()` returns).
pub fn catalog_json(lessons: &Lessons) -> String {
    Value::Array(catalog(lessons)).to_string()
}

/// A lesson's entry, from its manifest and programs.
fn entry(lesson: &Lesson) -> Value {
    let strategies: Vec<Value> = lesson
        .placements
        .iter()
        .map(|p| {
            let listing: Vec<Value> = p
                .program
                .lines()
                .enumerate()
                .map(|(i, text)| {
                    let n = i as u32 + 1;
                    let role = if p.marks.invalid_lines.contains(&n) {
                        "invalid"
                    } else if p.marks.lock_lines.contains(&n) {
                        "lock"
                    } else {
                        "code"
                    };
                    json!({ "text": text, "role": role })
                })
                .collect();
            let mut s = json!({
                "id": p.id, "title": p.title, "safe": p.safe, "summary": p.summary,
                "listing": listing, "program": p.file,
            });
            if let Some(fix) = &p.fix {
                s["fix"] = json!({ "strategy": fix.placement, "text": fix.text });
            }
            s
        })
        .collect();
    let invariants: Vec<Value> = lesson
        .invariants
        .iter()
        .map(|i| json!([i.id, i.text]))
        .collect();
    json!({
        "id": lesson.id, "title": lesson.title, "summary": lesson.summary,
        "guarantee": lesson.guarantee, "watch": lesson.watch, "lesson": lesson.lesson,
        "params": lesson.params, "strategies": strategies, "invariants": invariants,
    })
}
