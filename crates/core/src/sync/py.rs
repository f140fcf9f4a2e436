//! The primitives a program's `threading` and `queue` give it, with Python's semantics
//! (timeouts, non-blocking calls, the errors Python raises), over `std::sync`.
//!
//! Every wait here goes through [`block_until`]: it gives up when the run stops, and a
//! wait without a timeout that lasts a poll enters the run's wait-for graph, as waiting for
//! a primitive that says itself whether the waiter could go on ([`Awaited`]). So a lock
//! cycle is found as before, and so is a program whose every live thread waits for
//! something none of them will give: an event nobody sets, a condition nobody notifies, a
//! queue nobody fills.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use web_time::Instant;

use super::graph::Blocker;
use super::lock::InGraph;
use super::{inner, Abort, Awaited, Lock, Waiter, WAIT_POLL};
use crate::exec::stepped::StepKind;
use crate::trace::EventOp;

/// Waits on `cv` until `ready` says so (`Ok((guard, true))`), `timeout` passes first
/// (`Ok((guard, false))`; `Some(ZERO)` only looks), or the run stops (`Err`). A wait
/// without a timeout that outlasts a poll enters the wait-for graph as waiting for `on`,
/// and looks for a deadlock through itself at every poll.
///
/// A traced thread records the wait and its end (the end is the step a stepped run takes).
fn block_until<'a, T>(
    state: &'a Mutex<T>,
    cv: &Condvar,
    waiter: &Waiter<'_>,
    timeout: Option<Duration>,
    on: &dyn Fn() -> Blocker,
    ready: impl FnMut(&mut T) -> bool,
) -> Result<(MutexGuard<'a, T>, bool), Abort> {
    // The primitive's identity: its shared state's address, stable while it lives.
    let obj = std::ptr::from_ref(state) as usize;
    waiter.note(EventOp::Wait { obj }, false);
    let waited = block_until_untraced(state, cv, waiter, timeout, on, ready);
    if waited.is_ok() {
        waiter.note(EventOp::Wake { obj }, true);
    }
    waited
}

fn block_until_untraced<'a, T>(
    state: &'a Mutex<T>,
    cv: &Condvar,
    waiter: &Waiter<'_>,
    timeout: Option<Duration>,
    on: &dyn Fn() -> Blocker,
    mut ready: impl FnMut(&mut T) -> bool,
) -> Result<(MutexGuard<'a, T>, bool), Abort> {
    if waiter.turns.is_active() {
        return block_stepped(state, waiter, timeout, on, ready);
    }
    let deadline = timeout.map(|d| Instant::now().checked_add(d));
    let mut in_graph: Option<InGraph<'_>> = None;
    let mut guard = inner(state);
    loop {
        if ready(&mut guard) {
            return Ok((guard, true));
        }
        if let Some(abort) = waiter.stop_reason() {
            return Err(abort);
        }
        let wait = match deadline {
            Some(Some(at)) => {
                let left = at.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok((guard, false));
                }
                left.min(WAIT_POLL)
            }
            _ => WAIT_POLL,
        };
        let (back, timed_out) = cv
            .wait_timeout(guard, wait)
            .unwrap_or_else(PoisonError::into_inner);
        guard = back;
        if timed_out.timed_out() && timeout.is_none() && !ready(&mut guard) {
            // The graph's walk asks primitives (this one too) whether waiters could go on:
            // hold none of their states meanwhile.
            drop(guard);
            in_graph.get_or_insert_with(|| InGraph::waiting_for(waiter, on()));
            if let Some(found) = waiter.graph().find_cycle(waiter.thread) {
                return Err(waiter.deadlocked(found));
            }
            guard = inner(state);
        }
    }
}

/// [`block_until`] in a stepped program: the wait is a step of its own. Without a timeout
/// the thread is chosen only once what it waits for is ready (and when no thread can move,
/// the turns call it a deadlock); with one, it may be chosen at any step, and gives up
/// then if what it waits for is still not ready (time is the steps).
fn block_stepped<'a, T>(
    state: &'a Mutex<T>,
    waiter: &Waiter<'_>,
    timeout: Option<Duration>,
    on: &dyn Fn() -> Blocker,
    mut ready: impl FnMut(&mut T) -> bool,
) -> Result<(MutexGuard<'a, T>, bool), Abort> {
    let blocker = on();
    let name = Some(blocker.name());
    let turns = &waiter.turns;
    let wait_for = timeout.is_none().then_some(blocker);
    turns.wait_on(
        waiter.thread,
        StepKind::Wait,
        name,
        waiter.line,
        wait_for,
        waiter.run,
        waiter.can_yield,
    )?;
    let mut guard = inner(state);
    let now = ready(&mut guard);
    Ok((guard, now))
}

/// `threading.Semaphore` and `BoundedSemaphore`.
#[derive(Debug, Clone)]
pub struct Semaphore {
    core: Arc<SemCore>,
}

#[derive(Debug)]
struct SemCore {
    name: String,
    value: Mutex<u64>,
    /// A bounded semaphore's starting value, which releases may not pass.
    bound: Option<u64>,
    freed: Condvar,
}

impl Awaited for SemCore {
    fn ready_for(&self, _thread: usize) -> bool {
        *inner(&self.value) > 0
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn describe(&self) -> String {
        format!("waits for a permit of {}, and none is free", self.name)
    }
}

impl Semaphore {
    /// Its name (in deadlock reports and traces).
    pub fn name(&self) -> &str {
        &self.core.name
    }

    /// Its identity in a trace (what its waits record).
    pub fn trace_id(&self) -> usize {
        std::ptr::from_ref(&self.core.value) as usize
    }

    /// A semaphore called `name` with `value` permits; `bounded`: releases may not raise
    /// it past `value`.
    pub fn new(name: impl Into<String>, value: u64, bounded: bool) -> Self {
        Self {
            core: Arc::new(SemCore {
                name: name.into(),
                value: Mutex::new(value),
                bound: bounded.then_some(value),
                freed: Condvar::new(),
            }),
        }
    }

    /// Takes a permit (`Ok(false)`: `timeout` passed first).
    pub fn acquire(&self, waiter: &Waiter<'_>, timeout: Option<Duration>) -> Result<bool, Abort> {
        let core = &self.core;
        let on = || Arc::clone(core) as Blocker;
        let (mut value, got) =
            block_until(&core.value, &core.freed, waiter, timeout, &on, |v| *v > 0)?;
        if got {
            *value -= 1;
        }
        Ok(got)
    }

    /// Gives `n` permits back. `Err` is Python's `ValueError` message for a bounded
    /// semaphore released past its starting value.
    pub fn release(&self, n: u64) -> Result<(), &'static str> {
        let mut value = inner(&self.core.value);
        let next = value.saturating_add(n);
        if self.core.bound.is_some_and(|b| next > b) {
            return Err("Semaphore released too many times");
        }
        *value = next;
        self.core.freed.notify_all();
        Ok(())
    }

    /// Permits free now.
    pub fn value(&self) -> u64 {
        *inner(&self.core.value)
    }

    /// A bounded semaphore's starting value (its most permits).
    pub fn bound(&self) -> Option<u64> {
        self.core.bound
    }
}

/// `threading.Event`.
#[derive(Debug, Clone)]
pub struct Event {
    core: Arc<EventCore>,
}

#[derive(Debug)]
struct EventCore {
    name: String,
    flag: Mutex<bool>,
    changed: Condvar,
}

impl Awaited for EventCore {
    fn ready_for(&self, _thread: usize) -> bool {
        *inner(&self.flag)
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn describe(&self) -> String {
        format!("waits for event {} to be set", self.name)
    }
}

impl Event {
    /// Its name (in deadlock reports and traces).
    pub fn name(&self) -> &str {
        &self.core.name
    }

    /// Its identity in a trace (what its waits record).
    pub fn trace_id(&self) -> usize {
        std::ptr::from_ref(&self.core.flag) as usize
    }

    /// An event called `name`, not set.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            core: Arc::new(EventCore {
                name: name.into(),
                flag: Mutex::new(false),
                changed: Condvar::new(),
            }),
        }
    }

    /// Sets it, waking every waiter.
    pub fn set(&self) {
        *inner(&self.core.flag) = true;
        self.core.changed.notify_all();
    }

    /// Clears it.
    pub fn clear(&self) {
        *inner(&self.core.flag) = false;
    }

    /// Whether it is set.
    pub fn is_set(&self) -> bool {
        *inner(&self.core.flag)
    }

    /// Waits until it is set: `Ok(false)` when `timeout` passed first.
    pub fn wait(&self, waiter: &Waiter<'_>, timeout: Option<Duration>) -> Result<bool, Abort> {
        let core = &self.core;
        let on = || Arc::clone(core) as Blocker;
        let (flag, set) = block_until(&core.flag, &core.changed, waiter, timeout, &on, |f| *f)?;
        drop(flag);
        Ok(set)
    }
}

/// Why a barrier's wait failed: Python's `BrokenBarrierError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenBarrier;

/// `threading.Barrier`.
#[derive(Debug, Clone)]
pub struct Barrier {
    core: Arc<BarrierCore>,
}

#[derive(Debug, Default)]
struct Round {
    /// Parties waiting in this round.
    count: u32,
    /// Rounds completed.
    generation: u64,
    /// Resets and aborts so far: a waiter from before one is released, broken.
    breaks: u64,
    broken: bool,
    /// Who waits, in which generation and since which break, and as which arrival. An
    /// entry stays until its waiter leaves, so that a wait made again after a yield (a
    /// stepped run on one thread) finds its arrival instead of arriving twice.
    waiting: Vec<(usize, u64, u64, u32)>,
}

#[derive(Debug)]
struct BarrierCore {
    name: String,
    parties: u32,
    round: Mutex<Round>,
    changed: Condvar,
}

impl Round {
    fn released(&self, generation: u64, breaks: u64) -> bool {
        self.generation != generation || self.breaks != breaks || self.broken
    }
}

impl Awaited for BarrierCore {
    fn ready_for(&self, thread: usize) -> bool {
        let round = inner(&self.round);
        round
            .waiting
            .iter()
            .find(|w| w.0 == thread)
            .is_none_or(|&(_, g, b, _)| round.released(g, b))
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn describe(&self) -> String {
        let round = inner(&self.round);
        format!(
            "waits at barrier {} for {} parties, and {} of them are there",
            self.name, self.parties, round.count
        )
    }
}

impl Barrier {
    /// Its name (in deadlock reports and traces).
    pub fn name(&self) -> &str {
        &self.core.name
    }

    /// Its identity in a trace (what its waits record).
    pub fn trace_id(&self) -> usize {
        std::ptr::from_ref(&self.core.round) as usize
    }

    /// A barrier called `name` for `parties` threads (at least one).
    pub fn new(name: impl Into<String>, parties: u32) -> Self {
        Self {
            core: Arc::new(BarrierCore {
                name: name.into(),
                parties: parties.max(1),
                round: Mutex::default(),
                changed: Condvar::new(),
            }),
        }
    }

    /// Arrives and waits for the other parties: this thread's arrival index in its round
    /// (0 for the first), or `Err(BrokenBarrier)` when the barrier is or gets broken (an
    /// abort, a reset, or a timeout, which breaks it for everyone, as in Python).
    pub fn wait(
        &self,
        waiter: &Waiter<'_>,
        timeout: Option<Duration>,
    ) -> Result<Result<u32, BrokenBarrier>, Abort> {
        let core = &self.core;
        let arrived = inner(&core.round)
            .waiting
            .iter()
            .find(|w| w.0 == waiter.thread)
            .map(|&(_, g, b, i)| (g, b, i));
        let (generation, breaks, index) = if let Some(arrived) = arrived {
            arrived
        } else {
            let mut round = inner(&core.round);
            if round.broken {
                return Ok(Err(BrokenBarrier));
            }
            let index = round.count;
            round.count += 1;
            if round.count == core.parties {
                round.count = 0;
                round.generation += 1;
                core.changed.notify_all();
                // The last party does not wait (nor take a turn, when stepped).
                let obj = std::ptr::from_ref(&core.round) as usize;
                waiter.note(EventOp::Signal { obj }, false);
                return Ok(Ok(index));
            }
            let (g, b) = (round.generation, round.breaks);
            round.waiting.push((waiter.thread, g, b, index));
            (g, b, index)
        };
        let on = || Arc::clone(core) as Blocker;
        let waited = block_until(&core.round, &core.changed, waiter, timeout, &on, |r| {
            r.released(generation, breaks)
        });
        let mut round = match waited {
            Ok((round, _)) => round,
            Err(Abort::Yield) => return Err(Abort::Yield),
            Err(abort) => {
                let mut round = inner(&core.round);
                round.waiting.retain(|w| w.0 != waiter.thread);
                if !round.released(generation, breaks) {
                    round.count = round.count.saturating_sub(1);
                }
                return Err(abort);
            }
        };
        round.waiting.retain(|w| w.0 != waiter.thread);
        if round.generation != generation {
            return Ok(Ok(index));
        }
        if !round.released(generation, breaks) {
            // Timed out: that breaks the barrier for everyone.
            round.broken = true;
            round.count = round.count.saturating_sub(1);
            core.changed.notify_all();
        }
        Ok(Err(BrokenBarrier))
    }

    /// Breaks the barrier: every waiter, now and later, gets `BrokenBarrier`.
    pub fn abort(&self) {
        let mut round = inner(&self.core.round);
        round.broken = true;
        round.breaks += 1;
        round.count = 0;
        self.core.changed.notify_all();
    }

    /// Back to empty and unbroken; threads waiting now get `BrokenBarrier`.
    pub fn reset(&self) {
        let mut round = inner(&self.core.round);
        round.broken = false;
        round.breaks += 1;
        round.count = 0;
        self.core.changed.notify_all();
    }

    /// How many parties it waits for.
    pub fn parties(&self) -> u32 {
        self.core.parties
    }

    /// How many wait in the current round.
    pub fn n_waiting(&self) -> u32 {
        inner(&self.core.round).count
    }

    /// Whether it is broken.
    pub fn broken(&self) -> bool {
        inner(&self.core.round).broken
    }
}

/// `threading.Condition`, over a lock (a `Lock` or, by default, an `RLock`).
#[derive(Debug, Clone)]
pub struct Condition {
    lock: Lock,
    core: Arc<CondCore>,
}

/// Waiters in the order they started waiting, and those notified and not yet gone on.
#[derive(Debug, Default)]
struct Waiters {
    next: u64,
    queue: VecDeque<(usize, u64)>,
    woken: Vec<(usize, u64)>,
    /// Each wait in progress: its thread, ticket, the lock depth it gave up, and once it
    /// was woken, whether by a notify. A wait made again after a yield (a stepped run on
    /// one thread) goes on from here instead of starting over.
    pending: Vec<Pending>,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    thread: usize,
    ticket: u64,
    depth: u32,
    notified: Option<bool>,
}

#[derive(Debug)]
struct CondCore {
    name: String,
    waiters: Mutex<Waiters>,
    notified: Condvar,
}

impl Awaited for CondCore {
    fn ready_for(&self, thread: usize) -> bool {
        let w = inner(&self.waiters);
        !w.queue.iter().any(|q| q.0 == thread) || w.woken.iter().any(|q| q.0 == thread)
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn describe(&self) -> String {
        format!("waits on condition {} to be notified", self.name)
    }
}

impl Condition {
    /// Its name (in deadlock reports and traces).
    pub fn name(&self) -> &str {
        &self.core.name
    }

    /// Its identity in a trace (what its waits record).
    pub fn trace_id(&self) -> usize {
        std::ptr::from_ref(&self.core.waiters) as usize
    }

    /// A condition called `name` over `lock`.
    pub fn new(name: impl Into<String>, lock: Lock) -> Self {
        Self {
            lock,
            core: Arc::new(CondCore {
                name: name.into(),
                waiters: Mutex::default(),
                notified: Condvar::new(),
            }),
        }
    }

    /// Its lock.
    pub fn lock(&self) -> &Lock {
        &self.lock
    }

    /// `condition.wait(timeout)` by the lock's holder: gives the lock up (however deep an
    /// `RLock` is held), waits for a notify, and takes the lock back at the same depth,
    /// timed out or not. `Ok(Ok(false))`: timed out. `Ok(Err(_))` is Python's
    /// `RuntimeError` message when the waiter does not hold the lock.
    pub fn wait(
        &self,
        waiter: &Waiter<'_>,
        timeout: Option<Duration>,
    ) -> Result<Result<bool, &'static str>, Abort> {
        let thread = waiter.thread;
        let core = &self.core;
        let resumed = inner(&core.waiters)
            .pending
            .iter()
            .find(|p| p.thread == thread)
            .copied();
        let Pending {
            ticket,
            depth,
            notified,
            ..
        } = match resumed {
            Some(p) => p,
            None => {
                if self.lock.holder().is_none_or(|(o, _)| o != thread) {
                    return Ok(Err("cannot wait on un-acquired lock"));
                }
                let ticket = {
                    let mut w = inner(&core.waiters);
                    w.next += 1;
                    let ticket = w.next;
                    w.queue.push_back((thread, ticket));
                    ticket
                };
                // The ticket is drawn while the lock is still held, so a notify that
                // follows the release cannot be missed.
                let depth = self.lock.release_all_by(thread);
                if depth > 0 {
                    let obj = self.lock.trace_id();
                    waiter.note(EventOp::Release { obj }, false);
                }
                let p = Pending {
                    thread,
                    ticket,
                    depth,
                    notified: None,
                };
                inner(&core.waiters).pending.push(p);
                p
            }
        };
        let forget = |w: &mut Waiters| {
            w.woken.retain(|&(_, t)| t != ticket);
            w.queue.retain(|&(_, t)| t != ticket);
            w.pending.retain(|p| p.ticket != ticket);
        };
        let notified = match notified {
            Some(notified) => notified,
            None => {
                let on = || Arc::clone(core) as Blocker;
                let waited =
                    block_until(&core.waiters, &core.notified, waiter, timeout, &on, |w| {
                        w.woken.iter().any(|&(_, t)| t == ticket)
                    });
                match waited {
                    Ok((mut w, notified)) => {
                        w.woken.retain(|&(_, t)| t != ticket);
                        w.queue.retain(|&(_, t)| t != ticket);
                        if let Some(p) = w.pending.iter_mut().find(|p| p.ticket == ticket) {
                            p.notified = Some(notified);
                        }
                        notified
                    }
                    Err(Abort::Yield) => return Err(Abort::Yield),
                    Err(abort) => {
                        forget(&mut inner(&core.waiters));
                        return Err(abort);
                    }
                }
            }
        };
        match self.lock.reacquire_depth(waiter, depth) {
            Err(Abort::Yield) => return Err(Abort::Yield),
            r => {
                forget(&mut inner(&core.waiters));
                r?;
            }
        }
        Ok(Ok(notified))
    }

    /// `condition.notify(n)` by the lock's holder: wakes the `n` oldest waiters. `Err` is
    /// Python's `RuntimeError` message when `thread` does not hold the lock.
    pub fn notify(&self, thread: usize, n: usize) -> Result<(), &'static str> {
        if self.lock.holder().is_none_or(|(o, _)| o != thread) {
            return Err("cannot notify on un-acquired lock");
        }
        let mut w = inner(&self.core.waiters);
        for _ in 0..n {
            let Some(next) = w.queue.pop_front() else {
                break;
            };
            w.woken.push(next);
        }
        self.core.notified.notify_all();
        Ok(())
    }
}

/// What `Queue::put` gives back when the queue stayed full: the item.
#[derive(Debug)]
pub struct Full<T>(pub T);

/// `queue.Queue`: first in, first out, with `maxsize` (0: unbounded) and the count of
/// unfinished tasks behind `task_done` and `join`.
pub struct Queue<T> {
    core: Arc<QueueCore<T>>,
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Self {
            core: Arc::clone(&self.core),
        }
    }
}

struct Items<T> {
    items: VecDeque<T>,
    maxsize: usize,
    unfinished: u64,
}

struct QueueCore<T> {
    name: String,
    state: Mutex<Items<T>>,
    changed: Condvar,
}

impl<T> std::fmt::Debug for QueueCore<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Queue({})", self.name)
    }
}

impl<T> std::fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.core.fmt(f)
    }
}

/// Which of a queue's waits a thread is in, for the wait-for graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueueWait {
    Get,
    Put,
    Join,
}

struct QueueWaiter<T> {
    core: Arc<QueueCore<T>>,
    wait: QueueWait,
}

impl<T> std::fmt::Debug for QueueWaiter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} ({:?})", self.core, self.wait)
    }
}

impl<T> Items<T> {
    fn ready(&self, wait: QueueWait) -> bool {
        match wait {
            QueueWait::Get => !self.items.is_empty(),
            QueueWait::Put => self.maxsize == 0 || self.items.len() < self.maxsize,
            QueueWait::Join => self.unfinished == 0,
        }
    }
}

impl<T: Send + 'static> Awaited for QueueWaiter<T> {
    fn ready_for(&self, _thread: usize) -> bool {
        inner(&self.core.state).ready(self.wait)
    }

    fn name(&self) -> String {
        self.core.name.clone()
    }

    fn describe(&self) -> String {
        let name = &self.core.name;
        match self.wait {
            QueueWait::Get => format!("waits to get an item from queue {name}, which is empty"),
            QueueWait::Put => format!("waits to put an item in queue {name}, which is full"),
            QueueWait::Join => {
                format!("waits for every item of queue {name} to be marked done (join)")
            }
        }
    }
}

impl<T: Send + 'static> Queue<T> {
    /// Its name (in deadlock reports and traces).
    pub fn name(&self) -> &str {
        &self.core.name
    }

    /// Its identity in a trace (what its waits record).
    pub fn trace_id(&self) -> usize {
        std::ptr::from_ref(&self.core.state) as usize
    }

    /// An empty queue called `name` holding at most `maxsize` items (0: no limit).
    pub fn new(name: impl Into<String>, maxsize: usize) -> Self {
        Self {
            core: Arc::new(QueueCore {
                name: name.into(),
                state: Mutex::new(Items {
                    items: VecDeque::new(),
                    maxsize,
                    unfinished: 0,
                }),
                changed: Condvar::new(),
            }),
        }
    }

    fn block(
        &self,
        waiter: &Waiter<'_>,
        timeout: Option<Duration>,
        wait: QueueWait,
    ) -> Result<(MutexGuard<'_, Items<T>>, bool), Abort> {
        let core = &self.core;
        let on = || {
            Arc::new(QueueWaiter {
                core: Arc::clone(core),
                wait,
            }) as Blocker
        };
        block_until(&core.state, &core.changed, waiter, timeout, &on, |s| {
            s.ready(wait)
        })
    }

    /// Puts `item` at the end, waiting for room; `Ok(Err(Full(item)))` when `timeout`
    /// passed first (`Some(ZERO)`: `put_nowait`).
    pub fn put(
        &self,
        waiter: &Waiter<'_>,
        item: T,
        timeout: Option<Duration>,
    ) -> Result<Result<(), Full<T>>, Abort> {
        let (mut state, room) = self.block(waiter, timeout, QueueWait::Put)?;
        if !room {
            return Ok(Err(Full(item)));
        }
        state.items.push_back(item);
        state.unfinished += 1;
        self.core.changed.notify_all();
        Ok(Ok(()))
    }

    /// Takes the first item, waiting for one; `Ok(None)` when `timeout` passed first
    /// (`Some(ZERO)`: `get_nowait`).
    pub fn get(&self, waiter: &Waiter<'_>, timeout: Option<Duration>) -> Result<Option<T>, Abort> {
        let (mut state, any) = self.block(waiter, timeout, QueueWait::Get)?;
        if !any {
            return Ok(None);
        }
        let item = state.items.pop_front();
        self.core.changed.notify_all();
        Ok(item)
    }

    /// One item taken earlier is done. `Err` is Python's `ValueError` message when more
    /// were marked done than were put.
    pub fn task_done(&self) -> Result<(), &'static str> {
        let mut state = inner(&self.core.state);
        if state.unfinished == 0 {
            return Err("task_done() called too many times");
        }
        state.unfinished -= 1;
        if state.unfinished == 0 {
            self.core.changed.notify_all();
        }
        Ok(())
    }

    /// Waits until every item put has been marked done.
    pub fn join(&self, waiter: &Waiter<'_>) -> Result<(), Abort> {
        self.block(waiter, None, QueueWait::Join).map(drop)
    }

    /// Items in the queue now.
    pub fn qsize(&self) -> usize {
        inner(&self.core.state).items.len()
    }

    /// Whether it holds `maxsize` items now (never, without a limit).
    pub fn full(&self) -> bool {
        let state = inner(&self.core.state);
        state.maxsize > 0 && state.items.len() >= state.maxsize
    }

    /// Its `maxsize` (0: no limit).
    pub fn maxsize(&self) -> usize {
        inner(&self.core.state).maxsize
    }

    /// The items, front first, for a look that takes nothing (a final state, a repr).
    pub fn snapshot(&self) -> Vec<T>
    where
        T: Clone,
    {
        inner(&self.core.state).items.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::RunControl;
    use crate::sync::LockKind;

    type Body<'a, R> = Box<dyn FnOnce(&RunControl) -> R + Send + 'a>;

    fn run_with_threads<R: Send>(run: &RunControl, bodies: Vec<Body<'_, R>>) -> Vec<R> {
        std::thread::scope(|s| {
            let handles: Vec<_> = bodies
                .into_iter()
                .map(|b| s.spawn(move || b(run)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    }

    #[test]
    fn an_event_nobody_will_set_is_a_deadlock_naming_it_once_every_live_thread_waits() {
        let run = RunControl::new();
        let (ready, done) = (Event::new("ready"), Event::new("done"));
        run.waits.thread_started(0);
        run.waits.thread_started(1);
        let started = Instant::now();
        let ends = run_with_threads(
            &run,
            vec![
                Box::new(|run| ready.wait(&Waiter::new(0, run).at_line(3), None)),
                Box::new(|run| done.wait(&Waiter::new(1, run).at_line(9), None)),
            ],
        );
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(
            ends.iter().any(|e| matches!(e, Err(Abort::Deadlock(_)))),
            "{ends:?}"
        );
        let found = run.waits.deadlock().expect("a deadlock");
        assert!(found.cycle.is_empty());
        let mut waiting = found.waiting.clone();
        waiting.sort_by_key(|w| w.thread);
        assert_eq!(waiting[0].waits_for, "ready");
        assert_eq!(waiting[0].line, Some(3));
        assert_eq!(waiting[0].why, "waits for event ready to be set");
        assert_eq!(waiting[1].waits_for, "done");
    }

    #[test]
    fn a_waiter_whose_event_another_live_thread_will_set_is_not_a_deadlock() {
        let run = RunControl::new();
        let ready = Event::new("ready");
        run.waits.thread_started(0);
        run.waits.thread_started(1);
        let ends = run_with_threads(
            &run,
            vec![
                Box::new(|run| ready.wait(&Waiter::new(0, run), None)),
                Box::new(|_| {
                    std::thread::sleep(Duration::from_millis(120));
                    ready.set();
                    Ok(true)
                }),
            ],
        );
        assert_eq!(ends, [Ok(true), Ok(true)]);
        assert!(run.waits.deadlock().is_none());
    }

    #[test]
    fn a_condition_wakes_its_oldest_waiter_and_gives_the_lock_back() {
        let run = RunControl::new();
        let cond = Condition::new("cond", Lock::new("cond", LockKind::Reentrant));
        let items = Mutex::new(Vec::<u32>::new());
        let ends = run_with_threads(
            &run,
            vec![
                Box::new(|run| {
                    let w = Waiter::new(0, run);
                    cond.lock().acquire_for(&w, None).unwrap();
                    while inner(&items).is_empty() {
                        assert_eq!(cond.wait(&w, None), Ok(Ok(true)));
                    }
                    let held = cond.lock().holder();
                    cond.lock().release_by(0).unwrap();
                    (inner(&items).clone(), held)
                }),
                Box::new(|run| {
                    std::thread::sleep(Duration::from_millis(30));
                    let w = Waiter::new(1, run);
                    cond.lock().acquire_for(&w, None).unwrap();
                    inner(&items).push(7);
                    cond.notify(1, 1).unwrap();
                    cond.lock().release_by(1).unwrap();
                    (Vec::new(), None)
                }),
            ],
        );
        assert_eq!(ends[0], (vec![7], Some((0, 1))));
        assert_eq!(cond.notify(3, 1), Err("cannot notify on un-acquired lock"));
    }

    #[test]
    fn a_bounded_queue_blocks_puts_until_a_get_and_times_out_when_asked() {
        let run = RunControl::new();
        let q: Queue<u32> = Queue::new("q", 1);
        let w = Waiter::new(0, &run);
        assert!(q.put(&w, 1, None).unwrap().is_ok());
        let full = q.put(&w, 2, Some(Duration::from_millis(20))).unwrap();
        assert!(matches!(full, Err(Full(2))));
        assert_eq!(q.get(&w, Some(Duration::ZERO)).unwrap(), Some(1));
        assert_eq!(q.get(&w, Some(Duration::from_millis(10))).unwrap(), None);
        assert_eq!(q.task_done(), Ok(()));
        assert_eq!(q.task_done(), Err("task_done() called too many times"));
        q.join(&w).unwrap();
    }

    #[test]
    fn a_barrier_releases_its_parties_together_and_a_timeout_breaks_it() {
        let run = RunControl::new();
        let b = Barrier::new("b", 2);
        let ends = run_with_threads(
            &run,
            vec![
                Box::new(|run| b.wait(&Waiter::new(0, run), None).unwrap()),
                Box::new(|run| {
                    std::thread::sleep(Duration::from_millis(20));
                    b.wait(&Waiter::new(1, run), None).unwrap()
                }),
            ],
        );
        assert_eq!(ends, [Ok(0), Ok(1)]);
        let w = Waiter::new(0, &run);
        assert_eq!(
            b.wait(&w, Some(Duration::from_millis(10))).unwrap(),
            Err(BrokenBarrier)
        );
        assert!(b.broken());
        b.reset();
        assert!(!b.broken());
    }

    #[test]
    fn a_bounded_semaphore_refuses_a_release_past_its_start() {
        let run = RunControl::new();
        let s = Semaphore::new("s", 1, true);
        let w = Waiter::new(0, &run);
        assert_eq!(s.acquire(&w, None), Ok(true));
        assert_eq!(s.acquire(&w, Some(Duration::ZERO)), Ok(false));
        assert_eq!(s.release(1), Ok(()));
        assert_eq!(s.release(1), Err("Semaphore released too many times"));
        assert_eq!(s.value(), 1);
    }
}
