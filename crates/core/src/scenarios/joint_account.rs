//! The joint account (lesson 5): a deposit and a withdrawal at the same moment.
//!
//! The account holds `balance`. One person deposits `deposit` while the other withdraws
//! `withdrawal`, paying `fee` if that takes the balance below zero. Each reads the balance,
//! takes `delay_ms` to process, and writes the new balance. Run one after the other the
//! result depends only on the order (with the defaults 800, or 790 with the fee); run at once,
//! one write can wipe out the other.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::Duration;

use serde_json::json;

use crate::catalog::{ScenarioInfo, StrategyInfo};
use crate::exec::{Ctx, Exec, SharedInt};
use crate::limits::*;
use crate::params::{ParamKind, ParamSpec, Values};
use crate::report::InvariantReport;
use crate::scenarios::{finish, thread_rng};
use crate::sync::{Abort, Lock, LockKind};
use crate::{control::RunControl, Report};

/// Scenario id.
pub const ID: &str = "joint-account";

/// The joint account's parameters, with the lesson's defaults.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: Cow::Borrowed("balance"),
        kind: ParamKind::Int {
            min: 0,
            max: MAX_BALANCE,
            default: 1000,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Money in the account at the start."),
    },
    ParamSpec {
        name: Cow::Borrowed("deposit"),
        kind: ParamKind::Int {
            min: 0,
            max: MAX_BALANCE,
            default: 1000,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("What one person pays in."),
    },
    ParamSpec {
        name: Cow::Borrowed("withdrawal"),
        kind: ParamKind::Int {
            min: 0,
            max: MAX_BALANCE,
            default: 1200,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("What the other takes out at another ATM."),
    },
    ParamSpec {
        name: Cow::Borrowed("fee"),
        kind: ParamKind::Int {
            min: 0,
            max: MAX_BALANCE,
            default: 10,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed(
            "Overdraft fee, charged when a withdrawal takes the balance below zero.",
        ),
    },
    ParamSpec {
        name: Cow::Borrowed("delay_ms"),
        kind: ParamKind::Int {
            min: 0,
            max: MAX_PRIMITIVE_MS,
            default: 5,
        },
        unit: Cow::Borrowed("ms"),
        help: Cow::Borrowed("Processing time between reading the balance and writing the new one."),
    },
    ParamSpec {
        name: Cow::Borrowed("jitter_ms"),
        kind: ParamKind::Int {
            min: 0,
            max: MAX_PRIMITIVE_MS,
            default: 3,
        },
        unit: Cow::Borrowed("ms"),
        help: Cow::Borrowed("Each person reaches the ATM after a random wait of up to this long."),
    },
];

/// Whether the two transactions are locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// No lock.
    None,
    /// One lock around each whole transaction.
    Lock,
}

impl Strategy {
    /// Every strategy, in the order the page offers them.
    pub const ALL: [Strategy; 2] = [Strategy::None, Strategy::Lock];

    /// The strategy's id in configs.
    pub fn id(self) -> &'static str {
        match self {
            Strategy::None => "none",
            Strategy::Lock => "lock",
        }
    }

    fn info(self) -> StrategyInfo {
        let (title, safe, summary, listing) = match self {
            Strategy::None => (
                "No lock",
                false,
                "Both read the balance before either writes it back, so the second write \
                 wipes out the first: the account ends at 2,000 or -210 instead of 800 or 790.",
                LISTING_NONE,
            ),
            Strategy::Lock => (
                "Lock each transaction",
                true,
                "The transactions run one at a time, so the result is always one of the \
                 serial outcomes. Which one is still up to the scheduler: the lock stops the \
                 data race, it does not choose the order.",
                LISTING_LOCK,
            ),
        };
        StrategyInfo::new(self.id(), title, safe, summary, listing)
    }
}

/// Validated joint-account parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Starting balance.
    pub balance: i64,
    /// Amount deposited.
    pub deposit: i64,
    /// Amount withdrawn.
    pub withdrawal: i64,
    /// Overdraft fee.
    pub fee: i64,
    /// Time between reading and writing the balance.
    pub delay: Duration,
    /// Longest random wait before each transaction.
    pub jitter: Duration,
}

impl Params {
    /// Typed parameters from values validated against [`PARAMS`].
    pub fn from_values(v: &Values) -> Self {
        Self {
            balance: v.int("balance"),
            deposit: v.int("deposit"),
            withdrawal: v.int("withdrawal"),
            fee: v.int("fee"),
            delay: Duration::from_millis(v.int("delay_ms") as u64),
            jitter: Duration::from_millis(v.int("jitter_ms") as u64),
        }
    }

    /// The two people: one deposits, one withdraws.
    pub fn threads(&self) -> usize {
        2
    }

    fn after_withdrawal(&self, balance: i64) -> i64 {
        let b = balance - self.withdrawal;
        if b < 0 {
            b - self.fee
        } else {
            b
        }
    }

    /// The final balance when the deposit goes first, and when the withdrawal goes first.
    pub fn serial_outcomes(&self) -> [i64; 2] {
        [
            self.after_withdrawal(self.balance + self.deposit),
            self.after_withdrawal(self.balance) + self.deposit,
        ]
    }
}

/// The scenario's entry in the catalog.
pub fn info() -> ScenarioInfo {
    ScenarioInfo {
        id: ID,
        title: "Joint account",
        summary: "Two people use one account at the same moment: a deposit of 1,000 and a \
                  withdrawal of 1,200 with an overdraft fee.",
        guarantee: "A lock makes each transaction happen as a whole, so the balance is always \
                    one of the two serial results (800 or 790).",
        watch: "Without it, a lost update: 2,000 or -210. With it, both 800 and 790 still \
                turn up: the lock does not choose the order.",
        lesson: "Lesson 5: memory is a shared resource",
        params: PARAMS,
        strategies: Strategy::ALL.iter().map(|s| s.info()).collect(),
        invariants: vec![(NO_LOST_UPDATE, NO_LOST_UPDATE_TEXT)],
    }
}

const NO_LOST_UPDATE: &str = "no-lost-update";
const NO_LOST_UPDATE_TEXT: &str =
    "The final balance is one of the serial outcomes (deposit first, or withdrawal first)";

const DEPOSIT: usize = 0;

struct Account {
    balance: SharedInt,
    lock: Lock,
    /// Which transaction wrote first: 1 + thread index of the first writer, 0 before.
    first_writer: AtomicU32,
}

impl Account {
    async fn transact(&self, ctx: &Ctx<'_>, p: &Params) -> Result<(), Abort> {
        let deposit = ctx.thread() == DEPOSIT;
        ctx.at(if deposit {
            "def deposit > b = balance"
        } else {
            "def withdraw > b = balance"
        });
        let b = ctx.load(&self.balance).await;
        ctx.work(p.delay).await?;
        let new = if deposit {
            b + p.deposit
        } else {
            p.after_withdrawal(b)
        };
        ctx.at(if deposit {
            "balance = b + amount"
        } else {
            "def withdraw > balance = b"
        });
        ctx.store(&self.balance, new).await;
        let _ = self
            .first_writer
            .compare_exchange(0, ctx.thread() as u32 + 1, Relaxed, Relaxed);
        Ok(())
    }
}

async fn person(
    ctx: Ctx<'_>,
    account: &Account,
    p: &Params,
    strategy: Strategy,
    seed: u64,
) -> Result<(), Abort> {
    let mut rng = thread_rng(seed, ctx.thread());
    let wait = rng.u64(..=p.jitter.as_micros() as u64);
    ctx.work(Duration::from_micros(wait)).await?;
    match strategy {
        Strategy::None => account.transact(&ctx, p).await?,
        Strategy::Lock => {
            ctx.at(if ctx.thread() == DEPOSIT {
                "def deposit > with lock:"
            } else {
                "def withdraw > with lock:"
            });
            let _lock = ctx.lock(&account.lock).await?;
            account.transact(&ctx, p).await?
        }
    }
    ctx.step_done(0);
    Ok(())
}

/// Runs the two transactions on real threads.
pub fn run(
    p: &Params,
    strategy: Strategy,
    seed: u64,
    exec: Exec<'_>,
    control: &RunControl,
) -> Report {
    let account = Account {
        balance: SharedInt::new(p.balance),
        lock: Lock::new("lock", LockKind::Plain),
        first_writer: AtomicU32::new(0),
    };
    control.trace.name(&account.balance, "account.balance");
    control.trace.name(&account.lock, account.lock.name());
    control.begin(2);
    let (end, elapsed) = exec.run(p.threads(), control, |ctx| {
        person(ctx, &account, p, strategy, seed)
    });

    let balance = account.balance.snapshot();
    let serial = p.serial_outcomes();
    let lost = u64::from(!serial.contains(&balance));
    let order = match account.first_writer.load(Relaxed) {
        0 => json!([]),
        w if w as usize - 1 == DEPOSIT => json!(["deposit", "withdrawal"]),
        _ => json!(["withdrawal", "deposit"]),
    };
    let final_state = json!({
        "balance": balance,
        "order": order,
        "serial_outcomes": serial,
    });
    finish(
        ID,
        strategy.id(),
        p.threads(),
        elapsed,
        end,
        vec![InvariantReport::new(
            NO_LOST_UPDATE,
            NO_LOST_UPDATE_TEXT,
            lost,
        )],
        final_state,
    )
}

const LISTING_NONE: &str = r#"
  balance = 1000

  def deposit(amount):
      global balance
!     b = balance
!     time.sleep(delay)            # processing
!     balance = b + amount

  def withdraw(amount):
      global balance
!     b = balance
!     time.sleep(delay)
!     b -= amount
!     if b < 0:
!         b -= fee                 # overdraft fee
!     balance = b

  Thread(target=deposit, args=(1000,)).start()
  Thread(target=withdraw, args=(1200,)).start()
"#;

const LISTING_LOCK: &str = r#"
  balance = 1000
+ lock = threading.Lock()

  def deposit(amount):
      global balance
+     with lock:
!         b = balance
!         time.sleep(delay)
!         balance = b + amount

  def withdraw(amount):
      global balance
+     with lock:
!         b = balance
!         time.sleep(delay)
!         b -= amount
!         if b < 0:
!             b -= fee
!         balance = b

  Thread(target=deposit, args=(1000,)).start()
  Thread(target=withdraw, args=(1200,)).start()
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lessons_serial_outcomes_are_800_and_790() {
        let p = Params::from_values(&Values::defaults(PARAMS));
        assert_eq!(p.serial_outcomes(), [800, 790]);
    }
}
