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

use super::join::EndCore;
use super::lock::LockCore;
use super::{inner, Deadlock, WaitEdge, Waiter};
use crate::limits::MAX_PROGRAM_THREADS;

/// What a blocked thread waits for: something one other thread can give.
#[derive(Debug, Clone)]
pub(super) enum Blocker {
    /// A lock, given by its owner's release.
    Lock(Arc<LockCore>),
    /// The end of a thread (`join`), given by that thread finishing.
    End(Arc<EndCore>),
}

impl Blocker {
    /// Who can give it, and that owner's epoch (to tell the same ownership on a re-read).
    fn owner(&self) -> Option<(usize, u64)> {
        match self {
            Blocker::Lock(lock) => lock.owner(),
            Blocker::End(end) => end.running().map(|t| (t, 0)),
        }
    }

    /// Its name in a deadlock report.
    fn name(&self) -> String {
        match self {
            Blocker::Lock(lock) => lock.name.clone(),
            Blocker::End(end) => end.waits_for(),
        }
    }

    /// Whether holding it is something to report (a lock is held; a thread's end is not).
    fn is_held(&self) -> bool {
        matches!(self, Blocker::Lock(_))
    }
}

/// What one thread is blocked on.
#[derive(Debug)]
struct Slot {
    /// What it waits for, while it waits.
    on: Option<Blocker>,
    /// Where in the listing it waits (a fragment of the line's text; empty if not said).
    site: &'static str,
    /// The program line it waits at, when its waiter said.
    line: Option<usize>,
    /// Bumped at every start and end of a wait, so that a re-read can tell "the same wait"
    /// from "a new wait for the same lock".
    epoch: u64,
}

impl Slot {
    const IDLE: Slot = Slot {
        on: None,
        site: "",
        line: None,
        epoch: 0,
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
    site: &'static str,
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
        }
    }

    /// Forgets the last run's deadlock. (Every wait clears its own slot when it ends.)
    pub(crate) fn reset(&self) {
        *inner(&self.deadlock) = None;
        self.halted.store(false, Relaxed);
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

    /// The waiter's thread starts waiting for `on` where the waiter stands.
    pub(super) fn begin_wait(&self, waiter: &Waiter<'_>, on: Blocker) {
        if let Some(slot) = self.slot(waiter.thread) {
            let mut s = inner(slot);
            s.on = Some(on);
            s.site = waiter.site;
            s.line = waiter.line;
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

    /// The cycle through `me`, if `me` is blocked in one (confirmed as described above).
    pub(super) fn find_cycle(&self, me: usize) -> Option<Deadlock> {
        let first = self.walk(me)?;
        let again = self.walk(me)?;
        (first == again).then(|| to_deadlock(&first))
    }

    /// Follows wait-for edges from `me`; `Some` when they lead back to `me`.
    fn walk(&self, me: usize) -> Option<Vec<SeenEdge>> {
        let mut edges: Vec<SeenEdge> = Vec::new();
        let mut thread = me;
        loop {
            let (on, site, line, wait_epoch) = {
                let s = inner(self.slot(thread)?);
                (s.on.clone()?, s.site, s.line, s.epoch)
            };
            let (owner, owner_epoch) = on.owner()?;
            edges.push(SeenEdge {
                thread,
                wait_epoch,
                site,
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
                    site: e.site,
                    line: e.line,
                }
            })
            .collect(),
    }
}
