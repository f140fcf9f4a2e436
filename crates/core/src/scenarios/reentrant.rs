//! Lock vs RLock (lesson 4): a function that holds a lock calls another that takes it too.
//!
//! Each of `threads` threads makes `calls` calls of `update()`, which takes the lock and, to
//! log the change, calls `log()`, which takes the same lock again. A plain `Lock` cannot be
//! taken twice: the thread waits for itself forever. racelab's lock knows its owner, so it
//! reports that at once as a one-thread deadlock instead of hanging. An `RLock` counts how
//! deep its holder is in and lets it through.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde_json::json;

use crate::catalog::{ScenarioInfo, StrategyInfo};
use crate::exec::{Ctx, Exec, SharedInt};
use crate::limits::*;
use crate::params::{ParamKind, ParamSpec, Values};
use crate::report::InvariantReport;
use crate::scenarios::finish;
use crate::sync::{Abort, Lock, LockKind};
use crate::{control::RunControl, Report};

/// Scenario id.
pub const ID: &str = "reentrant";

/// The scenario's parameters.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: Cow::Borrowed("threads"),
        kind: ParamKind::Int {
            min: 1,
            max: MAX_THREADS,
            default: 1,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Threads calling update() at once."),
    },
    ParamSpec {
        name: Cow::Borrowed("calls"),
        kind: ParamKind::Int {
            min: 1,
            max: MAX_CALLS,
            default: 100,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Calls of update() each thread makes."),
    },
];

/// Which kind of lock `update()` and `log()` share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `threading.Lock`: not reentrant.
    Lock,
    /// `threading.RLock`: reentrant.
    RLock,
}

impl Strategy {
    /// Every strategy, in the order the page offers them.
    pub const ALL: [Strategy; 2] = [Strategy::Lock, Strategy::RLock];

    /// The strategy's id in configs.
    pub fn id(self) -> &'static str {
        match self {
            Strategy::Lock => "lock",
            Strategy::RLock => "rlock",
        }
    }

    fn kind(self) -> LockKind {
        match self {
            Strategy::Lock => LockKind::Plain,
            Strategy::RLock => LockKind::Reentrant,
        }
    }

    fn info(self) -> StrategyInfo {
        let (title, safe, summary, listing) = match self {
            Strategy::Lock => (
                "Lock",
                false,
                "update() holds the lock when it calls log(), and log() asks for it again. \
                 A plain Lock does not know who holds it: the thread waits for itself, \
                 forever. racelab spots the one-thread cycle at once and stops the run.",
                LISTING_LOCK,
            ),
            Strategy::RLock => (
                "RLock",
                true,
                "An RLock remembers its owner and how many times it was taken: the holder \
                 may take it again, and it is free after as many releases. Every call \
                 completes.",
                LISTING_RLOCK,
            ),
        };
        StrategyInfo::new(self.id(), title, safe, summary, listing)
    }
}

/// Validated parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Threads calling `update()`.
    pub threads: usize,
    /// Calls each thread makes.
    pub calls: u64,
}

impl Params {
    /// Typed parameters from values validated against [`PARAMS`].
    pub fn from_values(v: &Values) -> Self {
        Self {
            threads: v.int("threads") as usize,
            calls: v.int("calls") as u64,
        }
    }
}

/// The scenario's entry in the catalog.
pub fn info() -> ScenarioInfo {
    ScenarioInfo {
        id: ID,
        title: "Lock vs RLock",
        summary: "update() takes the lock and calls log(), which takes the same lock again.",
        guarantee: "An RLock may be taken again by the thread that holds it; a plain Lock \
                    may not, even by its own holder.",
        watch: "With a plain Lock the thread deadlocks on itself at the first call: the \
                report names the thread and the lock it waits for while holding it.",
        lesson: "Lesson 4: tackling thread safety, Lock vs RLock",
        params: PARAMS,
        strategies: Strategy::ALL.iter().map(|s| s.info()).collect(),
        invariants: vec![(CALLS_COMPLETE, CALLS_COMPLETE_TEXT)],
    }
}

const CALLS_COMPLETE: &str = "every-call-completes";
const CALLS_COMPLETE_TEXT: &str = "Every call of update() returns";

async fn caller(
    ctx: Ctx<'_>,
    lock: &Lock,
    log: &SharedInt,
    calls: u64,
    done: &AtomicU64,
) -> Result<(), Abort> {
    for _ in 0..calls {
        ctx.check_cancel()?;
        // update():
        ctx.at("# first take");
        let _outer = ctx.lock(lock).await?;
        // log(), called with the lock held:
        {
            ctx.at("# held by");
            let _inner = ctx.lock(lock).await?;
            ctx.at("log.append(entry)");
            let n = ctx.load(log).await;
            ctx.store(log, n + 1).await;
        }
        done.fetch_add(1, Relaxed);
        ctx.step_done(0);
    }
    Ok(())
}

/// Runs the callers on real threads.
pub fn run(p: &Params, strategy: Strategy, exec: Exec<'_>, control: &RunControl) -> Report {
    let lock = Lock::new("lock", strategy.kind());
    let log = SharedInt::new(0);
    let done = AtomicU64::new(0);
    let total = p.threads as u64 * p.calls;
    control.trace.name(&lock, lock.name());
    control.trace.name(&log, "log");
    control.begin(total);
    let (end, elapsed) = exec.run(p.threads, control, |ctx| {
        caller(ctx, &lock, &log, p.calls, &done)
    });
    let completed = done.load(Relaxed);
    let final_state = json!({
        "completed_calls": completed,
        "log_entries": log.snapshot(),
    });
    finish(
        ID,
        strategy.id(),
        p.threads,
        elapsed,
        end,
        vec![InvariantReport::new(
            CALLS_COMPLETE,
            CALLS_COMPLETE_TEXT,
            total - completed,
        )],
        final_state,
    )
}

const LISTING_LOCK: &str = r#"
+ lock = threading.Lock()
  log = []

  def log_change(entry):
+     with lock:           # held by update() already: waits for itself
          log.append(entry)

  def update():
+     with lock:           # first take: the lock is free
          log_change("updated")

  for _ in range(calls):
      update()
"#;

const LISTING_RLOCK: &str = r#"
+ lock = threading.RLock()
  log = []

  def log_change(entry):
+     with lock:           # held by this thread: taken again, depth 2
          log.append(entry)

  def update():
+     with lock:           # first take: the lock is free
          log_change("updated")

  for _ in range(calls):
      update()
"#;
