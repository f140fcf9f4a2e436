//! racelab's core: what a run of real threads needs beneath the language that runs the
//! lessons' programs (`racelab-lang`): racelab's own owner-aware primitives with their
//! wait-for graph ([`sync`]), a run's control block ([`control`]), the sources of threads and
//! a stepped run's turns and schedulers ([`exec`]), traces and their analysis ([`trace`]),
//! the settings every config shares ([`config`], [`params`], [`limits`]) and the report
//! every run ends in ([`report`]). It knows no lesson and no program.

pub mod config;
pub mod control;
pub mod exec;
pub mod explore;
pub mod limits;
pub mod params;
pub mod report;
pub mod sync;
pub mod trace;

pub use control::RunControl;
pub use exec::{OsThreads, Spawn, StepPlan};
pub use explore::Example;
pub use params::ConfigError;
pub use report::{ErrorInfo, ExceptionInfo, Executor, InvariantReport, Outcome, Printed, Report};
pub use trace::Trace;
