//! Traces: what every thread of a real run did, in one order and on one clock.
//!
//! A traced program's threads (the VM's tracer) record every shared read and write, lock
//! request, acquire and release, wait and wake, and the marks a program adds (the start and
//! end of a temporarily invalid stretch, a check), each an event with the thread, a global
//! sequence number and a time on the run's clock; [`Trace::from_events`] takes them in
//! sequence order and finds what they show: lost updates, and for every failed check the
//! stretches it overlapped.
//!
//! ## What the order means
//! The sequence number is taken with one atomic increment, next to the operation, not with
//! it, so two threads' events a few nanoseconds apart may be ordered either way. Where it
//! matters, the side is chosen so that conclusions drawn from the order are sound: writes are
//! numbered *before* their store, reads *after* their load, a stretch's begin before its
//! first write and its end after its last, a check after the reads it checks. So a check
//! that saw money in flight always overlaps, in sequence order, the stretch that put it
//! there ([`Trace::explain`] relies on this).

use serde::Serialize;

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
    /// A program's `check`: the invariant it names, held or not.
    Check {
        /// The invariant's name.
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
    /// Every failed check, with what explains it.
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

/// A failed check, and the events that explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Sequence number of the `check` event.
    pub seq: u64,
    /// Where its reads began, at the latest: its thread's last stretch or check before it
    /// (or its first event).
    pub begin: u64,
    /// The checking thread.
    pub thread: usize,
    /// Other threads' invalid stretches its reads overlapped: it may have seen their data
    /// mid-update.
    pub overlapped: Vec<Stretch>,
    /// How many updates had been lost before the check: each leaves the data wrong for
    /// good, overlap or not.
    pub lost_before: usize,
}

impl Trace {
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
    /// having seen it: that update is lost. (Write numbers are taken before the store, so a
    /// check that saw the damage came after both writes.)
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

    /// Each failed `check`, with the other threads' invalid stretches its reads overlapped
    /// in sequence order and the lost updates before it.
    ///
    /// Where a check began reading is not marked, so it is taken to have read since its
    /// thread's last stretch or check ended (or since the thread's first event): all it can
    /// have seen comes from then. Sound by the numbering rules of this module: a check that
    /// saw money in flight read the debit (so ended after the stretch began) and missed the
    /// credit (so began before the stretch ended); one that saw a lost update's damage
    /// ended after the write that did it.
    pub fn explain(&self) -> Vec<Violation> {
        // Per thread: its stretch in progress, and where a check it makes began reading, at
        // the latest.
        let mut open_stretch: Vec<Option<usize>> = vec![None; self.threads()];
        let mut since: Vec<Option<u64>> = vec![None; self.threads()];
        let mut stretches: Vec<Stretch> = Vec::new();
        let mut failed: Vec<(usize, u64, u64)> = Vec::new(); // (thread, begin, end)
        for e in &self.events {
            let from = since[e.thread].get_or_insert(e.seq);
            match e.op {
                EventOp::InvalidEnd | EventOp::Check { held: true, .. } => *from = e.seq,
                EventOp::Check { held: false, .. } => {
                    failed.push((e.thread, *from, e.seq));
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
                _ => {}
            }
        }
        // Found in event order, so already sorted.
        let damage: Vec<u64> = self.lost_updates.iter().map(|l| l.by).collect();
        // Stretches are in begin order; a check can only overlap those begun before its end.
        failed
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

    type Op = EventOp<u32>;

    const FAILED: Op = Op::Check {
        invariant: "the total is unchanged",
        value: 0,
        held: false,
    };

    fn trace_of(events: &[(usize, Op)]) -> Trace {
        let events = events
            .iter()
            .enumerate()
            .map(|(seq, &(thread, op))| Event {
                seq: seq as u64,
                thread,
                t_us: seq as f64,
                op,
                line: None,
            })
            .collect();
        let objects = vec!["a".to_string(), "b".to_string()];
        Trace::from_events(1_000, 0, objects, events, Vec::new())
    }

    #[test]
    fn a_failed_check_inside_another_threads_stretch_is_explained_by_it() {
        let (a, b) = (0, 1);
        let t = trace_of(&[
            (0, Op::InvalidBegin),
            (0, Op::Read { obj: a, value: 100 }),
            (0, Op::Write { obj: a, value: 90 }),
            (1, Op::Read { obj: a, value: 90 }),
            (1, Op::Read { obj: b, value: 100 }),
            (1, FAILED),
            (0, Op::Read { obj: b, value: 100 }),
            (0, Op::Write { obj: b, value: 110 }),
            (0, Op::InvalidEnd),
        ]);
        assert!(t.lost_updates.is_empty());
        assert_eq!(t.violations.len(), 1);
        let v = &t.violations[0];
        assert_eq!((v.thread, v.begin, v.seq, v.lost_before), (1, 3, 5, 0));
        assert_eq!(
            v.overlapped,
            [Stretch {
                thread: 0,
                begin: 0,
                end: Some(8)
            }]
        );
    }

    #[test]
    fn two_writes_built_on_one_read_value_lose_an_update() {
        let x = 0;
        let t = trace_of(&[
            (0, Op::Read { obj: x, value: 10 }),
            (1, Op::Read { obj: x, value: 10 }),
            (0, Op::Write { obj: x, value: 9 }),
            (1, Op::Write { obj: x, value: 9 }),
            (0, Op::Read { obj: x, value: 9 }),
            (0, Op::Write { obj: x, value: 8 }),
            (1, Op::Read { obj: x, value: 8 }),
            (1, FAILED),
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
}
