//! What a scenario's catalog entry holds: its strategies, parameters and invariants, as the
//! page builds its controls from them and the CLI prints them for `racelab list`. The
//! entries themselves come from the scenarios ([`crate::scenarios::catalog`]), which name
//! these types; this module names no scenario.

use serde::Serialize;

use crate::listing::ListingLine;
use crate::params::ParamSpec;

/// One lock placement of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct StrategyInfo {
    /// Id used in configs.
    pub id: &'static str,
    /// Short title for the toggle.
    pub title: &'static str,
    /// Whether this placement keeps every invariant.
    pub safe: bool,
    /// What it does and what to watch for, in a sentence or two.
    pub summary: &'static str,
    /// The Python-style listing with this strategy's locks in place.
    pub listing: Vec<ListingLine>,
    /// For a strategy that deadlocks: the strategy that fixes it, and how.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

/// How to mend a strategy that deadlocks.
#[derive(Debug, Clone, Serialize)]
pub struct Fix {
    /// The strategy (of the same scenario) that does it right.
    pub strategy: &'static str,
    /// What it changes, in a sentence or two.
    pub text: &'static str,
}

impl StrategyInfo {
    /// A strategy's entry, its listing written with the markers of [`crate::listing::parse`].
    pub fn new(
        id: &'static str,
        title: &'static str,
        safe: bool,
        summary: &'static str,
        marked_listing: &'static str,
    ) -> Self {
        Self {
            id,
            title,
            safe,
            summary,
            listing: crate::listing::parse(marked_listing),
            fix: None,
        }
    }

    /// The same entry, naming `strategy` as the fix of its deadlock, which `text` explains.
    pub fn fixed_by(self, strategy: &'static str, text: &'static str) -> Self {
        Self {
            fix: Some(Fix { strategy, text }),
            ..self
        }
    }
}

/// A scenario as the page and the CLI present it.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioInfo {
    /// Id used in configs.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// What happens in it.
    pub summary: &'static str,
    /// What the safe strategy's primitive guarantees, in a sentence or two.
    pub guarantee: &'static str,
    /// What the learner should watch for when switching strategies.
    pub watch: &'static str,
    /// The lesson it comes from.
    pub lesson: &'static str,
    /// Its parameters with ranges and defaults.
    pub params: &'static [ParamSpec],
    /// Its strategies, unsafe first.
    pub strategies: Vec<StrategyInfo>,
    /// `(id, text)` of each invariant it checks.
    pub invariants: Vec<(&'static str, &'static str)>,
}
