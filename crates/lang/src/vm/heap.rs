//! The live-bytes estimate behind `MemoryError`.
//!
//! Every heap object a program creates (strings, lists, tuples, dicts, sets, instances,
//! functions) carries a [`Charge`]: the bytes it was charged when it was made or last grew.
//! Charging adds to the run's counter and fails (the VM raises `MemoryError`) when the sum
//! would pass the run's budget; dropping a `Charge` gives its bytes back. Memory is
//! reference counted (`Arc`), so the counter falls as soon as the last reference to an
//! object goes: a loop that builds and drops a list runs in flat memory.
//!
//! Reference cycles are not collected (an object that refers to itself stays charged until
//! the run ends): a tracing collector across real threads would need stop-the-world
//! safepoints in every thread, and teaching programs rarely build cycles.
//!
//! Which run a `Charge` belongs to is a thread-local: a thread that runs VM code enters its
//! run's account with [`AccountGuard`] (a program's threads enter the same account as its
//! main thread). Accounts live in a fixed static table, so charging is one relaxed
//! atomic add with no pointer per object. When more than [`SLOTS`] runs are live at once
//! in one process, the extra runs share an unbudgeted account.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};

/// How many runs can each have their own account at once.
pub const SLOTS: usize = 64;

struct Account {
    live: AtomicIsize,
    budget: AtomicUsize,
    in_use: AtomicBool,
}

impl Account {
    const fn new() -> Account {
        Account {
            live: AtomicIsize::new(0),
            budget: AtomicUsize::new(usize::MAX),
            in_use: AtomicBool::new(false),
        }
    }
}

/// Slot 0 is the shared unbudgeted account.
static ACCOUNTS: [Account; SLOTS + 1] = [const { Account::new() }; SLOTS + 1];

thread_local! {
    static CURRENT: Cell<Option<usize>> = const { Cell::new(None) };
    /// Bytes charged (or given back) by this thread and not yet added to the shared
    /// counter: the shared atomic is touched once per [`FLUSH`] bytes, not per object.
    static PENDING_BYTES: Cell<isize> = const { Cell::new(0) };
}

/// How many bytes a thread charges or releases before it updates the shared counter (the
/// budget can be passed by at most this much per thread).
const FLUSH: isize = 64 << 10;

fn flush_pending(acc: &Account) {
    let p = PENDING_BYTES.with(|c| c.replace(0));
    if p != 0 {
        acc.live.fetch_add(p, Ordering::Relaxed);
    }
}

/// The bytes could not be charged: the run's heap budget would be exceeded.
#[derive(Debug, Clone, Copy)]
pub struct OutOfMemory;

/// A run's account: acquired once per run, released when dropped.
pub struct RunAccount {
    slot: usize,
}

impl RunAccount {
    /// Takes a free account for a run with this budget in bytes.
    pub fn acquire(budget: usize) -> RunAccount {
        for (i, acc) in ACCOUNTS.iter().enumerate().skip(1) {
            if acc
                .in_use
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                acc.live.store(0, Ordering::Relaxed);
                acc.budget.store(budget, Ordering::Relaxed);
                return RunAccount { slot: i };
            }
        }
        RunAccount { slot: 0 }
    }

    /// Makes this thread charge this account until the guard drops.
    pub fn enter(&self) -> AccountGuard {
        if let Some(acc) = current() {
            flush_pending(acc);
        }
        let prev = CURRENT.with(|c| c.replace(Some(self.slot)));
        AccountGuard { prev }
    }

    /// The bytes currently charged to this run (this thread's pending bytes included).
    pub fn live(&self) -> isize {
        let mine = if CURRENT.with(|c| c.get()) == Some(self.slot) {
            PENDING_BYTES.with(|c| c.get())
        } else {
            0
        };
        ACCOUNTS[self.slot]
            .live
            .load(Ordering::Relaxed)
            .saturating_add(mine)
    }
}

impl Drop for RunAccount {
    fn drop(&mut self) {
        if self.slot != 0 {
            ACCOUNTS[self.slot].in_use.store(false, Ordering::Release);
        }
    }
}

/// While alive, this thread charges the account that made it.
pub struct AccountGuard {
    prev: Option<usize>,
}

impl Drop for AccountGuard {
    fn drop(&mut self) {
        if let Some(acc) = current() {
            flush_pending(acc);
        }
        CURRENT.with(|c| c.set(self.prev));
    }
}

fn current() -> Option<&'static Account> {
    CURRENT.with(|c| c.get()).map(|i| &ACCOUNTS[i])
}

/// Charges `bytes`; says whether there was an account to charge.
fn charge_bytes(bytes: usize) -> Result<bool, OutOfMemory> {
    if bytes == 0 {
        return Ok(true);
    }
    if let Some(acc) = current() {
        let add = isize::try_from(bytes).map_err(|_| OutOfMemory)?;
        let pending = PENDING_BYTES.with(|c| c.get()).saturating_add(add);
        if pending < FLUSH {
            PENDING_BYTES.with(|c| c.set(pending));
            return Ok(true);
        }
        // Settle with the shared counter, and check the budget.
        let live = acc.live.load(Ordering::Relaxed).saturating_add(pending);
        let budget = acc.budget.load(Ordering::Relaxed);
        if live > 0 && (live as usize) > budget {
            return Err(OutOfMemory);
        }
        PENDING_BYTES.with(|c| c.set(pending));
        flush_pending(acc);
        return Ok(true);
    }
    Ok(false)
}

fn release_bytes(bytes: usize) {
    if bytes == 0 {
        return;
    }
    if let Some(acc) = current() {
        let sub = isize::try_from(bytes).unwrap_or(isize::MAX);
        let pending = PENDING_BYTES.with(|c| c.get()).saturating_sub(sub);
        PENDING_BYTES.with(|c| c.set(pending));
        if pending <= -FLUSH {
            flush_pending(acc);
        }
    }
}

/// Checks that `bytes` more could be charged now, without charging them.
pub fn check(bytes: usize) -> Result<(), OutOfMemory> {
    if let Some(acc) = current() {
        let pending = PENDING_BYTES.with(|c| c.get());
        let live = acc
            .live
            .load(Ordering::Relaxed)
            .saturating_add(pending)
            .max(0) as usize;
        if live.saturating_add(bytes) > acc.budget.load(Ordering::Relaxed) {
            return Err(OutOfMemory);
        }
    }
    Ok(())
}

/// Bytes charged to the current run for one object; given back on drop.
#[derive(Debug, Default)]
pub struct Charge {
    bytes: usize,
}

impl Charge {
    /// Charges `bytes` to the current thread's run.
    pub fn new(bytes: usize) -> Result<Charge, OutOfMemory> {
        if charge_bytes(bytes)? {
            Ok(Charge { bytes })
        } else {
            Ok(Charge { bytes: 0 })
        }
    }

    /// A charge of nothing (program constants, built before any run).
    pub const fn none() -> Charge {
        Charge { bytes: 0 }
    }

    /// Changes the charge to `bytes` (growing can fail; shrinking cannot).
    pub fn set(&mut self, bytes: usize) -> Result<(), OutOfMemory> {
        if bytes > self.bytes {
            if charge_bytes(bytes - self.bytes)? {
                self.bytes = bytes;
            }
        } else {
            release_bytes(self.bytes - bytes);
            self.bytes = bytes;
        }
        Ok(())
    }

    /// The bytes this charge holds.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl Clone for Charge {
    fn clone(&self) -> Self {
        Charge::none()
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        release_bytes(self.bytes);
    }
}

thread_local! {
    static DROP_DEPTH: Cell<u32> = const { Cell::new(0) };
    static PENDING: std::cell::RefCell<Vec<Box<dyn std::any::Any>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How deep drops of nested containers may recurse before the rest is queued.
const MAX_DROP_DEPTH: u32 = 16;

/// Drops `x` without deep recursion (CPython's "trashcan"): containers call this for
/// their contents, so dropping a list nested 100,000 deep, or a long linked list of
/// instances, never overflows the Rust stack.
pub fn release<T: 'static>(x: T) {
    let d = match DROP_DEPTH.try_with(|c| c.get()) {
        Ok(d) => d,
        Err(_) => {
            drop(x);
            return;
        }
    };
    if d >= MAX_DROP_DEPTH {
        let boxed: Box<dyn std::any::Any> = Box::new(x);
        let _ = PENDING.try_with(|p| p.borrow_mut().push(boxed));
        return;
    }
    DROP_DEPTH.with(|c| c.set(d + 1));
    drop(x);
    if d == 0 {
        loop {
            let next = PENDING.try_with(|p| p.borrow_mut().pop()).ok().flatten();
            match next {
                Some(b) => drop(b),
                None => break,
            }
        }
    }
    DROP_DEPTH.with(|c| c.set(d));
}

/// The address of a local of the caller: how deep the Rust stack is (it grows down).
#[inline(never)]
pub fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}
