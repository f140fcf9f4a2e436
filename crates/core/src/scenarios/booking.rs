//! Seat booking (lesson 4): booking attempts on a pool of threads race for the last seats.
//!
//! `attempts` bookings are handed out to `threads` worker threads. Each checks that a seat is
//! left, processes the booking for `processing_ms`, then takes the seat. Unlocked, a worker
//! that finished early checks again while the others are still processing: the seats they
//! are about to take still look free, and the show is overbooked.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use serde_json::json;

use crate::catalog::{ScenarioInfo, StrategyInfo};
use crate::exec::{Ctx, Exec, SharedInt};
use crate::limits::*;
use crate::params::{ParamKind, ParamSpec, Values};
use crate::report::InvariantReport;
use crate::sync::{Abort, Lock, LockKind};
use crate::{control::RunControl, scenarios::finish, Report};

/// Scenario id.
pub const ID: &str = "booking";

/// The booking's parameters, with the lesson's defaults.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: Cow::Borrowed("seats"),
        kind: ParamKind::Int {
            min: 0,
            max: MAX_SEATS,
            default: 10,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Seats for sale."),
    },
    ParamSpec {
        name: Cow::Borrowed("attempts"),
        kind: ParamKind::Int {
            min: 1,
            max: MAX_ATTEMPTS,
            default: 15,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Booking attempts handed to the worker threads."),
    },
    ParamSpec {
        name: Cow::Borrowed("threads"),
        kind: ParamKind::Int {
            min: 1,
            max: MAX_THREADS,
            default: 10,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Worker threads in the pool that serves the attempts."),
    },
    ParamSpec {
        name: Cow::Borrowed("processing_ms"),
        kind: ParamKind::Int {
            min: 0,
            max: MAX_PROCESSING_MS,
            default: 100,
        },
        unit: Cow::Borrowed("ms"),
        help: Cow::Borrowed("Processing time between the seat check and taking the seat."),
    },
];

/// Where the lock goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// No lock.
    None,
    /// One lock around the check, the processing and the decrement.
    Lock,
    /// The lock covers only the decrement; the check is outside it.
    LockUpdateOnly,
}

impl Strategy {
    /// Every strategy, in the order the page offers them.
    pub const ALL: [Strategy; 3] = [Strategy::None, Strategy::Lock, Strategy::LockUpdateOnly];

    /// The strategy's id in configs.
    pub fn id(self) -> &'static str {
        match self {
            Strategy::None => "none",
            Strategy::Lock => "lock",
            Strategy::LockUpdateOnly => "lock-update-only",
        }
    }

    fn info(self) -> StrategyInfo {
        let (title, safe, summary, listing) = match self {
            Strategy::None => (
                "No lock",
                false,
                "Every worker checks, processes, then takes a seat. Seats that others are \
                 still processing look free, so more bookings are confirmed than there are \
                 seats, and two decrements at once can even lose one.",
                LISTING_NONE,
            ),
            Strategy::Lock => (
                "Lock check and update",
                true,
                "The check and the decrement happen under one lock: exactly as many \
                 bookings as seats, the rest refused. Bookings now run one at a time.",
                LISTING_LOCK,
            ),
            Strategy::LockUpdateOnly => (
                "Lock the update only",
                false,
                "The decrement is locked, so no update is lost, but the check is not: \
                 check-then-act still lets the seat count go below zero.",
                LISTING_UPDATE_ONLY,
            ),
        };
        StrategyInfo::new(self.id(), title, safe, summary, listing)
    }
}

/// Validated booking parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Seats for sale.
    pub seats: i64,
    /// Booking attempts.
    pub attempts: u64,
    /// Worker threads.
    pub threads: usize,
    /// Processing time per booking.
    pub processing: Duration,
}

impl Params {
    /// Typed parameters from values validated against [`PARAMS`].
    pub fn from_values(v: &Values) -> Self {
        Self {
            seats: v.int("seats"),
            attempts: v.int("attempts") as u64,
            threads: v.int("threads") as usize,
            processing: Duration::from_millis(v.int("processing_ms") as u64),
        }
    }
}

/// The scenario's entry in the catalog.
pub fn info() -> ScenarioInfo {
    ScenarioInfo {
        id: ID,
        title: "Seat booking",
        summary: "Booking attempts on a pool of worker threads race for the last seats. \
                  Checking for a free seat and taking it must happen as one step.",
        guarantee: "A lock around the check and the update makes check-then-act one step: \
                    no seat can be sold twice.",
        watch: "Confirmed bookings against seats: more than ten without the lock, and still \
                a negative count when only the update is locked.",
        lesson: "Lesson 4: tackling thread safety, the booking app",
        params: PARAMS,
        strategies: Strategy::ALL.iter().map(|s| s.info()).collect(),
        invariants: vec![
            (NO_OVERBOOKING, OVERBOOKING_TEXT),
            (NON_NEGATIVE, NON_NEGATIVE_TEXT),
        ],
    }
}

const NO_OVERBOOKING: &str = "no-overbooking";
const OVERBOOKING_TEXT: &str = "No more bookings are confirmed than there are seats";
const NON_NEGATIVE: &str = "seats-non-negative";
const NON_NEGATIVE_TEXT: &str = "The number of seats left never goes below zero";

struct Show {
    seats: SharedInt,
    capacity: i64,
    lock: Lock,
    next_attempt: SharedInt,
    attempts: u64,
    confirmed: AtomicU64,
    refused: AtomicU64,
    overbooked: AtomicU64,
    went_negative: AtomicU64,
}

impl Show {
    /// Takes the seat: `seats -= 1`, a read and a write that another thread can come between.
    /// The seat looked free since the check: the invalid stretch ends with the update.
    async fn take_seat(&self, ctx: &Ctx<'_>) -> u32 {
        ctx.at("seats -= 1");
        let left = ctx.load(&self.seats).await - 1;
        ctx.store(&self.seats, left).await;
        ctx.invalid_end();
        let mut broken = 0;
        ctx.check(NON_NEGATIVE, left, left >= 0);
        if left < 0 {
            self.went_negative.fetch_add(1, Relaxed);
            broken += 1;
        }
        let confirmed = self.confirmed.fetch_add(1, Relaxed) as i64 + 1;
        ctx.check(NO_OVERBOOKING, confirmed, confirmed <= self.capacity);
        if confirmed > self.capacity {
            self.overbooked.fetch_add(1, Relaxed);
            broken += 1;
        }
        broken
    }

    /// `if seats > 0: process(); seats -= 1`, returning the invariants this attempt broke.
    async fn book(&self, ctx: &Ctx<'_>, processing: Duration) -> Result<u32, Abort> {
        ctx.at("if seats > 0");
        if ctx.load(&self.seats).await <= 0 {
            self.refused.fetch_add(1, Relaxed);
            return Ok(0);
        }
        // From the check to the update the seat looks free to everyone.
        ctx.invalid_begin();
        ctx.work(processing).await?;
        Ok(self.take_seat(ctx).await)
    }
}

async fn worker(ctx: Ctx<'_>, show: &Show, p: &Params, strategy: Strategy) -> Result<(), Abort> {
    // The pool's queue: each worker takes the next attempt until none are left.
    loop {
        ctx.at("pool.map(");
        if ctx.take_ticket(&show.next_attempt).await >= show.attempts as i64 {
            break;
        }
        ctx.check_cancel()?;
        let broken = match strategy {
            Strategy::None => show.book(&ctx, p.processing).await?,
            Strategy::Lock => {
                ctx.at("with seats_lock:");
                let _lock = ctx.lock(&show.lock).await?;
                show.book(&ctx, p.processing).await?
            }
            Strategy::LockUpdateOnly => {
                ctx.at("if seats > 0");
                if ctx.load(&show.seats).await <= 0 {
                    show.refused.fetch_add(1, Relaxed);
                    0
                } else {
                    ctx.invalid_begin();
                    ctx.work(p.processing).await?;
                    ctx.at("with seats_lock:");
                    let _lock = ctx.lock(&show.lock).await?;
                    show.take_seat(&ctx).await
                }
            }
        };
        ctx.step_done(broken);
    }
    Ok(())
}

/// Runs the booking on real threads.
pub fn run(p: &Params, strategy: Strategy, exec: Exec<'_>, control: &RunControl) -> Report {
    let show = Show {
        seats: SharedInt::new(p.seats),
        capacity: p.seats,
        lock: Lock::new("seats_lock", LockKind::Plain),
        next_attempt: SharedInt::new(0),
        attempts: p.attempts,
        confirmed: AtomicU64::new(0),
        refused: AtomicU64::new(0),
        overbooked: AtomicU64::new(0),
        went_negative: AtomicU64::new(0),
    };
    control.trace.name(&show.seats, "seats");
    control.trace.name(&show.lock, show.lock.name());
    control.trace.name(&show.next_attempt, "pool.queue");
    control.begin(p.attempts);
    let (end, elapsed) = exec.run(p.threads, control, |ctx| worker(ctx, &show, p, strategy));

    let invariants = vec![
        InvariantReport::new(
            NO_OVERBOOKING,
            OVERBOOKING_TEXT,
            show.overbooked.load(Relaxed),
        ),
        InvariantReport::new(
            NON_NEGATIVE,
            NON_NEGATIVE_TEXT,
            show.went_negative.load(Relaxed),
        ),
    ];
    let final_state = json!({
        "confirmed": show.confirmed.load(Relaxed),
        "refused": show.refused.load(Relaxed),
        "seats_left": show.seats.snapshot(),
    });
    finish(
        ID,
        strategy.id(),
        p.threads,
        elapsed,
        end,
        invariants,
        final_state,
    )
}

const LISTING_NONE: &str = r#"
  seats = 10

  def book(customer):
      global seats
      if seats > 0:
!         time.sleep(processing)   # the seat still looks free
!         seats -= 1
          return "confirmed"
      return "refused"

  with ThreadPoolExecutor(max_workers=threads) as pool:
      results = list(pool.map(book, range(attempts)))
"#;

const LISTING_LOCK: &str = r#"
  seats = 10
+ seats_lock = threading.Lock()

  def book(customer):
      global seats
+     with seats_lock:
          if seats > 0:
!             time.sleep(processing)
!             seats -= 1
              return "confirmed"
          return "refused"

  with ThreadPoolExecutor(max_workers=threads) as pool:
      results = list(pool.map(book, range(attempts)))
"#;

const LISTING_UPDATE_ONLY: &str = r#"
  seats = 10
+ seats_lock = threading.Lock()

  def book(customer):
      global seats
      if seats > 0:                # checked outside the lock
!         time.sleep(processing)
+         with seats_lock:
!             seats -= 1
          return "confirmed"
      return "refused"

  with ThreadPoolExecutor(max_workers=threads) as pool:
      results = list(pool.map(book, range(attempts)))
"#;
