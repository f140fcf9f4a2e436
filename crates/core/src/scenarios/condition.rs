//! Condition (lesson 4): one travel agent serves a queue of customers who arrive over time.
//!
//! Thread 0 is the agent; threads 1 and up are `customers`, arriving in the talk's pattern
//! (gaps of 1, 1, 0, 1, 0 units of `unit_ms`, repeated), so some arrive together. A customer
//! joins the queue by reading its tail, writing their name there (`write_ms`), and moving
//! the tail on; the agent takes customers from the head and serves each for `serve_ms`.
//! The agent stops once every customer has arrived and the queue is empty, so every run ends.
//!
//! What the agent served is checked against what the customers did: served in the order
//! they joined (`fifo-served`), and each exactly once, nobody lost or served twice
//! (`served-once`).

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::json;

use crate::catalog::{ScenarioInfo, StrategyInfo};
use crate::exec::{Ctx, Exec, SharedInt};
use crate::limits::*;
use crate::params::{ParamKind, ParamSpec, Values};
use crate::report::InvariantReport;
use crate::scenarios::finish;
use crate::sync::{Abort, Condition, Lock, LockKind};
use crate::{control::RunControl, Report};

/// Scenario id.
pub const ID: &str = "condition";

/// Gaps between arrivals, in units, as in the talk; repeated for more customers.
pub const ARRIVAL_GAPS: [u64; 5] = [1, 1, 0, 1, 0];

/// The scenario's parameters, with small defaults.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: Cow::Borrowed("customers"),
        kind: ParamKind::Int {
            min: 1,
            // Plus the agent: every customer needs a thread of its own to arrive on.
            max: MAX_THREADS - 1,
            default: 5,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Customers, each on its own thread; the agent takes one more."),
    },
    ParamSpec {
        name: Cow::Borrowed("unit_ms"),
        kind: ParamKind::Int {
            min: 1,
            max: MAX_PRIMITIVE_MS,
            default: 20,
        },
        unit: Cow::Borrowed("ms"),
        help: Cow::Borrowed("One unit of the arrival pattern 1, 1, 0, 1, 0 (the talk's seconds)."),
    },
    ParamSpec {
        name: Cow::Borrowed("write_ms"),
        kind: ParamKind::Int {
            min: 0,
            max: MAX_PRIMITIVE_MS,
            default: 2,
        },
        unit: Cow::Borrowed("ms"),
        help: Cow::Borrowed("How long a customer takes to write their name in the queue."),
    },
    ParamSpec {
        name: Cow::Borrowed("serve_ms"),
        kind: ParamKind::Int {
            min: 0,
            max: MAX_PRIMITIVE_MS,
            default: 5,
        },
        unit: Cow::Borrowed("ms"),
        help: Cow::Borrowed("How long the agent takes to serve one customer."),
    },
];

/// How the agent finds out there is someone to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// No lock on the queue; the agent polls it.
    None,
    /// A lock on the queue; the agent polls it under the lock, over and over.
    BusyWait,
    /// A condition: the agent sleeps in `wait()` until a customer notifies.
    Condition,
}

impl Strategy {
    /// Every strategy, in the order the page offers them.
    pub const ALL: [Strategy; 3] = [Strategy::None, Strategy::BusyWait, Strategy::Condition];

    /// The strategy's id in configs.
    pub fn id(self) -> &'static str {
        match self {
            Strategy::None => "none",
            Strategy::BusyWait => "busy-wait",
            Strategy::Condition => "condition",
        }
    }

    fn info(self) -> StrategyInfo {
        let (title, safe, summary, listing) = match self {
            Strategy::None => (
                "No lock",
                false,
                "Customers who arrive together read the same free place and write their \
                 names over each other: one of them is never served.",
                LISTING_NONE,
            ),
            Strategy::BusyWait => (
                "Lock and busy-wait",
                true,
                "The queue is locked, so nobody is lost, but the agent checks it again and \
                 again while it is empty: correct, and a core burnt on empty polls.",
                LISTING_BUSY_WAIT,
            ),
            Strategy::Condition => (
                "Condition",
                true,
                "Customers join under the condition's lock and notify; the agent sleeps in \
                 wait() while the queue is empty. Correct, in order, and no spinning.",
                LISTING_CONDITION,
            ),
        };
        StrategyInfo::new(self.id(), title, safe, summary, listing)
    }
}

/// Validated parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Customer threads (the agent is one more).
    pub customers: usize,
    /// One unit of the arrival pattern.
    pub unit: Duration,
    /// Time to write a name into the queue.
    pub write: Duration,
    /// Time to serve one customer.
    pub serve: Duration,
}

impl Params {
    /// Typed parameters from values validated against [`PARAMS`].
    pub fn from_values(v: &Values) -> Self {
        Self {
            customers: v.int("customers") as usize,
            unit: Duration::from_millis(v.int("unit_ms") as u64),
            write: Duration::from_millis(v.int("write_ms") as u64),
            serve: Duration::from_millis(v.int("serve_ms") as u64),
        }
    }

    /// The agent and every customer.
    pub fn threads(&self) -> usize {
        self.customers + 1
    }

    /// When customer `i` (from 0) arrives, after the start.
    pub fn arrival(&self, i: usize) -> Duration {
        let units: u64 = (0..=i).map(|k| ARRIVAL_GAPS[k % ARRIVAL_GAPS.len()]).sum();
        self.unit * units as u32
    }
}

/// The scenario's entry in the catalog.
pub fn info() -> ScenarioInfo {
    ScenarioInfo {
        id: ID,
        title: "Condition",
        summary: "One travel agent serves a queue of five customers who arrive at different \
                  times, some together.",
        guarantee: "Condition.wait() gives up the lock and sleeps until another thread \
                    notifies, then takes the lock back: wait for a change without spinning.",
        watch: "Who gets served: without a lock a customer goes missing. And empty polls: \
                thousands when busy-waiting, next to none with the condition.",
        lesson: "Lesson 4: tackling thread safety, Condition",
        params: PARAMS,
        strategies: Strategy::ALL.iter().map(|s| s.info()).collect(),
        invariants: vec![(FIFO, FIFO_TEXT), (SERVED_ONCE, SERVED_ONCE_TEXT)],
    }
}

const FIFO: &str = "fifo-served";
const FIFO_TEXT: &str = "Customers are served in the order they joined the queue";
const SERVED_ONCE: &str = "served-once";
const SERVED_ONCE_TEXT: &str = "Every customer is served exactly once";

const AGENT: usize = 0;
const NOBODY: i64 = -1;

struct Agency {
    slots: Vec<SharedInt>,
    head: SharedInt,
    tail: SharedInt,
    queue_lock: Lock,
    queue_changed: Condition,
    /// Customers who have finished joining (bookkeeping for the agent's stop, kept apart
    /// from the queue under test so that a broken queue cannot keep the agent waiting).
    arrived: AtomicU64,
    /// Order in which customers joined, taken where they take their place in the queue.
    joins: AtomicU64,
    join_no: Vec<AtomicU64>,
    served: Mutex<Vec<i64>>,
    empty_polls: AtomicU64,
}

impl Agency {
    /// `queue.append(me)`: read the tail, write the name there, move the tail on.
    async fn join(&self, ctx: &Ctx<'_>, me: usize, write: Duration) -> Result<(), Abort> {
        ctx.at("place = tail");
        let place = ctx.load(&self.tail).await;
        self.join_no[me].store(self.joins.fetch_add(1, SeqCst), SeqCst);
        ctx.work(write).await?;
        ctx.at("names[place] = name");
        ctx.store(&self.slots[place as usize], me as i64).await;
        ctx.at("tail = place + 1");
        ctx.store(&self.tail, place + 1).await;
        Ok(())
    }

    /// The next customer, `Ok(None)` when the queue is empty, `Err(())` when it is empty
    /// and everyone has arrived. The caller places the reads of `head` and `tail` in its
    /// listing (each strategy checks them on a line of its own).
    async fn take(&self, ctx: &Ctx<'_>) -> Result<Option<i64>, ()> {
        // `arrived` first: a customer moves the tail before counting itself arrived.
        let all_here = self.arrived.load(SeqCst) == self.slots.len() as u64;
        let head = ctx.load(&self.head).await;
        if head < ctx.load(&self.tail).await {
            ctx.at("who = names[head]; head += 1");
            let who = ctx.load(&self.slots[head as usize]).await;
            ctx.store(&self.head, head + 1).await;
            Ok(Some(who))
        } else if all_here {
            Err(())
        } else {
            Ok(None)
        }
    }
}

async fn customer(
    ctx: &mut Ctx<'_>,
    agency: &Agency,
    p: &Params,
    strategy: Strategy,
) -> Result<(), Abort> {
    let me = ctx.thread() - 1;
    ctx.work_until(p.arrival(me)).await?;
    match strategy {
        Strategy::None => {
            agency.join(ctx, me, p.write).await?;
            agency.arrived.fetch_add(1, SeqCst);
        }
        Strategy::BusyWait => {
            ctx.at("def customer > with queue_lock:");
            let _queue = ctx.lock(&agency.queue_lock).await?;
            agency.join(ctx, me, p.write).await?;
            agency.arrived.fetch_add(1, SeqCst);
        }
        Strategy::Condition => {
            ctx.at("def customer > with queue_changed:");
            let queue = ctx.enter(&agency.queue_changed).await?;
            agency.join(ctx, me, p.write).await?;
            agency.arrived.fetch_add(1, SeqCst);
            ctx.notify(&queue);
        }
    }
    ctx.step_done(0);
    Ok(())
}

async fn agent(
    ctx: &Ctx<'_>,
    agency: &Agency,
    p: &Params,
    strategy: Strategy,
) -> Result<(), Abort> {
    let mut empty_polls = 0u64;
    loop {
        ctx.check_cancel()?;
        let next = match strategy {
            Strategy::None => {
                ctx.at("if head < tail:");
                agency.take(ctx).await
            }
            Strategy::BusyWait => {
                ctx.at("def agent > with queue_lock:");
                let _queue = ctx.lock(&agency.queue_lock).await?;
                ctx.at("if head == tail and arrived == customers:");
                agency.take(ctx).await
            }
            Strategy::Condition => {
                ctx.at("def agent > with queue_changed:");
                let mut queue = ctx.enter(&agency.queue_changed).await?;
                loop {
                    ctx.at("while head == tail and arrived < customers:");
                    match agency.take(ctx).await {
                        Ok(None) => {
                            empty_polls += 1;
                            ctx.at("queue_changed.wait()");
                            queue = ctx.wait_notified(&agency.queue_changed, queue).await?;
                        }
                        taken => break taken,
                    }
                }
            }
        };
        match next {
            Ok(Some(who)) => {
                ctx.work(p.serve).await?;
                agency
                    .served
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(who);
            }
            Ok(None) => {
                empty_polls += 1;
                std::hint::spin_loop();
            }
            Err(()) => break,
        }
    }
    agency.empty_polls.store(empty_polls, SeqCst);
    Ok(())
}

/// Runs the agent and the customers on real threads.
pub fn run(p: &Params, strategy: Strategy, exec: Exec<'_>, control: &RunControl) -> Report {
    let n = p.customers;
    let agency = Agency {
        slots: (0..n).map(|_| SharedInt::new(NOBODY)).collect(),
        head: SharedInt::new(0),
        tail: SharedInt::new(0),
        queue_lock: Lock::new("queue_lock", LockKind::Plain),
        queue_changed: Condition::new("queue_changed"),
        arrived: AtomicU64::new(0),
        joins: AtomicU64::new(0),
        join_no: (0..n).map(|_| AtomicU64::new(u64::MAX)).collect(),
        served: Mutex::new(Vec::with_capacity(n)),
        empty_polls: AtomicU64::new(0),
    };
    for (i, slot) in agency.slots.iter().enumerate() {
        control.trace.name(slot, format!("queue[{i}]"));
    }
    control.trace.name(&agency.head, "head");
    control.trace.name(&agency.tail, "tail");
    control
        .trace
        .name(&agency.queue_lock, agency.queue_lock.name());
    control
        .trace
        .name(&agency.queue_changed, agency.queue_changed.name());
    control.begin(n as u64);
    let (end, elapsed) = exec.run(p.threads(), control, |mut ctx| {
        let agency = &agency;
        async move {
            if ctx.thread() == AGENT {
                agent(&ctx, agency, p, strategy).await
            } else {
                customer(&mut ctx, agency, p, strategy).await
            }
        }
    });

    let served = agency
        .served
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    let join_no: Vec<u64> = agency.join_no.iter().map(|j| j.load(SeqCst)).collect();
    let (out_of_order, not_once) = check(&served, &join_no);
    let mut joined: Vec<usize> = (0..n).collect();
    joined.sort_by_key(|&c| join_no[c]);
    let final_state = json!({
        "served": served,
        "joined": joined,
        "empty_polls": agency.empty_polls.load(SeqCst),
    });
    finish(
        ID,
        strategy.id(),
        p.threads(),
        elapsed,
        end,
        vec![
            InvariantReport::new(FIFO, FIFO_TEXT, out_of_order),
            InvariantReport::new(SERVED_ONCE, SERVED_ONCE_TEXT, not_once),
        ],
        final_state,
    )
}

/// Checks what the agent served against the order customers joined in: how many were
/// served before someone who joined earlier, and how many customers were not served exactly
/// once (plus serves of an empty place).
fn check(served: &[i64], join_no: &[u64]) -> (u64, u64) {
    let mut times = vec![0u32; join_no.len()];
    let mut phantoms = 0;
    let mut out_of_order = 0;
    let mut latest = None;
    for &who in served {
        let Some(&joined) = usize::try_from(who).ok().and_then(|c| join_no.get(c)) else {
            phantoms += 1;
            continue;
        };
        times[who as usize] += 1;
        if latest.is_some_and(|l| joined < l) {
            out_of_order += 1;
        }
        latest = latest.max(Some(joined));
    }
    let not_once = times.iter().filter(|&&t| t != 1).count() as u64;
    (out_of_order, not_once + phantoms)
}

const LISTING_NONE: &str = r#"
  names = [None] * customers           # the queue is names[head:tail]
  head = tail = arrived = 0

  def customer(name):
      global tail, arrived
      time.sleep(arrival[name])
!     place = tail                     # two arrivals read the same place
!     time.sleep(write)                # writing their name
!     names[place] = name
!     tail = place + 1
      arrived += 1

  def agent():
      global head
      while head < tail or arrived < customers:
          if head < tail:              # polls, no lock
              who = names[head]; head += 1
              serve(who)
"#;

const LISTING_BUSY_WAIT: &str = r#"
  names = [None] * customers           # the queue is names[head:tail]
  head = tail = arrived = 0
+ queue_lock = threading.Lock()

  def customer(name):
      global tail, arrived
      time.sleep(arrival[name])
+     with queue_lock:
!         place = tail
!         time.sleep(write)
!         names[place] = name
!         tail = place + 1
          arrived += 1

  def agent():
      global head
      while True:
+         with queue_lock:             # again and again while empty
              if head == tail and arrived == customers:
                  break
              who = None
              if head < tail:
                  who = names[head]; head += 1
          if who is not None:
              serve(who)
"#;

const LISTING_CONDITION: &str = r#"
  names = [None] * customers           # the queue is names[head:tail]
  head = tail = arrived = 0
+ queue_changed = threading.Condition()

  def customer(name):
      global tail, arrived
      time.sleep(arrival[name])
+     with queue_changed:
!         place = tail
!         time.sleep(write)
!         names[place] = name
!         tail = place + 1
          arrived += 1
+         queue_changed.notify()

  def agent():
      global head
      while True:
+         with queue_changed:
              while head == tail and arrived < customers:
+                 queue_changed.wait()     # sleeps, lock released
              if head == tail:
                  break                    # everyone served
              who = names[head]; head += 1
          serve(who)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_follow_the_talks_pattern() {
        let p = Params::from_values(&Values::defaults(PARAMS));
        let at: Vec<u128> = (0..6).map(|i| p.arrival(i).as_millis()).collect();
        assert_eq!(at, [20, 40, 40, 60, 60, 80]);
    }

    #[test]
    fn check_counts_order_and_losses() {
        // Customers 0..3 joined in order 0, 1, 2.
        let joined = [0, 1, 2];
        assert_eq!(check(&[0, 1, 2], &joined), (0, 0));
        assert_eq!(check(&[1, 0, 2], &joined), (1, 0));
        assert_eq!(check(&[0, 2], &joined), (0, 1), "customer 1 lost");
        assert_eq!(check(&[0, 0, 1, 2], &joined), (0, 1), "customer 0 twice");
        assert_eq!(check(&[2, 0, 1], &joined), (2, 0), "2 served first");
        assert_eq!(
            check(&[0, -1, 1, 2], &joined),
            (0, 1),
            "an empty place served"
        );
    }
}
