//! Where a program's threads come from, and how a stepped run decides who moves.
//!
//! - [`parallel`]: sources of real threads ([`Spawn`]: OS threads natively, Web Workers in
//!   the page), for a program's threads started while the run goes;
//! - [`turns`]: a stepped program's turns, one shared operation at a time, in the order a
//!   [`Scheduler`] chooses ([`scheduler`]: the schedule, the seeded random choice, the
//!   search's);
//! - [`stepped`]: the words a stepped run is told and reports in (a plan, a step's kind, the
//!   log and what each thread will do next).

pub mod parallel;
pub mod scheduler;
pub mod stepped;
pub mod turns;

pub use parallel::{OsThreads, Spawn};
pub use scheduler::{Choice, Scheduler};
pub use stepped::{SharedRow, StepKind, StepPlan, StepReport};
