//! racelab's core: race-condition scenarios, lock strategies, sync primitives, executors and
//! the report they produce.
//!
//! Scenarios are defined once here, with no dependency on the web; the `racelab-web` crate
//! runs them on a pool of Web Workers, the `racelab-cli` crate on OS threads.
//!
//! ```
//! use racelab::{RunConfig, RunControl, OsThreads, Outcome};
//! let config = RunConfig::from_json(
//!     r#"{"scenario": "bank", "strategy": "global", "transfers_per_thread": 100}"#,
//! )?;
//! let report = config.run(&OsThreads, &RunControl::new());
//! assert_eq!(report.outcome, Outcome::Ok);
//! assert_eq!(report.final_state["total"], 44500);
//! # Ok::<(), racelab::ConfigError>(())
//! ```

pub mod catalog;
pub mod config;
pub mod control;
pub mod exec;
pub mod explore;
pub mod limits;
pub mod listing;
pub mod params;
pub mod report;
pub mod scenarios;
pub mod sync;
pub mod trace;

pub use catalog::{Fix, ScenarioInfo, StrategyInfo};
pub use config::{RunConfig, Setup};
pub use control::RunControl;
pub use exec::{OsThreads, Spawn, StepPlan, Threads};
pub use explore::{Example, Exploration, ExploreConfig};
pub use params::ConfigError;
pub use report::{ErrorInfo, ExceptionInfo, Executor, InvariantReport, Outcome, Printed, Report};
pub use scenarios::{catalog, catalog_json};
pub use trace::Trace;
