//! What a search of interleavings hands back: a schedule that breaks the run. The search of
//! a program's interleavings is the language's (`racelab_lang::explore`); this type is the
//! word both its faces (the page, the CLI) read.

use serde::Serialize;

use crate::report::Outcome;

/// A violating schedule: give it as `schedule` (with the same seed) to a stepped run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// The threads to step, in order, up to the step that showed the violation.
    pub schedule: Vec<u8>,
    /// `violated` or `deadlock`.
    pub outcome: Outcome,
}
