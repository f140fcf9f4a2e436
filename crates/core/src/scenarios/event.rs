//! Event (lesson 4): nobody is collected before the flight lands.
//!
//! A flight-status thread waits `landing_ms`, marks the flight landed and sets the
//! `flight_landed` event. A passengers thread waits for the event, then collects the
//! passengers. Whether the flight had landed at pickup is checked at the moment of pickup,
//! from the flag the flight-status thread set, not inferred from timestamps.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::time::Duration;

use serde_json::json;

use crate::catalog::{ScenarioInfo, StrategyInfo};
use crate::exec::{Ctx, Exec};
use crate::limits::*;
use crate::params::{ParamKind, ParamSpec, Values};
use crate::report::InvariantReport;
use crate::scenarios::{finish, Moment};
use crate::sync::{Abort, Event};
use crate::{control::RunControl, Report};

/// Scenario id.
pub const ID: &str = "event";

/// The scenario's parameters.
pub const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: Cow::Borrowed("landing_ms"),
    kind: ParamKind::Int {
        min: 0,
        max: MAX_PRIMITIVE_MS,
        default: 50,
    },
    unit: Cow::Borrowed("ms"),
    help: Cow::Borrowed("When the flight lands, after the start."),
}];

/// Whether the passengers thread waits for the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `flight_landed.wait()` before the pickup.
    Event,
    /// The pickup goes ahead without waiting.
    None,
}

impl Strategy {
    /// Every strategy, in the order the page offers them.
    pub const ALL: [Strategy; 2] = [Strategy::None, Strategy::Event];

    /// The strategy's id in configs.
    pub fn id(self) -> &'static str {
        match self {
            Strategy::Event => "event",
            Strategy::None => "none",
        }
    }

    fn info(self) -> StrategyInfo {
        let (title, safe, summary, listing) = match self {
            Strategy::None => (
                "No wait",
                false,
                "The passengers thread goes straight to the pickup: the bus leaves for \
                 arrivals long before the plane is on the ground.",
                LISTING_NONE,
            ),
            Strategy::Event => (
                "Wait for the event",
                true,
                "The passengers thread sleeps in flight_landed.wait() until the flight-status \
                 thread calls flight_landed.set(): pickup always after landing.",
                LISTING_EVENT,
            ),
        };
        StrategyInfo::new(self.id(), title, safe, summary, listing)
    }
}

/// Validated parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// When the flight lands.
    pub landing: Duration,
}

impl Params {
    /// Typed parameters from values validated against [`PARAMS`].
    pub fn from_values(v: &Values) -> Self {
        Self {
            landing: Duration::from_millis(v.int("landing_ms") as u64),
        }
    }

    /// The passengers thread and the flight-status thread.
    pub fn threads(&self) -> usize {
        2
    }
}

/// The scenario's entry in the catalog.
pub fn info() -> ScenarioInfo {
    ScenarioInfo {
        id: ID,
        title: "Event",
        summary: "A passengers thread must not collect anyone before the flight-status thread \
                  says the flight has landed.",
        guarantee: "Event.wait() returns only once another thread has called set(): one \
                    thread can hold others back until something has happened.",
        watch: "The pickup time against the landing time: before it without the event, \
                after it with the event.",
        lesson: "Lesson 4: tackling thread safety, Event",
        params: PARAMS,
        strategies: Strategy::ALL.iter().map(|s| s.info()).collect(),
        invariants: vec![(NO_EARLY_PICKUP, NO_EARLY_PICKUP_TEXT)],
    }
}

const NO_EARLY_PICKUP: &str = "no-pickup-before-landing";
const NO_EARLY_PICKUP_TEXT: &str = "Nobody is collected before the flight has landed";

const PASSENGERS: usize = 0;

struct Airport {
    flight_landed: Event,
    landed: AtomicBool,
    landed_at: Moment,
    pickup_at: Moment,
    early_pickups: AtomicU64,
}

async fn thread(
    ctx: Ctx<'_>,
    airport: &Airport,
    p: &Params,
    strategy: Strategy,
) -> Result<(), Abort> {
    if ctx.thread() == PASSENGERS {
        if strategy == Strategy::Event {
            ctx.at("flight_landed.wait()");
            ctx.wait_event(&airport.flight_landed).await?;
        }
        airport.pickup_at.record(ctx.now_ms());
        let early = !airport.landed.load(SeqCst);
        if early {
            airport.early_pickups.fetch_add(1, SeqCst);
        }
        ctx.step_done(u32::from(early));
    } else {
        ctx.work_until(p.landing).await?;
        airport.landed.store(true, SeqCst);
        airport.landed_at.record(ctx.now_ms());
        // Without the event nobody is told: the landing is all the listing shows.
        ctx.at(match strategy {
            Strategy::None => "print(\"flight landed\")",
            Strategy::Event => "flight_landed.set()",
        });
        ctx.set_event(&airport.flight_landed).await;
        ctx.step_done(0);
    }
    Ok(())
}

/// Runs the two threads.
pub fn run(p: &Params, strategy: Strategy, exec: Exec<'_>, control: &RunControl) -> Report {
    let airport = Airport {
        flight_landed: Event::new("flight_landed"),
        landed: AtomicBool::new(false),
        landed_at: Moment::new(),
        pickup_at: Moment::new(),
        early_pickups: AtomicU64::new(0),
    };
    control
        .trace
        .name(&airport.flight_landed, airport.flight_landed.name());
    control.begin(2);
    let (end, elapsed) = exec.run(p.threads(), control, |ctx| {
        thread(ctx, &airport, p, strategy)
    });
    let final_state = json!({
        "landed_at_ms": airport.landed_at.get(),
        "pickup_at_ms": airport.pickup_at.get(),
    });
    finish(
        ID,
        strategy.id(),
        p.threads(),
        elapsed,
        end,
        vec![InvariantReport::new(
            NO_EARLY_PICKUP,
            NO_EARLY_PICKUP_TEXT,
            airport.early_pickups.load(SeqCst),
        )],
        final_state,
    )
}

const LISTING_NONE: &str = r#"
  def flight_status():
      time.sleep(landing)
      print("flight landed")

  def passengers():
      print("collecting passengers")   # nobody checked whether it landed

  Thread(target=flight_status).start()
  Thread(target=passengers).start()
"#;

const LISTING_EVENT: &str = r#"
+ flight_landed = threading.Event()

  def flight_status():
      time.sleep(landing)
      print("flight landed")
+     flight_landed.set()

  def passengers():
+     flight_landed.wait()             # sleeps until set()
      print("collecting passengers")

  Thread(target=flight_status).start()
  Thread(target=passengers).start()
"#;
