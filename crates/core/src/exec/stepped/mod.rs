//! The stepped executor: every scenario thread on one real thread, one operation at a time,
//! in an order chosen by a schedule (the learner's, a recorded run's, an exploration's) or
//! by a seeded random scheduler.
//!
//! Thread bodies are the same `async fn`s the parallel executor runs. In a stepped run each
//! operation of [`super::Ctx`] first awaits a [`Turn`]: the thread stops there and says what
//! it will do next and whether it could (a lock held by another thread, an event not yet set
//! say no). The scheduler polls in two modes:
//! - *probe*: every live thread is polled; each is parked at a turn and only republishes
//!   what it waits to do, so the scheduler learns who can move now without anything moving;
//! - *go*: the chosen thread's turn completes, its operation runs, and the thread runs on to
//!   its next turn (or its end). That is one step.
//!
//! A blocking primitive is only ever entered once its turn said it is free, so nothing here
//! blocks the one real thread; no thread able to move while some are unfinished is a
//! deadlock, reported with the cycle of who holds what the other waits for. Time is virtual
//! (one microsecond a step), so the same schedule and seed give the same report, always.

pub(crate) mod run;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::task::{Context, Poll};

use serde::Serialize;

use crate::limits::STEP_LOG_LIMIT;
use crate::sync::outcome::{inner as inner_of, Deadlock, WaitEdge};

/// How a stepped run chooses who moves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepPlan {
    /// The threads to step, in order, before anything else.
    pub schedule: Vec<u8>,
    /// After the schedule: stop there (`true`, a paused report) or let the seeded random
    /// scheduler finish the run (`false`).
    pub pause: bool,
    /// Seed of the random scheduler.
    pub seed: u64,
}

/// What one step does: the names are those of trace events, so a real run's trace can be
/// read back as a schedule (see [`crate::Trace::schedule`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// Reads a shared number.
    Read,
    /// Writes a shared number.
    Write,
    /// Takes a lock, a permit, or a condition's lock.
    Acquire,
    /// Starts waiting: for an event, at a barrier (arrives), on a condition (gives its lock
    /// up).
    Wait,
    /// Stops waiting: the event is set, the barrier opened, the condition notified (and its
    /// lock taken back).
    Wake,
    /// Sets an event.
    Signal,
}

/// What a thread parked at its turn waits for, checked without taking anything.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wants<'a> {
    /// Nothing: the operation can always go.
    Nothing,
    /// A primitive that says itself whether the thread may go on (a lock: free, or its own).
    On(&'a dyn Ready),
}

/// A primitive a stepped thread may wait for at its turn: it declares its own readiness, so
/// the gate needs to know no primitive.
pub(crate) trait Ready: std::fmt::Debug {
    /// `None` if `thread` could go on now; else why not, without taking anything.
    fn blocked_for(&self, thread: usize) -> Option<Blocked>;
}

/// Why a thread cannot move: what it waits for and who holds that (for locks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Blocked {
    /// The name of what it waits for.
    pub on: String,
    /// The thread holding it, if one does.
    pub owner: Option<usize>,
}

impl Wants<'_> {
    fn check(&self, thread: usize) -> Option<Blocked> {
        match *self {
            Wants::Nothing => None,
            Wants::On(primitive) => primitive.blocked_for(thread),
        }
    }
}

/// The next operation of a thread parked at its turn.
#[derive(Debug, Clone)]
struct Pending {
    kind: StepKind,
    obj: usize,
    site: &'static str,
    blocked: Option<Blocked>,
}

/// One step taken.
#[derive(Debug, Clone)]
struct Taken {
    thread: u8,
    kind: StepKind,
    obj: usize,
    site: &'static str,
    value: Option<i64>,
}

#[derive(Debug)]
struct GateState {
    pending: Vec<Option<Pending>>,
    done: Vec<bool>,
    /// Threads between their `invalid_begin` and `invalid_end`.
    invalid: Vec<bool>,
    /// The first [`STEP_LOG_LIMIT`] steps.
    log: Vec<Taken>,
    /// The step in progress (logged or not), for [`StepGate::saw`].
    current: Option<Taken>,
    schedule: Vec<u8>,
    /// Objects the scenario named, by address, in naming order: stable ids across runs.
    named: Vec<usize>,
    names: Vec<String>,
    /// What each thread did and saw, hashed in order.
    histories: Vec<u64>,
    /// The last value written to each shared number, by stable id, in id order (kept
    /// sorted as it grows: a sort would add its code to the wasm for a handful of cells).
    cells: Vec<(usize, i64)>,
    /// The order of every synchronising step.
    sync: u64,
    violation_at: Option<u64>,
}

impl GateState {
    const fn new() -> Self {
        Self {
            pending: Vec::new(),
            done: Vec::new(),
            invalid: Vec::new(),
            log: Vec::new(),
            current: None,
            schedule: Vec::new(),
            named: Vec::new(),
            names: Vec::new(),
            histories: Vec::new(),
            cells: Vec::new(),
            sync: 0,
            violation_at: None,
        }
    }

    /// Threads that can move now: not done, and their turn says nothing blocks them.
    fn enabled(&self) -> Vec<usize> {
        (0..self.pending.len())
            .filter(|&t| {
                !self.done[t]
                    && self.pending[t]
                        .as_ref()
                        .is_some_and(|p| p.blocked.is_none())
            })
            .collect()
    }

    fn stable_id(&self, obj: usize) -> u64 {
        match self.named.iter().position(|&o| o == obj) {
            Some(i) => i as u64,
            // Unnamed objects fall back to their address: still right within one run.
            None => obj as u64 | 1 << 63,
        }
    }

    fn name(&self, obj: usize) -> Option<String> {
        self.named
            .iter()
            .position(|&o| o == obj)
            .map(|i| self.names[i].clone())
    }
}

/// The stepped executor's shared state, in the run's control block so that every `Ctx`
/// reaches it. Idle (and never touched) in parallel runs.
#[derive(Debug)]
pub struct StepGate {
    active: AtomicBool,
    probing: AtomicBool,
    steps: AtomicU64,
    state: Mutex<GateState>,
}

impl Default for StepGate {
    fn default() -> Self {
        Self::new()
    }
}

/// FNV-1a over 64-bit words: small, and the same on every platform and run.
fn mix(h: u64, word: u64) -> u64 {
    let mut h = h;
    for b in word.to_le_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

impl StepGate {
    /// An idle gate.
    pub const fn new() -> Self {
        Self {
            active: AtomicBool::new(false),
            probing: AtomicBool::new(false),
            steps: AtomicU64::new(0),
            state: Mutex::new(GateState::new()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, GateState> {
        inner_of(&self.state)
    }

    /// Whether a stepped run is in flight.
    pub(crate) fn is_active(&self) -> bool {
        self.active.load(Relaxed)
    }

    fn is_probing(&self) -> bool {
        self.probing.load(Relaxed)
    }

    /// Steps taken so far: the stepped run's clock, one microsecond a step.
    pub(crate) fn steps(&self) -> u64 {
        self.steps.load(Relaxed)
    }

    fn begin(&self, n: usize, named: Vec<(usize, String)>) {
        let mut st = self.state();
        *st = GateState::new();
        st.pending = vec![None; n];
        st.done = vec![false; n];
        st.invalid = vec![false; n];
        st.histories = vec![FNV_START; n];
        st.sync = FNV_START;
        (st.named, st.names) = named.into_iter().unzip();
        self.steps.store(0, Relaxed);
        self.active.store(true, Relaxed);
    }

    fn publish(&self, thread: usize, pending: Pending) {
        self.state().pending[thread] = Some(pending);
    }

    /// Records that `thread` entered (or left) its temporarily invalid stretch.
    pub(crate) fn mark_invalid(&self, thread: usize, invalid: bool) {
        if let Some(slot) = self.state().invalid.get_mut(thread) {
            *slot = invalid;
        }
    }

    /// Records the value the current step read or wrote.
    pub(crate) fn saw(&self, value: i64) {
        let mut st = self.state();
        let logged = st.log.len() == st.schedule.len();
        let Some(current) = st.current.as_mut() else {
            return;
        };
        current.value = Some(value);
        let (thread, kind, obj) = (current.thread as usize, current.kind, current.obj);
        if logged {
            if let Some(last) = st.log.last_mut() {
                last.value = Some(value);
            }
        }
        st.histories[thread] = mix(st.histories[thread], value as u64);
        if kind == StepKind::Write {
            let id = st.stable_id(obj) as usize;
            match st.cells.binary_search_by_key(&id, |&(o, _)| o) {
                Ok(i) => st.cells[i].1 = value,
                Err(i) => st.cells.insert(i, (id, value)),
            }
        }
    }

    fn take_step(&self, thread: usize) {
        let mut st = self.state();
        let Some(p) = st.pending[thread].take() else {
            return;
        };
        let id = st.stable_id(p.obj);
        let h = mix(mix(st.histories[thread], p.kind as u64), id);
        st.histories[thread] = h;
        if !matches!(p.kind, StepKind::Read | StepKind::Write) {
            st.sync = mix(mix(mix(st.sync, thread as u64), p.kind as u64), id);
        }
        let taken = Taken {
            thread: thread as u8,
            kind: p.kind,
            obj: p.obj,
            site: p.site,
            value: None,
        };
        if st.log.len() < STEP_LOG_LIMIT {
            st.log.push(taken.clone());
        }
        st.current = Some(taken);
        st.schedule.push(thread as u8);
        drop(st);
        self.steps.fetch_add(1, Relaxed);
    }

    /// Threads that can move now.
    fn enabled(&self) -> Vec<usize> {
        self.state().enabled()
    }

    /// Why `thread` cannot take step `index` of a schedule, in words naming `schedule`.
    fn refuse(&self, index: usize, thread: usize) -> String {
        let st = self.state();
        let enabled: Vec<String> = st.enabled().into_iter().map(|t| t.to_string()).collect();
        let why = if thread >= st.pending.len() {
            format!(
                "there is no thread {thread} (threads are 0 to {})",
                st.pending.len() - 1
            )
        } else if st.done[thread] {
            format!("thread {thread} has finished")
        } else {
            match st.pending[thread].as_ref().and_then(|p| p.blocked.as_ref()) {
                Some(b) => format!("thread {thread} is waiting for {}", b.on),
                None => format!("thread {thread} cannot move"),
            }
        };
        format!(
            "schedule[{index}] asks thread {thread} to step, but {why}; threads that can move: {}",
            if enabled.is_empty() {
                "none".into()
            } else {
                enabled.join(", ")
            }
        )
    }

    /// The wait-for cycle among threads none of which can move; every stuck thread if their
    /// waits form no cycle of locks (an event nobody will set).
    fn deadlock(&self) -> Deadlock {
        let st = self.state();
        let waits = |t: usize| {
            st.pending
                .get(t)
                .and_then(|p| p.as_ref())
                .and_then(|p| p.blocked.as_ref().map(|b| (p, b)))
        };
        for start in 0..st.pending.len() {
            let mut path = vec![start];
            let mut t = start;
            while let Some((_, Blocked { owner: Some(o), .. })) = waits(t) {
                if let Some(at) = path.iter().position(|&p| p == *o) {
                    let cycle = &path[at..];
                    let edges = cycle
                        .iter()
                        .enumerate()
                        .map(|(i, &thread)| {
                            let (p, b) = waits(thread).expect("every thread of the path waits");
                            let before = cycle[(i + cycle.len() - 1) % cycle.len()];
                            let held = waits(before).map(|(_, b)| b.on.clone());
                            WaitEdge {
                                thread,
                                holds: held.into_iter().collect(),
                                waits_for: b.on.clone(),
                                site: p.site,
                                line: None,
                            }
                        })
                        .collect();
                    return Deadlock {
                        cycle: edges,
                        waiting: Vec::new(),
                    };
                }
                path.push(*o);
                t = *o;
            }
        }
        Deadlock {
            cycle: (0..st.pending.len())
                .filter_map(|t| {
                    let (p, b) = waits(t)?;
                    Some(WaitEdge {
                        thread: t,
                        holds: Vec::new(),
                        waits_for: b.on.clone(),
                        site: p.site,
                        line: None,
                    })
                })
                .collect(),
            waiting: Vec::new(),
        }
    }

    fn note_violations(&self, seen: bool) {
        if seen {
            let mut st = self.state();
            if st.violation_at.is_none() {
                st.violation_at = Some(st.schedule.len() as u64);
            }
        }
    }

    /// What the stepped run just ended did, for its report; idles the gate.
    pub(crate) fn finish(&self) -> StepReport {
        self.active.store(false, Relaxed);
        let mut st = self.state();
        let st = &mut *st;
        let threads = (0..st.pending.len())
            .map(|t| {
                if st.done[t] {
                    return ThreadView {
                        status: "done",
                        next: None,
                        invalid: false,
                    };
                }
                let next = st.pending[t].as_ref().map(|p| NextStep {
                    op: p.kind,
                    obj: st.name(p.obj),
                    site: p.site,
                    line: None,
                    waits_for: p.blocked.as_ref().map(|b| b.on.clone()),
                    held_by: p.blocked.as_ref().and_then(|b| b.owner),
                    quiet: false,
                });
                let blocked = next.as_ref().is_some_and(|n| n.waits_for.is_some());
                ThreadView {
                    status: if blocked { "blocked" } else { "ready" },
                    next,
                    invalid: st.invalid[t],
                }
            })
            .collect();
        let log = st
            .log
            .iter()
            .map(|s| StepEntry {
                thread: s.thread,
                op: s.kind,
                obj: st.name(s.obj),
                value: s.value,
                site: s.site,
                line: None,
                quiet: false,
            })
            .collect();
        let mut h = mix(st.sync, st.violation_at.is_some() as u64);
        for (t, (hist, done)) in st.histories.iter().zip(&st.done).enumerate() {
            h = mix(mix(mix(h, t as u64), *hist), *done as u64);
        }
        for (id, v) in &st.cells {
            h = mix(mix(h, *id as u64), *v as u64);
        }
        let count = st.schedule.len() as u64;
        StepReport {
            count,
            log_complete: count as usize <= STEP_LOG_LIMIT,
            schedule: std::mem::take(&mut st.schedule),
            log,
            threads,
            violation_at: st.violation_at,
            shared: Vec::new(),
            narrowed: false,
            state: h,
        }
    }
}

/// A stepped run as its report tells it: the schedule it followed, what each step did (the
/// first [`STEP_LOG_LIMIT`]), and where every thread stands at the end.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    /// Steps taken.
    pub count: u64,
    /// The thread of each step, in order: give it back as `schedule` to replay the run.
    pub schedule: Vec<u8>,
    /// Whether `log` holds every step.
    pub log_complete: bool,
    /// What each step did.
    pub log: Vec<StepEntry>,
    /// Where each thread stands now: done, ready (and what it does next) or blocked (on what).
    pub threads: Vec<ThreadView>,
    /// How many steps had been taken when an invariant was first seen broken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violation_at: Option<u64>,
    /// A digest of the whole state (each thread's history, shared values, the order of its
    /// synchronisation, whether a violation was seen): equal states, equal digests.
    #[serde(skip)]
    pub state: u64,
    /// A program's shared data where the run ended or paused, one row per value that can
    /// still change, named by its path from a global (`accounts[1].balance`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shared: Vec<SharedRow>,
    /// A program stepped on one thread: at some step a thread that could have moved was not
    /// offered (suspended inside a call, such as a `key=` function, beneath another thread
    /// that waits), so this run had fewer choices than real threads would have given.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub narrowed: bool,
}

/// One value of a program's shared data.
#[derive(Debug, Clone, Serialize)]
pub struct SharedRow {
    /// Its path from a global.
    pub name: String,
    /// A number, a string, a boolean, `null`, or a short list of them.
    pub value: serde_json::Value,
}

impl StepReport {
    /// Threads that can move now.
    pub fn enabled(&self) -> impl Iterator<Item = usize> + '_ {
        self.threads
            .iter()
            .enumerate()
            .filter(|(_, v)| v.status == "ready")
            .map(|(t, _)| t)
    }

    /// Fills in each step's listing line from its site (see [`crate::listing::locate`]).
    pub(crate) fn locate(&mut self, listing: &[crate::listing::ListingLine]) {
        for e in &mut self.log {
            e.line = crate::listing::locate(listing, e.site);
        }
        for next in self.threads.iter_mut().filter_map(|t| t.next.as_mut()) {
            next.line = crate::listing::locate(listing, next.site);
        }
    }
}

/// One step of a stepped run.
#[derive(Debug, Clone, Serialize)]
pub struct StepEntry {
    /// The thread that moved.
    pub thread: u8,
    /// What it did.
    pub op: StepKind,
    /// On which shared object, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obj: Option<String>,
    /// The value read or written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    #[serde(skip)]
    site: &'static str,
    /// The line of the strategy's listing, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// A step no other thread's step could conflict with (a program's read of what
    /// nothing writes any more; see [`super::scheduler`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub quiet: bool,
}

impl StepEntry {
    /// A step of a stepped program (whose lines are known, not looked up from sites).
    pub(crate) fn new(
        thread: u8,
        op: StepKind,
        obj: Option<String>,
        line: Option<usize>,
        quiet: bool,
    ) -> Self {
        Self {
            thread,
            op,
            obj,
            value: None,
            site: "",
            line,
            quiet,
        }
    }
}

impl ThreadView {
    /// A thread that has finished.
    pub(crate) fn done() -> Self {
        Self {
            status: "done",
            next: None,
            invalid: false,
        }
    }

    /// A thread waiting for its turn to do `next`: ready, or blocked until what it waits
    /// for is.
    pub(crate) fn waiting(next: NextStep, ready: bool) -> Self {
        Self {
            status: if ready { "ready" } else { "blocked" },
            next: Some(next),
            invalid: false,
        }
    }
}

impl NextStep {
    /// The next step of a stepped program's thread.
    pub(crate) fn new(
        op: StepKind,
        obj: Option<String>,
        line: Option<usize>,
        waits_for: Option<String>,
        quiet: bool,
    ) -> Self {
        Self {
            op,
            obj,
            site: "",
            line,
            waits_for,
            held_by: None,
            quiet,
        }
    }
}

/// Where a thread of a stepped run stands.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadView {
    /// `done`, `ready` or `blocked`.
    pub status: &'static str,
    /// Its next operation, unless done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<NextStep>,
    /// Whether it is in the middle of an update: it has begun to make the shared data
    /// invalid (money debited, a seat that only looks free) and not yet made it whole.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub invalid: bool,
}

/// The operation a thread will do when next stepped.
#[derive(Debug, Clone, Serialize)]
pub struct NextStep {
    /// What it will do.
    pub op: StepKind,
    /// On which shared object, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obj: Option<String>,
    #[serde(skip)]
    site: &'static str,
    /// The line of the strategy's listing, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What it waits for, when it cannot move.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<String>,
    /// The thread holding the lock it waits for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by: Option<usize>,
    /// Whether the step is quiet (see [`StepEntry::quiet`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub quiet: bool,
}

/// The await point in front of every operation of a stepped thread (see the module docs);
/// in a parallel run (no gate) it is ready at once.
pub(crate) struct Turn<'a> {
    gate: Option<&'a StepGate>,
    thread: usize,
    kind: StepKind,
    obj: usize,
    site: &'a std::cell::Cell<&'static str>,
    wants: Wants<'a>,
    published: bool,
}

impl<'a> Turn<'a> {
    #[inline(always)]
    pub(crate) fn new(
        gate: Option<&'a StepGate>,
        thread: usize,
        kind: StepKind,
        obj: usize,
        site: &'a std::cell::Cell<&'static str>,
        wants: Wants<'a>,
    ) -> Self {
        Self {
            gate,
            thread,
            kind,
            obj,
            site,
            wants,
            published: false,
        }
    }

    #[inline(never)]
    fn poll_stepped(&mut self, gate: &StepGate) -> Poll<()> {
        if self.published && !gate.is_probing() {
            return Poll::Ready(());
        }
        self.published = true;
        gate.publish(
            self.thread,
            Pending {
                kind: self.kind,
                obj: self.obj,
                site: self.site.get(),
                blocked: self.wants.check(self.thread),
            },
        );
        Poll::Pending
    }
}

impl Future for Turn<'_> {
    type Output = ();

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        match this.gate {
            None => Poll::Ready(()),
            Some(gate) => this.poll_stepped(gate),
        }
    }
}
