//! The shape of `lesson.json`, as its author writes it. Unknown fields are refused, so that a
//! misspelt key is an error naming it rather than a setting silently ignored.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::view::FinalSpec;

/// A lesson's manifest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    /// Where it comes in the gallery (smaller first).
    pub order: i64,
    pub title: String,
    pub summary: String,
    pub guarantee: String,
    pub watch: String,
    pub lesson: String,
    #[serde(default)]
    pub params: Vec<Param>,
    #[serde(default)]
    pub invariants: Vec<Invariant>,
    pub placements: Vec<Placement>,
    /// How the page draws a run's final state (see [`crate::view`]).
    #[serde(rename = "final")]
    pub final_view: Option<FinalSpec>,
    /// Step mode's small setup and challenges.
    pub step: Option<Step>,
    /// How the timeline speaks of the invalid stretch.
    pub invalid: Option<InvalidWords>,
}

/// A parameter: its name (its constant is the name in capitals), type and range. Its
/// default is the constant's value in the programs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Param {
    pub name: String,
    /// `"int"` or `"int-list"`.
    #[serde(rename = "type")]
    pub kind: String,
    pub min: i64,
    pub max: i64,
    /// For an `int-list`: fewest and most items.
    pub min_len: Option<usize>,
    pub max_len: Option<usize>,
    #[serde(default)]
    pub unit: String,
    pub help: String,
}

/// An invariant: the name of the `check` that tests it, its id and its text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Invariant {
    pub id: String,
    pub check: String,
    pub text: String,
}

/// A placement; its program is `<id>.py` beside the manifest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Placement {
    pub id: String,
    pub title: String,
    pub safe: bool,
    pub summary: String,
    pub fix: Option<Fix>,
    pub note: Option<String>,
}

/// How to mend an unsafe placement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fix {
    pub placement: String,
    pub text: String,
}

/// How the lesson speaks of its invalid stretch (the lines under `with invalid():`), for the
/// timeline: what the stretch means, and optionally a verb for its first write and one for
/// its last ("had debited account[1] and not yet credited account[4]"; without, "updated").
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InvalidWords {
    /// What the stretch means ("money in flight: debited, not yet credited").
    pub words: String,
    /// The verbs of the stretch's first and last writes (`["debited", "credited"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verbs: Vec<String>,
}

/// Step mode: the parameters it uses instead of the lesson's (which may take hundreds of
/// thousands of steps), that setup in words, and the challenges.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Parameters that replace the lesson's in step mode.
    #[serde(default)]
    pub params: Map<String, Value>,
    /// The seed step mode starts from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The setup in words ("2 tellers, 1 transfer each").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<String>,
    /// The challenges: step mode offers the first whose `placements` (if any) lists the
    /// chosen placement.
    #[serde(default)]
    pub challenges: Vec<Challenge>,
}

/// A step-mode challenge: a goal to reach by choosing who moves.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// Its id (`lose-money`).
    pub id: String,
    /// The placements it is offered for (all when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placements: Option<Vec<String>>,
    /// What to do, in a sentence.
    pub goal: String,
    /// When it is won.
    pub won: Won,
    /// Parameters that replace step mode's for it.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub setup: Map<String, Value>,
    /// The seed it starts from, if not step mode's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Its setup in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup_words: Option<String>,
    /// What happened, once won: an f-string's body over the run's final globals (the
    /// report's `view.story`). Without one, the page says it from the report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub story: Option<String>,
}

/// When a challenge is won: the run ends in an outcome, or an invariant is broken.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
pub enum Won {
    /// The run's outcome is this (`deadlock`).
    Outcome(WonOutcome),
    /// The invariant with this id has failed at least once.
    Violated(String),
}

/// The outcomes a challenge can ask for.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WonOutcome {
    /// Every thread waits for another.
    Deadlock,
}
