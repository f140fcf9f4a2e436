//! Traces: what every thread of a real run did, in one order and on one clock.
//!
//! A traced run gives each scenario thread a [`Recorder`] (inside its `Ctx`): every shared
//! read and write, lock request, acquire and release, wait and wake, and the marks a scenario
//! adds (the start and end of a temporarily invalid stretch, an audit, an invariant check)
//! become an event with the thread, a global sequence number and a time on the run's clock.
//! Events go into per-thread buffers (no lock while the threads run); the sequence counter
//! is the one thing the threads share, and it caps the trace: the first `limit` events of the
//! run are kept, later ones only counted, so a cut trace is still a consistent prefix.
//!
//! ## What the order means
//! The sequence number is taken with one atomic increment, next to the operation, not with
//! it, so two threads' events a few nanoseconds apart may be ordered either way. Where it
//! matters, the side is chosen so that conclusions drawn from the order are sound: writes are
//! numbered *before* their store, reads *after* their load, a stretch's begin before its
//! first write and its end after its last, an audit's begin before its first read and its
//! end after its last. So an audit that saw money in flight always overlaps, in sequence
//! order, the stretch that put it there ([`Trace::explain`] relies on this).
//!
//! When a run is not traced, the only cost is one well-predicted branch per operation; the
//! `trace` feature (on by default) compiles even that out, which is how the benchmark checks
//! that the branch costs nothing measurable.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Mutex, PoisonError};

use serde::Serialize;
use web_time::Instant;

use crate::exec::stepped::StepGate;

/// Whether this build can record traces (the `trace` feature). Without it, recording calls
/// compile to nothing and a config asking for a trace is refused.
pub const COMPILED_IN: bool = cfg!(feature = "trace");

/// The identity of a shared object in a trace: its address, stable while the run lasts.
pub(crate) fn id_of<T>(object: &T) -> usize {
    std::ptr::from_ref(object) as usize
}

/// One recorded operation, as a thread records it: objects by address.
pub(crate) type Op = EventOp<usize>;

#[derive(Debug, Clone, Copy)]
struct Raw {
    seq: u64,
    t_ns: u64,
    op: Op,
}

/// What one thread hands in when it ends.
#[derive(Debug)]
struct Part {
    thread: usize,
    events: Vec<Raw>,
    dropped: u64,
}

#[derive(Debug, Default)]
struct Session {
    limit: u64,
    parts: Vec<Part>,
}

/// A run's trace recording: armed before the run, filled by its threads, taken after.
/// It lives in the run's [`crate::RunControl`], so every thread can reach it.
#[derive(Debug)]
pub struct TraceSink {
    /// Events numbered so far in this run (kept or not).
    seq: AtomicU64,
    /// `Some` while a traced run is set up or in flight.
    session: Mutex<Option<Session>>,
    /// Named objects in the order the scenario named them (the order reports list them),
    /// kept for untraced runs too: the stepped executor tells objects apart by them.
    names: Mutex<Vec<(usize, String)>>,
}

impl Default for TraceSink {
    fn default() -> Self {
        Self::new()
    }
}

impl TraceSink {
    /// An unarmed sink: runs are not traced.
    pub const fn new() -> Self {
        Self {
            seq: AtomicU64::new(0),
            session: Mutex::new(None),
            names: Mutex::new(Vec::new()),
        }
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Traces the next run, keeping its first `limit` events; `None` leaves it untraced.
    pub fn arm(&self, limit: Option<u64>) {
        self.seq.store(0, SeqCst);
        self.names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        *self.session() = limit.filter(|_| COMPILED_IN).map(|limit| Session {
            limit,
            ..Session::default()
        });
    }

    /// Gives `object` a name in the trace (`account[2]`, `bank.lock`). Scenarios name their
    /// shared objects before the threads start; unnamed ones appear as `object N`.
    pub fn name<T>(&self, object: &T, name: impl Into<String>) {
        self.names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((id_of(object), name.into()));
    }

    /// The objects named so far in this run, by address.
    pub(crate) fn named(&self) -> Vec<(usize, String)> {
        self.names
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A recorder for thread `thread` of the run starting at `start`, if the run is traced.
    /// A stepped run passes its gate: its events are timed on the steps' virtual clock.
    pub(crate) fn recorder<'r>(
        &'r self,
        thread: usize,
        start: Instant,
        stepped: Option<&'r StepGate>,
    ) -> Option<Recorder<'r>> {
        let limit = self.session().as_ref()?.limit;
        Some(Recorder {
            sink: self,
            thread,
            start,
            stepped,
            limit,
            events: RefCell::new(Vec::with_capacity(4096.min(limit as usize))),
            dropped: Cell::new(0),
        })
    }

    /// The trace of the run just ended (`None` if it was not traced); disarms the sink.
    pub fn take(&self) -> Option<Trace> {
        let session = self.session().take()?;
        Some(Trace::assemble(session, self.named()))
    }
}

/// One step of a real run, in sequence order, for [`replay_order`]: its thread and, for a
/// read or write of a shared number, what it read or wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunStep {
    /// The thread that took the step.
    pub thread: u8,
    /// `(object, value, is_write)` for a read or write whose value a replay must match.
    pub access: Option<(u32, i64, bool)>,
}

/// The schedule that replays a real run's steps (given in sequence order) one operation at
/// a time: each read is placed where the value it saw was in memory (see
/// [`Trace::schedule`] for why sequence order alone is not enough).
pub fn replay_order(steps: impl IntoIterator<Item = RunStep>) -> Vec<u8> {
    let mut out: Vec<Step> = Vec::new();
    // Per object: the value of its last write so far in `out`. A read of that value (nearly
    // every read) goes at the end at once: the walk back of `place_read` would stop at that
    // write, and for an object written rarely (a constant) it would walk back far.
    let mut last: Vec<Option<i64>> = Vec::new();
    for step in steps {
        let Some((obj, value, write)) = step.access else {
            out.push((step.thread, None));
            continue;
        };
        let o = obj as usize;
        if last.len() <= o {
            last.resize(o + 1, None);
        }
        if write {
            last[o] = Some(value);
            out.push((step.thread, step.access));
        } else if last[o].is_none_or(|v| v == value) {
            out.push((step.thread, step.access));
        } else {
            place_read(&mut out, step.thread, obj, value);
            let is_write = |s: &&Step| matches!(s.1, Some((x, _, true)) if x == obj);
            last[o] = out
                .iter()
                .rev()
                .find(is_write)
                .and_then(|s| s.1.map(|a| a.1));
        }
    }
    out.into_iter().map(|(t, _)| t).collect()
}

/// Appends `thread`'s read of `value` from `obj` to a schedule under construction, placed
/// where `obj` held `value` (see [`Trace::schedule`]).
fn place_read(out: &mut Vec<Step>, thread: u8, obj: u32, value: i64) {
    let read = (thread, Some((obj, value, false)));
    let is_write = |s: &Step| matches!(s.1, Some((o, _, true)) if o == obj);
    let wrote = |s: &Step, v: i64| matches!(s.1, Some((o, w, true)) if o == obj && w == v);
    let last_of = |out: &[Step], t: u8| out.iter().rposition(|s| s.0 == t);
    let floor = last_of(out, thread).map_or(0, |i| i + 1);
    // 1. Back over the writes to `obj` since the thread's last step, to where memory held
    //    `value` (or nothing had written `obj` yet: its first value).
    let mut at = out.len();
    loop {
        match out[..at].iter().rposition(is_write) {
            None => return out.insert(at, read),
            Some(w) if wrote(&out[w], value) => return out.insert(at, read),
            Some(w) if w >= floor => at = w,
            Some(_) => break,
        }
    }
    let w = out
        .iter()
        .rposition(is_write)
        .expect("a write stopped the walk");
    let unread_since = |out: &[Step], from: usize, v: i64| {
        !out[from + 1..]
            .iter()
            .any(|s| matches!(s.1, Some((o, r, false)) if o == obj && r != v))
    };
    // 2. The last write, by another thread, was numbered long before its store (its thread
    //    preempted in between): if it is that thread's last step so far and memory held
    //    `value` before it, it goes after the read.
    let before = out[..w].iter().rposition(is_write);
    let held_before = before.is_none_or(|b| wrote(&out[b], value));
    if out[w].0 != thread && last_of(out, out[w].0) == Some(w) && held_before {
        let write = out.remove(w);
        out.push(read);
        out.push(write);
        return;
    }
    // 3. A write of `value` stored after others numbered later (two stores racing): if it is
    //    its thread's last step and nothing since read `obj` as anything else, it moves to
    //    just before the read.
    if let Some(v) = out.iter().rposition(|s| wrote(s, value)) {
        if out[v].0 != thread && last_of(out, out[v].0) == Some(v) && unread_since(out, v, value) {
            let write = out.remove(v);
            out.push(write);
            out.push(read);
            return;
        }
    }
    // 4. The last write stored before the one numbered just ahead of it, which wrote
    //    `value`: if nothing came between them on its own thread or read `obj`, swap them.
    if let Some(b) = before.filter(|&b| wrote(&out[b], value)) {
        let writer = out[w].0;
        let clear = out[b + 1..w]
            .iter()
            .all(|s| s.0 != writer && !matches!(s.1, Some((o, _, _)) if o == obj));
        if clear {
            let write = out.remove(w);
            out.insert(b, write);
            out.push(read);
            return;
        }
    }
    // The value it saw is out of reach: keep the order the trace gives.
    out.push(read);
}

/// A step of a schedule under construction: its thread and, for a read or write, the
/// object, the value and whether it wrote.
type Step = (u8, Option<(u32, i64, bool)>);

/// Every thread's events in one sequence order. Each thread's own are in order already
/// (its numbers only grow), so this merges rather than sorts: threads are few, and a
/// general sort would add its code to the wasm for nothing.
fn merge_by_seq(parts: Vec<Part>) -> Vec<(usize, Raw)> {
    let total = parts.iter().map(|p| p.events.len()).sum();
    let mut heads: Vec<(usize, std::iter::Peekable<std::vec::IntoIter<Raw>>)> = parts
        .into_iter()
        .map(|p| (p.thread, p.events.into_iter().peekable()))
        .collect();
    let mut out = Vec::with_capacity(total);
    loop {
        let next = heads
            .iter_mut()
            .filter_map(|(thread, events)| Some((events.peek()?.seq, *thread, events)))
            .min_by_key(|&(seq, _, _)| seq);
        match next {
            Some((_, thread, events)) => out.extend(events.next().map(|e| (thread, e))),
            None => return out,
        }
    }
}

/// One thread's recording of a traced run (owned by its `Ctx`).
#[derive(Debug)]
pub(crate) struct Recorder<'r> {
    sink: &'r TraceSink,
    thread: usize,
    start: Instant,
    stepped: Option<&'r StepGate>,
    limit: u64,
    events: RefCell<Vec<Raw>>,
    dropped: Cell<u64>,
}

impl Recorder<'_> {
    /// Numbers and timestamps `op`. Past the limit the event is only counted, but the
    /// thread pays the same (the increment and the clock), so a traced run is slowed
    /// evenly from start to end: its violation rate is a fair measure of tracing's effect.
    ///
    /// Kept out of line (and out of the hot code's way): inlined at each of a body's
    /// operations, it bloated the untraced loop enough to cost it 1.5 to 1.8% against a
    /// build without tracing (0.5 to 0.8% once out of line, within run-to-run noise).
    #[cold]
    #[inline(never)]
    pub(crate) fn record(&self, op: Op) {
        self.record_around(op, || ());
    }

    /// Numbers `op`, does `act` (a store) at once, and only then reads the clock and keeps
    /// the event: the store lands nanoseconds after its number, not after the bookkeeping,
    /// so fewer reads by other threads are numbered between a write and the store that it
    /// is (what a replay of the trace relies on).
    #[cold]
    #[inline(never)]
    pub(crate) fn record_around(&self, op: Op, act: impl FnOnce()) {
        let seq = self.sink.seq.fetch_add(1, SeqCst);
        act();
        let t_ns = match self.stepped {
            Some(gate) => gate.steps() * 1_000,
            None => self.start.elapsed().as_nanos() as u64,
        };
        if seq < self.limit {
            self.events.borrow_mut().push(Raw { seq, t_ns, op });
        } else {
            self.dropped.set(self.dropped.get() + 1);
        }
    }
}

impl Drop for Recorder<'_> {
    fn drop(&mut self) {
        let part = Part {
            thread: self.thread,
            events: self.events.take(),
            dropped: self.dropped.get(),
        };
        if let Some(s) = self.sink.session().as_mut() {
            s.parts.push(part);
        }
    }
}

/// A recorded event, as reports carry it: shared objects by their index in
/// [`Trace::objects`], time in microseconds since the threads left the starting line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Position in the run's one order of events, from 0.
    pub seq: u64,
    /// The thread that did it.
    pub thread: usize,
    /// When, in µs on the run's clock.
    pub t_us: f64,
    /// What it did.
    #[serde(flatten)]
    pub op: EventOp,
    /// The program line it did it at (a program's run; scenarios' events have none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// What an event did. Serialized with an `op` tag in kebab case (`"invalid-begin"`).
/// `O` is how a shared object is named: its index in [`Trace::objects`] in a report, its
/// address while the run records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum EventOp<O = u32> {
    /// Read `value` from the shared number `obj`.
    Read {
        /// Index into [`Trace::objects`].
        obj: O,
        /// The value read.
        value: i64,
    },
    /// Wrote `value` to the shared number `obj`.
    Write {
        /// Index into [`Trace::objects`].
        obj: O,
        /// The value written.
        value: i64,
    },
    /// Asked for a lock, permit or condition; waits from here until `acquire`.
    Request {
        /// Index into [`Trace::objects`].
        obj: O,
    },
    /// Got it.
    Acquire {
        /// Index into [`Trace::objects`].
        obj: O,
    },
    /// Gave it back.
    Release {
        /// Index into [`Trace::objects`].
        obj: O,
    },
    /// Began waiting on an event, barrier or condition.
    Wait {
        /// Index into [`Trace::objects`].
        obj: O,
    },
    /// Stopped waiting.
    Wake {
        /// Index into [`Trace::objects`].
        obj: O,
    },
    /// Set an event or notified a condition.
    Signal {
        /// Index into [`Trace::objects`].
        obj: O,
    },
    /// The shared data is temporarily invalid from here (money debited, not yet credited).
    InvalidBegin,
    /// Valid again.
    InvalidEnd,
    /// An audit starts reading.
    AuditBegin,
    /// An audit ends: `value` is the total it saw, `held` whether every invariant held.
    Audit {
        /// The total seen.
        value: i64,
        /// Whether the audit found everything right.
        held: bool,
    },
    /// An invariant checked on the spot.
    Check {
        /// The invariant's id.
        invariant: &'static str,
        /// The value checked.
        value: i64,
        /// Whether it held.
        held: bool,
    },
}

impl<O> EventOp<O> {
    /// The same operation with each object renamed by `f`.
    pub fn map_obj<P>(self, mut f: impl FnMut(O) -> P) -> EventOp<P> {
        use EventOp::*;
        match self {
            Read { obj, value } => Read { obj: f(obj), value },
            Write { obj, value } => Write { obj: f(obj), value },
            Request { obj } => Request { obj: f(obj) },
            Acquire { obj } => Acquire { obj: f(obj) },
            Release { obj } => Release { obj: f(obj) },
            Wait { obj } => Wait { obj: f(obj) },
            Wake { obj } => Wake { obj: f(obj) },
            Signal { obj } => Signal { obj: f(obj) },
            InvalidBegin => InvalidBegin,
            InvalidEnd => InvalidEnd,
            AuditBegin => AuditBegin,
            Audit { value, held } => Audit { value, held },
            Check {
                invariant,
                value,
                held,
            } => Check {
                invariant,
                value,
                held,
            },
        }
    }
}

/// The trace of one run, as the report carries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    /// Most events kept (the run's `trace_limit`).
    pub limit: u64,
    /// Events kept.
    pub recorded: u64,
    /// Events past the limit, counted but not kept.
    pub dropped: u64,
    /// Whether the trace stops before the run did (`dropped > 0`): it covers a prefix.
    pub truncated: bool,
    /// Names of the shared objects events refer to.
    pub objects: Vec<String>,
    /// Every kept event, in sequence order.
    pub events: Vec<Event>,
    /// Updates overwritten by a write based on a stale read.
    pub lost_updates: Vec<LostUpdate>,
    /// Every audit that saw a broken invariant, with what explains it.
    pub violations: Vec<Violation>,
    /// The run as a stepped executor's schedule (see [`Trace::schedule`]): give it back as
    /// `schedule`, with the run's seed, to replay the run one operation at a time.
    pub replay: Vec<u8>,
}

/// A stretch of one thread's time in which it had made the shared data invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stretch {
    /// The thread in the middle of its update.
    pub thread: usize,
    /// Sequence number of its `invalid-begin`.
    pub begin: u64,
    /// Sequence number of its `invalid-end` (`None`: past the end of the trace).
    pub end: Option<u64>,
}

/// A write that overwrote another thread's write it had not read: that update is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LostUpdate {
    /// Index into [`Trace::objects`] of the shared number.
    pub obj: u32,
    /// The write whose update was lost.
    pub lost: u64,
    /// The later write, by another thread, computed from the same stale value.
    pub by: u64,
}

/// An audit that saw a broken invariant, and the events that explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Sequence number of the audit's end (the `audit` event).
    pub seq: u64,
    /// Its `audit-begin`.
    pub begin: u64,
    /// The auditing thread.
    pub thread: usize,
    /// Other threads' invalid stretches the audit overlapped: it may have seen their
    /// money in flight.
    pub overlapped: Vec<Stretch>,
    /// How many updates had been lost before the audit ended: each leaves the total wrong
    /// for good, overlap or not.
    pub lost_before: usize,
}

impl Trace {
    fn assemble(session: Session, names: Vec<(usize, String)>) -> Self {
        let Session { limit, parts } = session;
        let dropped: u64 = parts.iter().map(|p| p.dropped).sum();
        let raw = merge_by_seq(parts);

        // Objects are few (at most a few hundred): a sorted table of addresses does, and
        // keeps hash maps (and their code, in the wasm) out of the build.
        let mut index: Vec<(usize, u32)> = Vec::new();
        let mut objects: Vec<String> = Vec::new();
        let mut obj = |addr: usize, name: Option<String>| -> u32 {
            match index.binary_search_by_key(&addr, |&(a, _)| a) {
                Ok(i) => index[i].1,
                Err(i) => {
                    let n = objects.len() as u32;
                    objects.push(name.unwrap_or_else(|| format!("object {n}")));
                    index.insert(i, (addr, n));
                    n
                }
            }
        };
        for (addr, name) in names {
            obj(addr, Some(name));
        }
        let events: Vec<Event> = raw
            .into_iter()
            .map(|(thread, e)| Event {
                seq: e.seq,
                thread,
                t_us: e.t_ns as f64 / 1e3,
                op: e.op.map_obj(|addr| obj(addr, None)),
                line: None,
            })
            .collect();
        let mut trace = Trace::from_events(limit, dropped, objects, events, Vec::new());
        trace.replay = trace.schedule();
        trace
    }

    /// A trace recorded by someone else (a program's VM), its events already in sequence
    /// order and numbered from 0: this finds its lost updates and explains its violations.
    /// `replay` is the run as a stepped schedule, as the recorder knows it (see
    /// [`replay_order`]).
    pub fn from_events(
        limit: u64,
        dropped: u64,
        objects: Vec<String>,
        events: Vec<Event>,
        replay: Vec<u8>,
    ) -> Trace {
        let mut trace = Trace {
            limit,
            recorded: events.len() as u64,
            dropped,
            truncated: dropped > 0,
            objects,
            events,
            lost_updates: Vec::new(),
            violations: Vec::new(),
            replay,
        };
        trace.lost_updates = trace.find_lost_updates();
        trace.violations = trace.explain();
        trace
    }

    /// How many threads the events name (threads are numbered from 0).
    fn threads(&self) -> usize {
        self.events.iter().map(|e| e.thread + 1).max().unwrap_or(0)
    }

    /// The run as a schedule for the stepped executor: the thread of each event that is a
    /// step there, in sequence order. Steps are reads, writes, acquires, and the waits,
    /// wakes and signals of events, barriers and conditions; a condition's notify (a
    /// signal by the thread holding it) and the lock it takes back on waking ride on the
    /// steps around them, as they do when stepped. Give it as `schedule`, with the run's
    /// seed, to replay the run one operation at a time.
    ///
    /// Sequence numbers are taken next to their operations, not with them: a read is
    /// numbered after its load and a write before its store, so a read can be numbered
    /// after a write it did not see, never before one it saw. Such a read is moved back to
    /// the latest place (after its own thread's previous step) where the value it saw was
    /// the one in memory. What is left unmatched (two stores a few nanoseconds apart, landing
    /// in the other order) shows as a replay that ends elsewhere: compare the final states.
    pub fn schedule(&self) -> Vec<u8> {
        // Per thread: what it holds (objects are few) and the object it last woke on.
        let threads = self.events.iter().map(|e| e.thread + 1).max().unwrap_or(0);
        let mut held: Vec<Vec<u32>> = vec![Vec::new(); threads];
        let mut woke: Vec<Option<u32>> = vec![None; threads];
        // Each step: its thread and, for reads and writes, the object and value.
        let mut out: Vec<RunStep> = Vec::new();
        let step_of = |t: usize, access| RunStep {
            thread: t as u8,
            access,
        };
        for e in &self.events {
            let t = e.thread;
            let step = match e.op {
                EventOp::Read { obj, value } => {
                    woke[t] = None;
                    out.push(step_of(t, Some((obj, value, false))));
                    continue;
                }
                EventOp::Write { obj, value } => Some((obj, value, true)),
                EventOp::Acquire { obj } => {
                    held[t].push(obj);
                    (woke[t] != Some(obj)).then_some((u32::MAX, 0, false))
                }
                EventOp::Release { obj } => {
                    if let Some(i) = held[t].iter().rposition(|&o| o == obj) {
                        held[t].remove(i);
                    }
                    None
                }
                EventOp::Wait { .. } => Some((u32::MAX, 0, false)),
                EventOp::Wake { obj } => {
                    woke[t] = Some(obj);
                    out.push(step_of(t, None));
                    continue;
                }
                EventOp::Signal { obj } => {
                    (!held[t].contains(&obj)).then_some((u32::MAX, 0, false))
                }
                _ => None,
            };
            if let Some(step) = step {
                woke[t] = None;
                out.push(step_of(t, (step.0 != u32::MAX).then_some(step)));
            }
        }
        replay_order(out)
    }

    /// Every lost update in the trace.
    ///
    /// A read-modify-write is a thread's write of a shared number after its own read of it.
    /// In any serial order it builds on the value the last write before it left; one that
    /// builds on anything else read an older value, and overwrites the last write without
    /// having seen it: that update is lost. (Write numbers are taken before the store, so an
    /// audit that saw the damage ended after both writes.)
    pub fn find_lost_updates(&self) -> Vec<LostUpdate> {
        let objects = self.objects.len();
        // Per thread and object: the value of the thread's last read of it, not yet written.
        let mut last_read: Vec<Option<i64>> = vec![None; self.threads() * objects];
        // Per object: its last write, as (thread, seq, value).
        let mut last_write: Vec<Option<(usize, u64, i64)>> = vec![None; objects];
        let mut lost = Vec::new();
        for e in &self.events {
            match e.op {
                EventOp::Read { obj, value } => {
                    last_read[e.thread * objects + obj as usize] = Some(value);
                }
                EventOp::Write { obj, value } => {
                    let base = last_read[e.thread * objects + obj as usize].take();
                    if let (Some(base), Some((thread, seq, previous))) =
                        (base, last_write[obj as usize])
                    {
                        if thread != e.thread && previous != base {
                            lost.push(LostUpdate {
                                obj,
                                lost: seq,
                                by: e.seq,
                            });
                        }
                    }
                    last_write[obj as usize] = Some((e.thread, e.seq, value));
                }
                _ => {}
            }
        }
        lost
    }

    /// Each audit that saw a broken invariant, with the other threads' invalid stretches it
    /// overlapped in sequence order and the lost updates before it.
    ///
    /// Sound by the numbering rules of this module: an audit that saw money in flight read
    /// the debit (so ended after the stretch began) and missed the credit (so began before
    /// the stretch ended); an audit that saw a lost update's damage ended after the write
    /// that did it.
    ///
    /// A program's failed `check` counts as an audit too (a program's events have lines). Where it began reading is not
    /// marked, so it is taken to have read since its thread's last stretch, check or audit
    /// ended (or since the thread's first event): all it can have seen comes from then.
    pub fn explain(&self) -> Vec<Violation> {
        // Per thread: its audit in progress (from its begin), its stretch in progress.
        let mut open: Vec<Option<u64>> = vec![None; self.threads()];
        let mut open_stretch: Vec<Option<usize>> = vec![None; self.threads()];
        // Per thread: where a check it makes began reading, at the latest.
        let mut since: Vec<Option<u64>> = vec![None; self.threads()];
        let mut stretches: Vec<Stretch> = Vec::new();
        let mut audits: Vec<(usize, u64, u64)> = Vec::new(); // (thread, begin, end)
        for e in &self.events {
            let from = since[e.thread].get_or_insert(e.seq);
            match e.op {
                EventOp::InvalidEnd | EventOp::Audit { .. } | EventOp::Check { held: true, .. } => {
                    *from = e.seq;
                }
                // A program's (its events have lines; a scenario's checks are not audits).
                EventOp::Check { held: false, .. } if e.line.is_some() => {
                    audits.push((e.thread, *from, e.seq));
                    *from = e.seq;
                }
                _ => {}
            }
            match e.op {
                EventOp::InvalidBegin => {
                    open_stretch[e.thread] = Some(stretches.len());
                    stretches.push(Stretch {
                        thread: e.thread,
                        begin: e.seq,
                        end: None,
                    });
                }
                EventOp::InvalidEnd => {
                    if let Some(i) = open_stretch[e.thread].take() {
                        stretches[i].end = Some(e.seq);
                    }
                }
                EventOp::AuditBegin => open[e.thread] = Some(e.seq),
                EventOp::Audit { held: false, .. } => {
                    let begin = open[e.thread].unwrap_or(e.seq);
                    audits.push((e.thread, begin, e.seq));
                }
                _ => {}
            }
        }
        // Found in event order, so already sorted.
        let damage: Vec<u64> = self.lost_updates.iter().map(|l| l.by).collect();
        // Stretches are in begin order; an audit can only overlap those begun before its end.
        audits
            .into_iter()
            .map(|(thread, begin, end)| {
                let upto = stretches.partition_point(|s| s.begin < end);
                let overlapped = stretches[..upto]
                    .iter()
                    .filter(|s| s.thread != thread && s.end.is_none_or(|x| x > begin))
                    .copied()
                    .collect();
                Violation {
                    seq: end,
                    begin,
                    thread,
                    overlapped,
                    lost_before: damage.partition_point(|&d| d < end),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace_of(events: &[(usize, Op)]) -> Trace {
        let sink = TraceSink::new();
        sink.arm(Some(1_000));
        let start = Instant::now();
        let recorders: Vec<_> = (0..2)
            .map(|t| sink.recorder(t, start, None).unwrap())
            .collect();
        for (thread, op) in events {
            recorders[*thread].record(*op);
        }
        drop(recorders);
        sink.take().unwrap()
    }

    #[test]
    fn an_audit_inside_another_threads_stretch_is_explained_by_it() {
        let (a, b) = (0x10, 0x18);
        let t = trace_of(&[
            (0, Op::InvalidBegin),
            (0, Op::Read { obj: a, value: 100 }),
            (0, Op::Write { obj: a, value: 90 }),
            (1, Op::AuditBegin),
            (1, Op::Read { obj: a, value: 90 }),
            (1, Op::Read { obj: b, value: 100 }),
            (
                1,
                Op::Audit {
                    value: 190,
                    held: false,
                },
            ),
            (0, Op::Read { obj: b, value: 100 }),
            (0, Op::Write { obj: b, value: 110 }),
            (0, Op::InvalidEnd),
        ]);
        assert!(t.lost_updates.is_empty());
        assert_eq!(t.violations.len(), 1);
        let v = &t.violations[0];
        assert_eq!((v.thread, v.begin, v.seq, v.lost_before), (1, 3, 6, 0));
        assert_eq!(
            v.overlapped,
            [Stretch {
                thread: 0,
                begin: 0,
                end: Some(9)
            }]
        );
    }

    #[test]
    fn two_writes_built_on_one_read_value_lose_an_update() {
        let x = 0x20;
        let t = trace_of(&[
            (0, Op::Read { obj: x, value: 10 }),
            (1, Op::Read { obj: x, value: 10 }),
            (0, Op::Write { obj: x, value: 9 }),
            (1, Op::Write { obj: x, value: 9 }),
            (0, Op::Read { obj: x, value: 9 }),
            (0, Op::Write { obj: x, value: 8 }),
            (1, Op::AuditBegin),
            (1, Op::Read { obj: x, value: 8 }),
            (
                1,
                Op::Audit {
                    value: 8,
                    held: false,
                },
            ),
        ]);
        assert_eq!(
            t.lost_updates,
            [LostUpdate {
                obj: 0,
                lost: 2,
                by: 3
            }]
        );
        assert_eq!(t.violations[0].lost_before, 1);
        assert!(t.violations[0].overlapped.is_empty());
    }

    #[test]
    fn past_the_limit_events_are_counted_not_kept() {
        let sink = TraceSink::new();
        sink.arm(Some(3));
        let rec = sink.recorder(0, Instant::now(), None).unwrap();
        for _ in 0..5 {
            rec.record(Op::InvalidBegin);
        }
        drop(rec);
        let t = sink.take().unwrap();
        assert_eq!((t.recorded, t.dropped, t.truncated), (3, 2, true));
        assert_eq!(
            t.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert!(sink.take().is_none(), "taking the trace disarms the sink");
    }

    #[test]
    fn named_objects_keep_their_names_and_others_are_numbered() {
        let sink = TraceSink::new();
        sink.arm(Some(10));
        let (a, b) = (1u8, 2u8);
        sink.name(&a, "account[0]");
        let rec = sink.recorder(0, Instant::now(), None).unwrap();
        rec.record(Op::Read {
            obj: id_of(&b),
            value: 1,
        });
        rec.record(Op::Read {
            obj: id_of(&a),
            value: 1,
        });
        drop(rec);
        let t = sink.take().unwrap();
        assert_eq!(t.objects, ["account[0]", "object 1"]);
        let json = serde_json::to_value(&t.events[1]).unwrap();
        assert_eq!(json["op"], "read");
        assert_eq!(json["obj"], 0);
    }
}
