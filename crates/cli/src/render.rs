//! Plain-text rendering of reports and the catalog for the terminal.

use std::fmt::Write;

use racelab::params::ParamKind;
use racelab::{Outcome, Report};
use serde_json::Value;

/// A report as a readable table. `source` is the program that ran (a deadlock quotes its
/// stuck lines); `fix` a lesson's placement's (what it changes, the placement that does).
pub fn report(r: &Report, source: &str, fix: Option<(&str, &str)>) -> String {
    let mut out = String::new();
    let outcome = match r.outcome {
        Outcome::Ok if r.program.is_some() => "OK: every check held, no exception escaped",
        Outcome::Ok => "OK: every invariant held",
        Outcome::Violated => "VIOLATED",
        Outcome::Deadlock => "DEADLOCK",
        Outcome::Cancelled => "CANCELLED",
        Outcome::Error => "ERROR",
        Outcome::Paused => "PAUSED where the schedule ends",
    };
    let what = match (&r.program, r.scenario.as_deref(), r.strategy.as_deref()) {
        (_, Some(scenario), Some(strategy)) => format!("{scenario} · strategy {strategy}"),
        (Some(file), ..) => file.clone(),
        (None, scenario, _) => scenario.unwrap_or("?").to_string(),
    };
    let threads = match r.threads {
        1 => "1 thread".to_string(),
        n => format!("{n} threads"),
    };
    let _ = writeln!(
        out,
        "{what} · {threads} · {:.1} ms · seed {}",
        r.elapsed_ms, r.params["seed"]
    );
    let _ = writeln!(out, "outcome: {outcome}");
    if let Some(e) = &r.error {
        match (e.line, e.column) {
            (Some(line), Some(column)) => {
                let _ = writeln!(out, "error at line {line}, column {column}: {}", e.message);
            }
            _ => {
                let _ = writeln!(out, "error: {}", e.message);
            }
        }
    }
    if let Some(d) = &r.deadlock {
        for edge in &d.cycle {
            if edge.holds.is_empty() {
                let _ = write!(out, "  thread {} waits for {}", edge.thread, edge.waits_for);
            } else {
                let _ = write!(
                    out,
                    "  thread {} holds {} and waits for {}",
                    edge.thread,
                    edge.holds.join(", "),
                    edge.waits_for
                );
            }
            let text = edge
                .line
                .and_then(|n| source.lines().nth(n.checked_sub(1)?))
                .map(str::trim);
            match (edge.line, text) {
                (Some(n), Some(text)) => {
                    let _ = writeln!(out, ", at line {n}: {text}");
                }
                (Some(n), None) => {
                    let _ = writeln!(out, ", at line {n}");
                }
                (None, _) => out.push('\n'),
            }
        }
        if d.cycle.is_empty() && !d.waiting.is_empty() {
            let _ = writeln!(
                out,
                "  every live thread waits for something none of them will ever give:"
            );
        }
        if d.cycle.is_empty() {
            for w in &d.waiting {
                match w.line {
                    Some(n) => {
                        let _ = writeln!(out, "  thread {} {}, at line {n}", w.thread, w.why);
                    }
                    None => {
                        let _ = writeln!(out, "  thread {} {}", w.thread, w.why);
                    }
                }
            }
        }
        if let Some((text, placement)) = fix {
            let _ = writeln!(out, "fix: {text} (strategy {placement})");
        }
    }
    let width = r.invariants.iter().map(|i| i.id.len()).max().unwrap_or(0);
    // A run that stopped before its end may never have reached a check not seen broken.
    let ended = matches!(r.outcome, Outcome::Ok | Outcome::Violated);
    for inv in &r.invariants {
        let (mark, verdict) = match (inv.held, ended) {
            (true, true) => ("✓", "held".to_string()),
            (true, false) => ("–", "not seen broken".to_string()),
            (false, _) => ("✗", format!("violated {} times", inv.violations)),
        };
        let _ = writeln!(
            out,
            "  {mark} {:width$}  {verdict:<22} {}",
            inv.id, inv.text
        );
    }
    if let Some(t) = &r.trace {
        let _ = write!(out, "trace: {} events", t.recorded);
        if t.truncated {
            let _ = write!(out, " (the run's first; {} more not kept)", t.dropped);
        }
        out.push('\n');
        if !t.violations.is_empty() || !t.lost_updates.is_empty() {
            let overlapped = t
                .violations
                .iter()
                .filter(|v| !v.overlapped.is_empty())
                .count();
            let _ = writeln!(
                out,
                "  {} failed checks: {overlapped} while another thread's update \
                 was in flight; {} updates were lost for good",
                t.violations.len(),
                t.lost_updates.len()
            );
        }
    }
    if let Some(view) = r.view.as_ref().filter(|v| v.get("error").is_none()) {
        drawn(&mut out, view);
    } else if let Value::Object(map) = &r.final_state {
        if let Some(error) = r.view.as_ref().and_then(|v| v["error"].as_str()) {
            let _ = writeln!(out, "the lesson's drawing failed: {error}");
        }
        let _ = writeln!(out, "final:");
        for (key, value) in map {
            let text = match value {
                Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(" "),
                other => plain(other),
            };
            let _ = writeln!(out, "  {key}: {text}");
        }
    }
    out
}

/// A lesson's final state as its manifest draws it: the table's rows or each lane's moments,
/// what breaks the lesson marked ✗.
fn drawn(out: &mut String, view: &Value) {
    let _ = writeln!(out, "{}:", plain(&view["title"]));
    let rows = view["table"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let width = rows
        .iter()
        .map(|r| plain(&r["label"]).chars().count())
        .max()
        .unwrap_or(0);
    for row in rows {
        let mark = if row["bad"] == Value::Bool(true) {
            "✗"
        } else {
            " "
        };
        let note = match &row["note"] {
            Value::Null => String::new(),
            n => format!("  ({})", plain(n)),
        };
        let label = plain(&row["label"]);
        let _ = writeln!(
            out,
            "  {mark} {label:width$}  {}{note}",
            plain(&row["value"])
        );
    }
    for lane in view["moments"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let marks: Vec<String> = lane["marks"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|m| {
                let at = m["at"]
                    .as_f64()
                    .map_or("-".into(), |t| format!("{t:.1} ms"));
                let early = if m["kind"] == "early" { " ✗" } else { "" };
                format!("{} {at}{early}", plain(&m["text"]))
            })
            .collect();
        let _ = writeln!(out, "    {}: {}", plain(&lane["label"]), marks.join(" · "));
    }
}

/// A JSON value as a person would write it: strings without quotes, `-` for nothing.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// Every lesson with its placements and parameters.
pub fn lessons(lessons: &racelab_lessons::Lessons) -> String {
    let mut out = String::new();
    for l in lessons.iter() {
        let _ = writeln!(out, "{}  {}\n  {}", l.id, l.title, l.summary);
        let _ = writeln!(out, "  guarantee: {}", l.guarantee);
        let _ = writeln!(out, "  placements (--strategy):");
        for p in &l.placements {
            let _ = writeln!(
                out,
                "    {:<18} {}{}  [{}]",
                p.id,
                p.title,
                if p.safe { "" } else { " (unsafe)" },
                p.file
            );
        }
        params(&mut out, &l.params);
        let _ = writeln!(out);
    }
    out
}

fn params(out: &mut String, specs: &[racelab::params::ParamSpec]) {
    let _ = writeln!(out, "  parameters:");
    for p in specs {
        let default = match &p.kind {
            ParamKind::Int { default, .. } => default.to_string(),
            ParamKind::IntList { default, .. } => default
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(","),
        };
        let _ = writeln!(
            out,
            "    --{:<22} {} (default {default})",
            p.name,
            p.range_text()
        );
    }
}

/// Every demo with its strategies (lock placements) and parameters.
pub fn catalog(lessons: &racelab_lessons::Lessons) -> String {
    let mut out = String::new();
    for l in lessons.iter() {
        let _ = writeln!(out, "{}  {}\n  {}", l.id, l.title, l.summary);
        let _ = writeln!(out, "  guarantee: {}", l.guarantee);
        let _ = writeln!(out, "  strategies:");
        for p in &l.placements {
            let _ = writeln!(
                out,
                "    {:<18} {}{}",
                p.id,
                p.title,
                if p.safe { "" } else { " (unsafe)" }
            );
        }
        params(&mut out, &l.params);
        let _ = writeln!(out);
    }
    out
}
