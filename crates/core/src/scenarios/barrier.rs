//! Barrier (lesson 4): the tour starts only when every traveller and the guide are ready.
//!
//! `travellers` threads get ready after random delays of 1 to `max_ready_ms` (from the
//! seed); the guide is ready at once. Each party counts itself ready, then waits at the
//! barrier and starts the tour. At the start each party checks, from the ready count, that
//! every party really was ready.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::Duration;

use serde_json::json;

use crate::catalog::{ScenarioInfo, StrategyInfo};
use crate::exec::{Ctx, Exec};
use crate::limits::*;
use crate::params::{ParamKind, ParamSpec, Values};
use crate::report::InvariantReport;
use crate::scenarios::{finish, thread_rng, Moment};
use crate::sync::{Abort, Barrier};
use crate::{control::RunControl, Report};

/// Scenario id.
pub const ID: &str = "barrier";

/// The scenario's parameters, with the lesson's defaults.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: Cow::Borrowed("travellers"),
        kind: ParamKind::Int {
            min: 1,
            // Plus the guide: every party needs a thread of its own to wait on.
            max: MAX_THREADS - 1,
            default: 4,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Travellers, each on its own thread; the guide takes one more."),
    },
    ParamSpec {
        name: Cow::Borrowed("max_ready_ms"),
        kind: ParamKind::Int {
            min: 1,
            max: MAX_PRIMITIVE_MS,
            default: 50,
        },
        unit: Cow::Borrowed("ms"),
        help: Cow::Borrowed("Each traveller is ready after a random 1 ms to this."),
    },
];

/// Whether the parties meet at a barrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `barrier.wait()` before the start.
    Barrier,
    /// Everyone starts as soon as they are ready.
    None,
}

impl Strategy {
    /// Every strategy, in the order the page offers them.
    pub const ALL: [Strategy; 2] = [Strategy::None, Strategy::Barrier];

    /// The strategy's id in configs.
    pub fn id(self) -> &'static str {
        match self {
            Strategy::Barrier => "barrier",
            Strategy::None => "none",
        }
    }

    fn info(self) -> StrategyInfo {
        let (title, safe, summary, listing) = match self {
            Strategy::None => (
                "No barrier",
                false,
                "Each party sets off the moment it is ready: the guide leaves at once and \
                 the travellers trickle after, the tour never together.",
                LISTING_NONE,
            ),
            Strategy::Barrier => (
                "Barrier(travellers + 1)",
                true,
                "Each party waits at the barrier; it opens when the last one arrives, and \
                 all start together, after the slowest traveller is ready.",
                LISTING_BARRIER,
            ),
        };
        StrategyInfo::new(self.id(), title, safe, summary, listing)
    }
}

/// Validated parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Traveller threads (the guide is one more).
    pub travellers: usize,
    /// Longest time a traveller takes to get ready.
    pub max_ready: Duration,
}

impl Params {
    /// Typed parameters from values validated against [`PARAMS`].
    pub fn from_values(v: &Values) -> Self {
        Self {
            travellers: v.int("travellers") as usize,
            max_ready: Duration::from_millis(v.int("max_ready_ms") as u64),
        }
    }

    /// Every party: the travellers and the guide.
    pub fn threads(&self) -> usize {
        self.travellers + 1
    }
}

/// The scenario's entry in the catalog.
pub fn info() -> ScenarioInfo {
    ScenarioInfo {
        id: ID,
        title: "Barrier",
        summary: "Four travellers get ready at their own pace; with the guide, five parties \
                  must all be there before the tour starts.",
        guarantee: "Barrier(n).wait() returns only when n threads have called it: nobody goes \
                    on until everybody has arrived.",
        watch: "Start times against ready times: without the barrier the guide starts before \
                anyone is ready; with it, every start is after the last ready.",
        lesson: "Lesson 4: tackling thread safety, Barrier",
        params: PARAMS,
        strategies: Strategy::ALL.iter().map(|s| s.info()).collect(),
        invariants: vec![(STARTS_AFTER_ALL, STARTS_AFTER_ALL_TEXT)],
    }
}

const STARTS_AFTER_ALL: &str = "tour-starts-after-all-ready";
const STARTS_AFTER_ALL_TEXT: &str = "Nobody starts the tour before every party is ready";

struct Tour {
    barrier: Barrier,
    ready: AtomicU64,
    parties: u64,
    early_starts: AtomicU64,
    ready_at: Vec<Moment>,
    start_at: Vec<Moment>,
}

/// Thread 0 is the guide; threads 1 and up are the travellers.
async fn party(
    ctx: Ctx<'_>,
    tour: &Tour,
    p: &Params,
    strategy: Strategy,
    seed: u64,
) -> Result<(), Abort> {
    let me = ctx.thread();
    if me > 0 {
        let mut rng = thread_rng(seed, me);
        let delay = rng.u64(1_000..=p.max_ready.as_micros() as u64);
        ctx.work(Duration::from_micros(delay)).await?;
    }
    tour.ready_at[me].record(ctx.now_ms());
    tour.ready.fetch_add(1, SeqCst);
    if strategy == Strategy::Barrier {
        ctx.at(if me == 0 {
            "def guide > barrier.wait()"
        } else {
            "def traveller > barrier.wait()"
        });
        ctx.wait_barrier(&tour.barrier).await?;
    }
    tour.start_at[me].record(ctx.now_ms());
    let early = tour.ready.load(SeqCst) < tour.parties;
    if early {
        tour.early_starts.fetch_add(1, SeqCst);
    }
    ctx.step_done(u32::from(early));
    Ok(())
}

/// Runs the guide and the travellers on real threads.
pub fn run(
    p: &Params,
    strategy: Strategy,
    seed: u64,
    exec: Exec<'_>,
    control: &RunControl,
) -> Report {
    let parties = p.threads();
    let tour = Tour {
        barrier: Barrier::new("barrier", parties as u32),
        ready: AtomicU64::new(0),
        parties: parties as u64,
        early_starts: AtomicU64::new(0),
        ready_at: (0..parties).map(|_| Moment::new()).collect(),
        start_at: (0..parties).map(|_| Moment::new()).collect(),
    };
    control.trace.name(&tour.barrier, tour.barrier.name());
    control.begin(parties as u64);
    let (end, elapsed) = exec.run(parties, control, |ctx| party(ctx, &tour, p, strategy, seed));
    let times = |m: &[Moment]| m.iter().map(Moment::get).collect::<Vec<_>>();
    let names: Vec<String> = std::iter::once("guide".to_string())
        .chain((1..=p.travellers).map(|i| format!("traveller {i}")))
        .collect();
    let final_state = json!({
        "parties": names,
        "ready_at_ms": times(&tour.ready_at),
        "start_at_ms": times(&tour.start_at),
    });
    finish(
        ID,
        strategy.id(),
        parties,
        elapsed,
        end,
        vec![InvariantReport::new(
            STARTS_AFTER_ALL,
            STARTS_AFTER_ALL_TEXT,
            tour.early_starts.load(SeqCst),
        )],
        final_state,
    )
}

const LISTING_NONE: &str = r#"
  def guide():
      print("guide ready")
      print("tour starts")             # maybe alone

  def traveller(name):
      time.sleep(random.uniform(0.001, max_ready))
      print(f"{name} ready")
      print("tour starts")

  Thread(target=guide).start()
  for i in range(travellers):
      Thread(target=traveller, args=(i,)).start()
"#;

const LISTING_BARRIER: &str = r#"
+ barrier = threading.Barrier(travellers + 1)

  def guide():
      print("guide ready")
+     barrier.wait()                   # until all have arrived
      print("tour starts")

  def traveller(name):
      time.sleep(random.uniform(0.001, max_ready))
      print(f"{name} ready")
+     barrier.wait()
      print("tour starts")

  Thread(target=guide).start()
  for i in range(travellers):
      Thread(target=traveller, args=(i,)).start()
"#;
