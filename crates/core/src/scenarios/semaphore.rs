//! Semaphore (lesson 4): ten workers want to book a travel package, three at a time.
//!
//! `workers` threads start together; each makes a booking that takes `booking_ms`. A
//! semaphore of `limit` permits is meant to keep all but `limit` of them waiting. Whether it
//! did is measured, not assumed: each worker counts itself in and out of the booking office
//! on an atomic counter, and the highest count seen is the report's `max_inside`.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::Duration;

use serde_json::json;

use crate::catalog::{ScenarioInfo, StrategyInfo};
use crate::exec::{Ctx, Exec};
use crate::limits::*;
use crate::params::{ParamKind, ParamSpec, Values};
use crate::report::InvariantReport;
use crate::scenarios::finish;
use crate::sync::{Abort, Semaphore};
use crate::{control::RunControl, Report};

/// Scenario id.
pub const ID: &str = "semaphore";

/// The scenario's parameters, with the lesson's defaults.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: Cow::Borrowed("workers"),
        kind: ParamKind::Int {
            min: 1,
            max: MAX_THREADS,
            default: 10,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed(
            "Workers wanting to book, each on its own thread, all starting together.",
        ),
    },
    ParamSpec {
        name: Cow::Borrowed("limit"),
        kind: ParamKind::Int {
            min: 1,
            max: MAX_THREADS,
            default: 3,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Most bookings allowed at once: the semaphore's permits."),
    },
    ParamSpec {
        name: Cow::Borrowed("booking_ms"),
        kind: ParamKind::Int {
            min: 0,
            max: MAX_PRIMITIVE_MS,
            default: 20,
        },
        unit: Cow::Borrowed("ms"),
        help: Cow::Borrowed("How long one booking takes."),
    },
];

/// Whether the semaphore is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `with semaphore:` around the booking.
    Semaphore,
    /// No semaphore: everyone books at once.
    None,
}

impl Strategy {
    /// Every strategy, in the order the page offers them.
    pub const ALL: [Strategy; 2] = [Strategy::None, Strategy::Semaphore];

    /// The strategy's id in configs.
    pub fn id(self) -> &'static str {
        match self {
            Strategy::Semaphore => "semaphore",
            Strategy::None => "none",
        }
    }

    fn info(self) -> StrategyInfo {
        let (title, safe, summary, listing) = match self {
            Strategy::None => (
                "No semaphore",
                false,
                "Nothing holds anyone back: every worker is inside the booking office at \
                 once, far over the limit.",
                LISTING_NONE,
            ),
            Strategy::Semaphore => (
                "Semaphore(limit)",
                true,
                "Each booking holds one of `limit` permits; the others wait for a permit to \
                 come back. Never more than `limit` inside, and the run takes longer.",
                LISTING_SEMAPHORE,
            ),
        };
        StrategyInfo::new(self.id(), title, safe, summary, listing)
    }
}

/// Validated parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Worker threads.
    pub workers: usize,
    /// Permits.
    pub limit: u32,
    /// Time one booking takes.
    pub booking: Duration,
}

impl Params {
    /// Typed parameters from values validated against [`PARAMS`].
    pub fn from_values(v: &Values) -> Self {
        Self {
            workers: v.int("workers") as usize,
            limit: v.int("limit") as u32,
            booking: Duration::from_millis(v.int("booking_ms") as u64),
        }
    }
}

/// The scenario's entry in the catalog.
pub fn info() -> ScenarioInfo {
    ScenarioInfo {
        id: ID,
        title: "Semaphore",
        summary: "Ten workers want to book a travel package; each booking takes a while.",
        guarantee: "A Semaphore(n) lets at most n threads into a block at once; the rest wait \
                    for one to leave.",
        watch: "The high-water mark of workers inside: 3 with the semaphore, all of them \
                without. And the time: the limit makes the others queue.",
        lesson: "Lesson 4: tackling thread safety, Semaphore",
        params: PARAMS,
        strategies: Strategy::ALL.iter().map(|s| s.info()).collect(),
        invariants: vec![(AT_MOST_LIMIT, AT_MOST_LIMIT_TEXT)],
    }
}

const AT_MOST_LIMIT: &str = "at-most-limit-inside";
const AT_MOST_LIMIT_TEXT: &str = "Never more than `limit` workers booking at once";

struct Office {
    semaphore: Semaphore,
    inside: AtomicU64,
    max_inside: AtomicU64,
    over_limit: AtomicU64,
    completed: AtomicU64,
}

impl Office {
    /// One booking, counted in and out so that the crowd inside is measured.
    async fn book(&self, ctx: &Ctx<'_>, p: &Params) -> Result<u32, Abort> {
        let now_inside = self.inside.fetch_add(1, SeqCst) + 1;
        self.max_inside.fetch_max(now_inside, SeqCst);
        let over = now_inside > u64::from(p.limit);
        if over {
            self.over_limit.fetch_add(1, SeqCst);
        }
        let worked = ctx.work(p.booking).await;
        self.inside.fetch_sub(1, SeqCst);
        worked?;
        self.completed.fetch_add(1, SeqCst);
        Ok(u32::from(over))
    }
}

async fn worker(
    ctx: Ctx<'_>,
    office: &Office,
    p: &Params,
    strategy: Strategy,
) -> Result<(), Abort> {
    let broken = match strategy {
        Strategy::None => office.book(&ctx, p).await?,
        Strategy::Semaphore => {
            ctx.at("with semaphore:");
            let _permit = ctx.acquire(&office.semaphore).await?;
            office.book(&ctx, p).await?
        }
    };
    ctx.step_done(broken);
    Ok(())
}

/// Runs the workers on real threads.
pub fn run(p: &Params, strategy: Strategy, exec: Exec<'_>, control: &RunControl) -> Report {
    let office = Office {
        semaphore: Semaphore::new("semaphore", p.limit),
        inside: AtomicU64::new(0),
        max_inside: AtomicU64::new(0),
        over_limit: AtomicU64::new(0),
        completed: AtomicU64::new(0),
    };
    control
        .trace
        .name(&office.semaphore, office.semaphore.name());
    control.begin(p.workers as u64);
    let (end, elapsed) = exec.run(p.workers, control, |ctx| worker(ctx, &office, p, strategy));
    let final_state = json!({
        "max_inside": office.max_inside.load(SeqCst),
        "completed": office.completed.load(SeqCst),
        "limit": p.limit,
    });
    finish(
        ID,
        strategy.id(),
        p.workers,
        elapsed,
        end,
        vec![InvariantReport::new(
            AT_MOST_LIMIT,
            AT_MOST_LIMIT_TEXT,
            office.over_limit.load(SeqCst),
        )],
        final_state,
    )
}

const LISTING_NONE: &str = r#"
  def book(worker):
      print(f"{worker} is booking")
      time.sleep(booking)          # everyone is in here at once
      print(f"{worker} is done")

  for w in range(workers):
      Thread(target=book, args=(w,)).start()
"#;

const LISTING_SEMAPHORE: &str = r#"
+ semaphore = threading.Semaphore(limit)

  def book(worker):
+     with semaphore:              # at most `limit` past this line
          print(f"{worker} is booking")
          time.sleep(booking)
          print(f"{worker} is done")

  for w in range(workers):
      Thread(target=book, args=(w,)).start()
"#;
