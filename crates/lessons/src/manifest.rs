//! The shape of `lesson.json`, as its author writes it. Unknown fields are refused, so that a
//! misspelt key is an error naming it rather than a setting silently ignored.

use serde::Deserialize;

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
}

/// How to mend an unsafe placement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fix {
    pub placement: String,
    pub text: String,
}
