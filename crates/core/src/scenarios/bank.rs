//! The bank (lesson 3): tellers move money between accounts and audit the total.
//!
//! Each of `threads` tellers does `transfers_per_thread` times: pick two different accounts
//! and an amount, transfer it (skip if the source has less; debit; a processing delay;
//! credit), then audit the whole bank. Between debit and credit the money is in neither
//! account: the bank is temporarily invalid, and an unlocked audit can see it.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use serde_json::json;

use crate::catalog::{ScenarioInfo, StrategyInfo};
use crate::exec::Held;
use crate::exec::{Ctx, Exec, RunEnd, SharedInt};
use crate::limits::*;
use crate::params::{ParamKind, ParamSpec, Values};
use crate::report::InvariantReport;
use crate::sync::{Abort, Lock, LockGuard, LockKind};
use crate::{control::RunControl, scenarios::finish, Report};

/// Scenario id.
pub const ID: &str = "bank";

/// The lesson's six starting balances (total 44,500).
pub const LESSON_ACCOUNTS: &[i64] = &[5000, 10000, 7500, 7000, 6000, 9000];

/// The bank's parameters, with the lesson's defaults.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: Cow::Borrowed("accounts"),
        kind: ParamKind::IntList {
            min_len: 2,
            max_len: MAX_ACCOUNTS,
            min: 0,
            max: MAX_BALANCE,
            default: Cow::Borrowed(LESSON_ACCOUNTS),
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Starting balance of each account."),
    },
    ParamSpec {
        name: Cow::Borrowed("threads"),
        kind: ParamKind::Int {
            min: 1,
            max: MAX_THREADS,
            default: 5,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Tellers running at once, each on its own thread."),
    },
    ParamSpec {
        name: Cow::Borrowed("transfers_per_thread"),
        kind: ParamKind::Int {
            min: 1,
            max: MAX_TRANSFERS_PER_THREAD,
            default: 9999,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Transfers each teller makes; every one is followed by an audit."),
    },
    ParamSpec {
        name: Cow::Borrowed("max_amount"),
        kind: ParamKind::Int {
            min: 1,
            max: MAX_BALANCE,
            default: 100,
        },
        unit: Cow::Borrowed(""),
        help: Cow::Borrowed("Each transfer moves a random amount from 1 to this."),
    },
    ParamSpec {
        name: Cow::Borrowed("delay"),
        kind: ParamKind::Int {
            min: 0,
            max: MAX_BANK_DELAY_US,
            default: 2,
        },
        unit: Cow::Borrowed("µs"),
        help: Cow::Borrowed(
            "Processing time between debit and credit: how long the bank is invalid.",
        ),
    },
];

/// Where the locks go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// No locks at all.
    None,
    /// One reentrant lock around every transfer and every audit.
    Global,
    /// A lock per account, always taken in account order; the audit takes them all.
    Fine,
    /// A lock per account, taken in from/to order: two opposite transfers deadlock.
    FineUnordered,
    /// The global lock around debit and credit, but the balance check outside it.
    CheckOutside,
}

impl Strategy {
    /// Every strategy, in the order the page offers them.
    pub const ALL: [Strategy; 5] = [
        Strategy::None,
        Strategy::Global,
        Strategy::Fine,
        Strategy::FineUnordered,
        Strategy::CheckOutside,
    ];

    /// The strategy's id in configs.
    pub fn id(self) -> &'static str {
        match self {
            Strategy::None => "none",
            Strategy::Global => "global",
            Strategy::Fine => "fine",
            Strategy::FineUnordered => "fine-unordered",
            Strategy::CheckOutside => "check-outside",
        }
    }

    fn info(self) -> StrategyInfo {
        let (title, safe, summary, listing) = match self {
            Strategy::None => (
                "No lock",
                false,
                "Tellers change balances freely. An audit that runs while another teller is \
                 between debit and credit sees money missing, and concurrent updates of one \
                 balance can be lost for good.",
                LISTING_NONE,
            ),
            Strategy::Global => (
                "One global lock",
                true,
                "One reentrant lock around each transfer and each audit: nobody sees the bank \
                 while it is invalid. Simple and correct; only one teller works at a time.",
                LISTING_GLOBAL,
            ),
            Strategy::Fine => (
                "A lock per account",
                true,
                "Each transfer locks just its two accounts, always in account order so two \
                 tellers never wait for each other in a circle; the audit locks them all in \
                 the same order. Unrelated transfers go on side by side.",
                LISTING_FINE,
            ),
            Strategy::FineUnordered => (
                "A lock per account, any order",
                false,
                "Each transfer locks its source account, then its destination. One teller \
                 moving A to B holds A and waits for B while another moving B to A holds B \
                 and waits for A: neither can ever go on. The fix is one global order.",
                LISTING_FINE_UNORDERED,
            ),
            Strategy::CheckOutside => (
                "Lock, but check outside it",
                false,
                "The update is locked, the balance check is not: between the check and the \
                 lock another teller can spend the money (check-then-act), so a balance can \
                 go negative although every total is right.",
                LISTING_CHECK_OUTSIDE,
            ),
        };
        let info = StrategyInfo::new(self.id(), title, safe, summary, listing);
        match self {
            Strategy::FineUnordered => info.fixed_by(
                Strategy::Fine.id(),
                "Take the locks in one global order (sort the two accounts first, and let \
                 the audit use the same order): then no two tellers can each hold what the \
                 other waits for.",
            ),
            _ => info,
        }
    }
}

/// Validated bank parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Starting balances.
    pub accounts: Vec<i64>,
    /// Teller threads.
    pub threads: usize,
    /// Transfers per teller.
    pub transfers_per_thread: u64,
    /// Largest transfer.
    pub max_amount: i64,
    /// Processing time between debit and credit.
    pub delay: Duration,
}

impl Params {
    /// Typed parameters from values validated against [`PARAMS`].
    pub fn from_values(v: &Values) -> Self {
        Self {
            accounts: v.int_list("accounts").to_vec(),
            threads: v.int("threads") as usize,
            transfers_per_thread: v.int("transfers_per_thread") as u64,
            max_amount: v.int("max_amount"),
            delay: Duration::from_micros(v.int("delay") as u64),
        }
    }
}

/// The scenario's entry in the catalog.
pub fn info() -> ScenarioInfo {
    ScenarioInfo {
        id: ID,
        title: "The bank",
        summary: "Tellers move money between accounts and audit the total after every \
                  transfer. Money in flight between debit and credit is the temporarily \
                  invalid state that locks must hide.",
        guarantee: "A lock keeps every other thread out while it is held: with the transfer \
                    and the audit both locked, nobody sees money in flight.",
        watch: "The audit count of wrong totals: thousands without locks, none with one \
                global lock. And the time each placement costs.",
        lesson: "Lesson 3: the bank, made safe with one global lock",
        params: PARAMS,
        strategies: Strategy::ALL.iter().map(|s| s.info()).collect(),
        invariants: vec![(TOTAL_CONSERVED, TOTAL_TEXT), (NO_NEGATIVE, NEGATIVE_TEXT)],
    }
}

const TOTAL_CONSERVED: &str = "total-conserved";
const TOTAL_TEXT: &str = "Every audit, and the final state, sums to the starting total";
const NO_NEGATIVE: &str = "no-negative-balance";
const NEGATIVE_TEXT: &str = "No audit, and not the final state, sees a negative balance";

struct Bank {
    accounts: Vec<SharedInt>,
    account_locks: Vec<Lock>,
    global: Lock,
    total: i64,
    wrong_totals: AtomicU64,
    negative_seen: AtomicU64,
    transfers: AtomicU64,
    skipped: AtomicU64,
}

impl Bank {
    fn new(balances: &[i64]) -> Self {
        Self {
            accounts: balances.iter().map(|&b| SharedInt::new(b)).collect(),
            account_locks: (0..balances.len())
                .map(|i| Lock::new(format!("account[{i}].lock"), LockKind::Plain))
                .collect(),
            global: Lock::new("bank.lock", LockKind::Reentrant),
            total: balances.iter().sum(),
            wrong_totals: AtomicU64::new(0),
            negative_seen: AtomicU64::new(0),
            transfers: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
        }
    }

    /// `if src.balance < amount: return`, then the move. Returns whether money moved.
    async fn transfer(
        &self,
        ctx: &Ctx<'_>,
        from: usize,
        to: usize,
        amount: i64,
        delay: Duration,
    ) -> Result<bool, Abort> {
        ctx.at("if src.balance < amount");
        if ctx.load(&self.accounts[from]).await < amount {
            return Ok(false);
        }
        self.move_money(ctx, from, to, amount, delay).await?;
        Ok(true)
    }

    /// Debit, processing, credit: the bank is invalid from the debit to the credit.
    async fn move_money(
        &self,
        ctx: &Ctx<'_>,
        from: usize,
        to: usize,
        amount: i64,
        delay: Duration,
    ) -> Result<(), Abort> {
        ctx.at("src.balance -= amount");
        let src = ctx.load(&self.accounts[from]).await;
        ctx.invalid_begin();
        ctx.store(&self.accounts[from], src - amount).await;
        ctx.work(delay).await?;
        ctx.at("dst.balance += amount");
        let dst = ctx.load(&self.accounts[to]).await;
        ctx.store(&self.accounts[to], dst + amount).await;
        ctx.invalid_end();
        Ok(())
    }

    /// Sums every balance; returns how many invariants this audit saw broken.
    async fn audit(&self, ctx: &Ctx<'_>) -> u32 {
        let mut sum = 0;
        let mut negative = false;
        ctx.audit_begin();
        ctx.at("total = sum(");
        for account in &self.accounts {
            let b = ctx.load(account).await;
            sum += b;
            negative |= b < 0;
        }
        ctx.audit_end(sum, sum == self.total && !negative);
        let mut broken = 0;
        if sum != self.total {
            self.wrong_totals.fetch_add(1, Relaxed);
            broken += 1;
        }
        if negative {
            self.negative_seen.fetch_add(1, Relaxed);
            broken += 1;
        }
        broken
    }

    /// Takes every account lock in account order (the one global order).
    async fn lock_all<'b, 'c>(
        &'b self,
        ctx: &'c Ctx<'_>,
        guards: &mut Vec<Held<'c, LockGuard<'b>>>,
    ) -> Result<(), Abort> {
        for lock in &self.account_locks {
            guards.push(ctx.lock(lock).await?);
        }
        Ok(())
    }
}

async fn teller(
    ctx: Ctx<'_>,
    bank: &Bank,
    p: &Params,
    strategy: Strategy,
    seed: u64,
) -> Result<(), Abort> {
    let mut rng =
        fastrand::Rng::with_seed(seed ^ (ctx.thread() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let n = bank.accounts.len();
    let (mut moved, mut skipped) = (0u64, 0u64);
    let mut guards = Vec::with_capacity(n);
    // Counted even when the run stops early (Stop, a deadlock), so the final state says how
    // far the tellers got.
    let tellers_work = async {
        for _ in 0..p.transfers_per_thread {
            ctx.check_cancel()?;
            // u32, not usize: the same seed picks the same accounts natively and in wasm32.
            let from = rng.u32(..n as u32) as usize;
            let to = (from + 1 + rng.u32(..n as u32 - 1) as usize) % n;
            let amount = rng.i64(1..=p.max_amount);
            let done = match strategy {
                Strategy::None => bank.transfer(&ctx, from, to, amount, p.delay).await?,
                Strategy::Global => {
                    ctx.at("def transfer > with bank_lock:");
                    let _bank = ctx.lock(&bank.global).await?;
                    bank.transfer(&ctx, from, to, amount, p.delay).await?
                }
                Strategy::Fine => {
                    let (first, second) = (from.min(to), from.max(to));
                    ctx.at("with first.lock, second.lock:");
                    let _first = ctx.lock(&bank.account_locks[first]).await?;
                    let _second = ctx.lock(&bank.account_locks[second]).await?;
                    bank.transfer(&ctx, from, to, amount, p.delay).await?
                }
                Strategy::FineUnordered => {
                    ctx.at("with src.lock:");
                    let _src = ctx.lock(&bank.account_locks[from]).await?;
                    ctx.at("with dst.lock:");
                    let _dst = ctx.lock(&bank.account_locks[to]).await?;
                    bank.transfer(&ctx, from, to, amount, p.delay).await?
                }
                Strategy::CheckOutside => {
                    ctx.at("if src.balance < amount");
                    if ctx.load(&bank.accounts[from]).await < amount {
                        false
                    } else {
                        ctx.at("def transfer > with bank_lock:");
                        let _bank = ctx.lock(&bank.global).await?;
                        bank.move_money(&ctx, from, to, amount, p.delay).await?;
                        true
                    }
                }
            };
            if done {
                moved += 1;
            } else {
                skipped += 1;
            }
            let broken = match strategy {
                Strategy::None => bank.audit(&ctx).await,
                Strategy::Global | Strategy::CheckOutside => {
                    ctx.at("def audit > with bank_lock:");
                    let _bank = ctx.lock(&bank.global).await?;
                    bank.audit(&ctx).await
                }
                Strategy::Fine | Strategy::FineUnordered => {
                    ctx.at("stack.enter_context(");
                    bank.lock_all(&ctx, &mut guards).await?;
                    let broken = bank.audit(&ctx).await;
                    // Release in reverse order of taking, as nested `with` blocks would.
                    while guards.pop().is_some() {}
                    broken
                }
            };
            ctx.step_done(broken);
        }
        Ok(())
    }
    .await;
    bank.transfers.fetch_add(moved, Relaxed);
    bank.skipped.fetch_add(skipped, Relaxed);
    tellers_work
}

/// Runs the bank on real threads.
pub fn run(
    p: &Params,
    strategy: Strategy,
    seed: u64,
    exec: Exec<'_>,
    control: &RunControl,
) -> Report {
    let bank = Bank::new(&p.accounts);
    for (i, (account, lock)) in bank.accounts.iter().zip(&bank.account_locks).enumerate() {
        control.trace.name(account, format!("account[{i}]"));
        control.trace.name(lock, lock.name());
    }
    control.trace.name(&bank.global, bank.global.name());
    control.begin(p.threads as u64 * p.transfers_per_thread);
    let (end, elapsed) = exec.run(p.threads, control, |ctx| {
        teller(ctx, &bank, p, strategy, seed)
    });

    let balances: Vec<i64> = bank.accounts.iter().map(SharedInt::snapshot).collect();
    let total: i64 = balances.iter().sum();
    // A run stopped early (Stop, or a deadlock) may have left a transfer half done: only a
    // finished run's final state is held to the invariants.
    let finished = end == RunEnd::Completed;
    let final_wrong = u64::from(finished && total != bank.total);
    let final_negative = u64::from(finished && balances.iter().any(|&b| b < 0));
    let invariants = vec![
        InvariantReport::new(
            TOTAL_CONSERVED,
            TOTAL_TEXT,
            bank.wrong_totals.load(Relaxed) + final_wrong,
        ),
        InvariantReport::new(
            NO_NEGATIVE,
            NEGATIVE_TEXT,
            bank.negative_seen.load(Relaxed) + final_negative,
        ),
    ];
    let final_state = json!({
        "total": total,
        "expected_total": bank.total,
        "balances": balances,
        "transfers": bank.transfers.load(Relaxed),
        "skipped": bank.skipped.load(Relaxed),
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
  class Account:
      def __init__(self, balance):
          self.balance = balance

  def transfer(src, dst, amount):
      if src.balance < amount:
          return
!     src.balance -= amount
!     time.sleep(delay)          # money is in neither account
      dst.balance += amount

  def audit():
      total = sum(a.balance for a in accounts)
      assert total == 44_500

  def teller():
      for _ in range(transfers_per_thread):
          src, dst = random.sample(accounts, 2)
          transfer(src, dst, random.randint(1, max_amount))
          audit()
"#;

const LISTING_GLOBAL: &str = r#"
+ bank_lock = threading.RLock()

  def transfer(src, dst, amount):
+     with bank_lock:
          if src.balance < amount:
              return
!         src.balance -= amount
!         time.sleep(delay)      # invalid, but nobody can look
          dst.balance += amount

  def audit():
+     with bank_lock:
          total = sum(a.balance for a in accounts)
          assert total == 44_500

  def teller():
      for _ in range(transfers_per_thread):
          src, dst = random.sample(accounts, 2)
          transfer(src, dst, random.randint(1, max_amount))
          audit()
"#;

const LISTING_FINE: &str = r#"
  class Account:
      def __init__(self, balance):
          self.balance = balance
+         self.lock = threading.Lock()

  def transfer(src, dst, amount):
+     first, second = sorted([src, dst], key=id)   # one global order
+     with first.lock, second.lock:
          if src.balance < amount:
              return
!         src.balance -= amount
!         time.sleep(delay)
          dst.balance += amount

  def audit():
+     locks = [a.lock for a in sorted(accounts, key=id)]
+     with contextlib.ExitStack() as stack:
+         for lock in locks: stack.enter_context(lock)
          total = sum(a.balance for a in accounts)
          assert total == 44_500

  def teller():
      for _ in range(transfers_per_thread):
          src, dst = random.sample(accounts, 2)
          transfer(src, dst, random.randint(1, max_amount))
          audit()
"#;

const LISTING_FINE_UNORDERED: &str = r#"
  class Account:
      def __init__(self, balance):
          self.balance = balance
+         self.lock = threading.Lock()

  def transfer(src, dst, amount):
+     with src.lock:             # from, then to: no global order
+         with dst.lock:         # A->B here, B->A there: each waits for the other
              if src.balance < amount:
                  return
!             src.balance -= amount
!             time.sleep(delay)
              dst.balance += amount

  def audit():
+     with contextlib.ExitStack() as stack:
+         for a in accounts: stack.enter_context(a.lock)
          total = sum(a.balance for a in accounts)
          assert total == 44_500

  def teller():
      for _ in range(transfers_per_thread):
          src, dst = random.sample(accounts, 2)
          transfer(src, dst, random.randint(1, max_amount))
          audit()
"#;

const LISTING_CHECK_OUTSIDE: &str = r#"
+ bank_lock = threading.RLock()

  def transfer(src, dst, amount):
      if src.balance < amount:   # checked outside the lock...
          return
+     with bank_lock:            # ...so the money may be gone by now
!         src.balance -= amount
!         time.sleep(delay)
          dst.balance += amount

  def audit():
+     with bank_lock:
          total = sum(a.balance for a in accounts)
          assert total == 44_500
          assert all(a.balance >= 0 for a in accounts)

  def teller():
      for _ in range(transfers_per_thread):
          src, dst = random.sample(accounts, 2)
          transfer(src, dst, random.randint(1, max_amount))
          audit()
"#;
