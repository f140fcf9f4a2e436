//! The wait-for graph of a run, and the deadlock detector that reads it.
//!
//! Every scenario thread has a slot saying which lock it is blocked on (if any) and where in
//! the listing it stands. Each lock knows its owner. Following "thread waits for lock, lock
//! is held by thread" from a blocked thread either ends (someone can still move) or comes
//! back to where it started: a cycle, and nobody in it can ever move again.
//!
//! There is no separate watchdog thread (the browser pool has no worker to spare for one):
//! every blocked lock waiter wakes every [`super::WAIT_POLL`] anyway to look at the cancel
//! flag, and then also walks the graph from itself. A cycle is therefore found within one
//! poll of its last edge forming, not after "no progress for N seconds".
//!
//! The walk reads one slot or one lock at a time, never holding two of their mutexes at
//! once, so it cannot deadlock itself; but what it reads is then not one consistent
//! snapshot. A cycle is reported only after a second walk finds every edge with the same
//! epoch: each edge then existed throughout the time between its two reads, so all of them
//! existed together at the end of the first walk, and a cycle of blocked lock waiters, once
//! it exists, stays.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use super::outcome::{inner, Deadlock, WaitEdge, Waiting};
use crate::limits::MAX_PROGRAM_THREADS;

/// Something a thread can block on, as the wait-for graph sees it. Each primitive says for
/// itself whether a waiter could go on now and who, if anyone in particular, can let it.
pub(crate) trait Awaited: Send + Sync + std::fmt::Debug {
    /// Whether `thread`'s wait could end now (a lock is free, an event set, a queue has an
    /// item): a thread woken but not yet running again is not stuck.
    fn ready_for(&self, thread: usize) -> bool;

    /// The one thread that can end the wait, and an epoch that changes whenever that
    /// changes (a lock's owner, a joined thread); `None` when any thread could (an event
    /// anyone may set).
    fn owner(&self) -> Option<(usize, u64)> {
        None
    }

    /// Its name in a deadlock report (`lock_a`, `Thread-1 to finish`).
    fn name(&self) -> String;

    /// What the waiter waits for, in words, for a learner (`for event done to be set`).
    fn describe(&self) -> String;

    /// Whether holding it is something to report in a cycle (a lock is held; a thread's
    /// end is not).
    fn is_held(&self) -> bool {
        false
    }
}

/// What a blocked thread waits for.
pub(super) type Blocker = Arc<dyn Awaited>;

/// A live thread seen waiting: its index, its wait's epoch, what it waits for, its line.
type StuckWait = (usize, u64, Blocker, Option<usize>);

/// What one thread is blocked on.
#[derive(Debug)]
struct Slot {
    /// What it waits for, while it waits.
    on: Option<Blocker>,
    /// The program line it waits at, when its waiter said.
    line: Option<usize>,
    /// Bumped at every start and end of a wait, so that a re-read can tell "the same wait"
    /// from "a new wait for the same lock".
    epoch: u64,
    /// The thread has started and not finished (programs' threads say so; a scenario's
    /// threads do not, and then only cycles are looked for).
    live: bool,
}

impl Slot {
    const IDLE: Slot = Slot {
        on: None,
        line: None,
        epoch: 0,
        live: false,
    };
}

/// Slots for every thread a run may have. Fixed, so that the graph can live in the static
/// control block of the wasm module; a thread index past it is simply not tracked.
const SLOTS: usize = MAX_PROGRAM_THREADS;

/// Who waits for which lock in the run in flight, and the first deadlock found in it.
#[derive(Debug)]
pub struct WaitGraph {
    slots: [Mutex<Slot>; SLOTS],
    deadlock: Mutex<Option<Deadlock>>,
    halted: AtomicBool,
    /// Whether some thread said it is live: the "everyone waits" rule applies.
    tracks_live: AtomicBool,
}

impl Default for WaitGraph {
    fn default() -> Self {
        Self::new()
    }
}

/// One edge as read by a walk: `thread` waits (wait number `wait_epoch`) for `lock`, whose
/// owner was `owner` (ownership number `owner_epoch`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SeenEdge {
    thread: usize,
    wait_epoch: u64,
    line: Option<usize>,
    lock: String,
    held: bool,
    owner: usize,
    owner_epoch: u64,
}

impl WaitGraph {
    /// An empty graph: nobody waits.
    pub const fn new() -> Self {
        Self {
            slots: [const { Mutex::new(Slot::IDLE) }; SLOTS],
            deadlock: Mutex::new(None),
            halted: AtomicBool::new(false),
            tracks_live: AtomicBool::new(false),
        }
    }

    /// Forgets the last run's deadlock and threads. (Every wait clears its own slot when it
    /// ends.)
    pub(crate) fn reset(&self) {
        *inner(&self.deadlock) = None;
        self.halted.store(false, Relaxed);
        self.tracks_live.store(false, Relaxed);
        for slot in &self.slots {
            inner(slot).live = false;
        }
    }

    /// Thread `thread` has started (a program's thread, registered before it runs): from
    /// now on a run where every live thread waits for what none of them can give is a
    /// deadlock too, not only a cycle of locks.
    pub fn thread_started(&self, thread: usize) {
        if let Some(slot) = self.slot(thread) {
            inner(slot).live = true;
            self.tracks_live.store(true, Relaxed);
        }
    }

    /// Thread `thread` has finished (after it gave its end to its joiners).
    pub fn thread_finished(&self, thread: usize) {
        if let Some(slot) = self.slot(thread) {
            inner(slot).live = false;
        }
    }

    /// Whether a deadlock was found: every thread of the run should stop.
    pub fn is_halted(&self) -> bool {
        self.halted.load(Relaxed)
    }

    /// The first deadlock found in the run, if any.
    pub fn deadlock(&self) -> Option<Deadlock> {
        inner(&self.deadlock).clone()
    }

    /// Records `found` (unless a deadlock was recorded already) and halts the run.
    pub(crate) fn halt(&self, found: Deadlock) {
        inner(&self.deadlock).get_or_insert(found);
        self.halted.store(true, Relaxed);
    }

    fn slot(&self, thread: usize) -> Option<&Mutex<Slot>> {
        self.slots.get(thread)
    }

    /// `thread` starts waiting for `on`, at `line` when its waiter knows it.
    pub(super) fn begin_wait(&self, thread: usize, line: Option<usize>, on: Blocker) {
        if let Some(slot) = self.slot(thread) {
            let mut s = inner(slot);
            s.on = Some(on);
            s.line = line;
            s.epoch += 1;
        }
    }

    /// `thread` no longer waits.
    pub(super) fn end_wait(&self, thread: usize) {
        if let Some(slot) = self.slot(thread) {
            let mut s = inner(slot);
            s.on = None;
            s.epoch += 1;
        }
    }

    /// The cycle through `me`, if `me` is blocked in one (confirmed as described above),
    /// or else, where threads say when they live, the state where every live thread waits
    /// for something none of them can give.
    pub(super) fn find_cycle(&self, me: usize) -> Option<Deadlock> {
        if let Some(first) = self.walk(me) {
            if self.walk(me).as_ref() == Some(&first) {
                let mut found = to_deadlock(&first);
                if self.tracks_live.load(Relaxed) {
                    found.waiting = self.all_stuck().unwrap_or_default();
                }
                return Some(found);
            }
        }
        let waiting = self.all_stuck()?;
        // Stuck threads may include a cycle that does not pass through `me` (`me` joins
        // one of its threads): report the cycle too.
        let cycle = waiting
            .iter()
            .find_map(|w| {
                let first = self.walk(w.thread)?;
                (self.walk(w.thread)? == first).then(|| to_deadlock(&first).cycle)
            })
            .unwrap_or_default();
        Some(Deadlock { cycle, waiting })
    }

    /// Every live thread's wait, if every live thread waits (without a timeout) for
    /// something not ready. Read twice: when no wait started or ended between the reads,
    /// no thread acted in between (a waiting thread does nothing else), so nothing could
    /// have become ready, and nothing ever will.
    fn all_stuck(&self) -> Option<Vec<Waiting>> {
        if !self.tracks_live.load(Relaxed) {
            return None;
        }
        let read = || -> Option<Vec<StuckWait>> {
            let mut seen = Vec::new();
            for (thread, slot) in self.slots.iter().enumerate() {
                let (on, epoch, line) = {
                    let s = inner(slot);
                    if !s.live {
                        continue;
                    }
                    (s.on.clone()?, s.epoch, s.line)
                };
                if on.ready_for(thread) {
                    return None;
                }
                seen.push((thread, epoch, on, line));
            }
            (!seen.is_empty()).then_some(seen)
        };
        let first = read()?;
        let again = read()?;
        let same = first.len() == again.len()
            && first
                .iter()
                .zip(&again)
                .all(|(a, b)| a.0 == b.0 && a.1 == b.1);
        same.then(|| {
            again
                .into_iter()
                .map(|(thread, _, on, line)| Waiting {
                    thread,
                    waits_for: on.name(),
                    line,
                    why: on.describe(),
                })
                .collect()
        })
    }

    /// Follows wait-for edges from `me`; `Some` when they lead back to `me`.
    fn walk(&self, me: usize) -> Option<Vec<SeenEdge>> {
        let mut edges: Vec<SeenEdge> = Vec::new();
        let mut thread = me;
        loop {
            let (on, line, wait_epoch) = {
                let s = inner(self.slot(thread)?);
                (s.on.clone()?, s.line, s.epoch)
            };
            if on.ready_for(thread) {
                return None;
            }
            let (owner, owner_epoch) = on.owner()?;
            edges.push(SeenEdge {
                thread,
                wait_epoch,
                line,
                lock: on.name(),
                held: on.is_held(),
                owner,
                owner_epoch,
            });
            if owner == me {
                return Some(edges);
            }
            // A cycle that does not pass through `me`: one of its own members reports it.
            if edges.iter().any(|e| e.thread == owner) || edges.len() > self.slots.len() {
                return None;
            }
            thread = owner;
        }
    }
}

/// The report's form of a confirmed cycle: each thread holds the lock the one before it
/// waits for (thread i+1 owns lock i), and waits for its own. (A thread another one joins
/// holds nothing for it: it only has to finish.)
fn to_deadlock(edges: &[SeenEdge]) -> Deadlock {
    let n = edges.len();
    Deadlock {
        cycle: edges
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let before = &edges[(i + n - 1) % n];
                WaitEdge {
                    thread: e.thread,
                    holds: if before.held {
                        vec![before.lock.clone()]
                    } else {
                        Vec::new()
                    },
                    waits_for: e.lock.clone(),
                    line: e.line,
                }
            })
            .collect(),
        waiting: Vec::new(),
    }
}
