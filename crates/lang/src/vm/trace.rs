//! Traces of a program's run: what every thread did to shared data, in one order.
//!
//! A traced run (`trace: true`) gives each thread a [`ThreadTrace`]. The shared-operation
//! seam ([`super::shared`]) records every read and write of a global, an attribute or an
//! element, with the value for numbers; the core's primitives record requests, acquires,
//! releases, waits and wakes through [`WaitTrace`]; the VM adds thread starts, sleeps,
//! `check` results and the marks of `with invalid():`. At the run's end the threads'
//! events are merged into the core's [`Trace`], so a program's trace is read, explained
//! (lost updates, checks that saw data in flight) and drawn as a scenario's is.
//!
//! # Order and replay
//! As in the core's traces, a global counter numbers the events: writes before their
//! store, reads after their load. Every event at which a stepped run would take a turn is
//! marked as a step (a shared operation, a lock taken, a wait's end, a join, a sleep, a
//! thread's start), so the steps in sequence order, with reads moved to where the value
//! they saw was in memory ([`racelab::trace::replay_order`]), are the schedule that
//! replays the real run one operation at a time.
//!
//! # Naming what was touched
//! Locations are keyed by identity while the run goes (a global's slot, an object and an
//! attribute name, a container and a key), and each key keeps its object alive until the
//! trace is assembled, so an address is never reused for another object within a trace.
//! Names come last: from the module's globals, the shortest path to each object
//! (`accounts[3].balance`, `bank.lock`); an object no global reaches is named by its type
//! (`Account #2.balance`); a primitive by the name its deadlock reports use.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use racelab::sync::WaitTrace;
use racelab::trace::{replay_order, Event, EventOp, RunStep, Trace};
use web_time::Instant;

use super::value::{lock, NativeObj, PyStr, Value};

/// A key of a dict or an index of a list, as a location names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Int(i64),
    Str(String),
    /// Any other key: the container as a whole.
    Other,
}

/// What a shared operation touched.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Loc {
    /// A module global, by slot.
    Global(u32),
    /// An attribute of the object with this identity.
    Attr(i64, String),
    /// An element of the container with this identity.
    Item(i64, Key),
    /// A primitive (lock, event, queue, a thread's end...), by its core's identity.
    Prim(usize),
    /// Thread `n`'s start.
    Start(usize),
    /// `time.sleep`.
    Sleep,
}

/// A location known to the run: its key, and what keeps its object alive.
struct Known {
    loc: Loc,
    keep: Value,
}

/// One event as a thread records it: the location by its run-wide index.
#[derive(Clone, Copy, Debug)]
struct Raw {
    seq: u64,
    t_ns: u64,
    op: EventOp<u32>,
    line: u32,
    /// A stepped run takes a turn here.
    step: bool,
    /// A read or write whose value a replay must match.
    valued: bool,
    /// Part of the trace's events; a read of code (a method, a function, a module's
    /// member) is only a step, kept for the replay.
    shown: bool,
}

/// A thread's events, handed in when it ends.
struct Part {
    thread: usize,
    events: Vec<Raw>,
    dropped: u64,
}

/// A traced run's recording, shared by its threads.
pub(crate) struct RunTrace {
    limit: u64,
    /// The run is stepped: its sequence order is the order things happened.
    stepped: bool,
    seq: AtomicU64,
    start: Instant,
    parts: Mutex<Vec<Part>>,
    locs: Mutex<(HashMap<Loc, u32>, Vec<Known>)>,
    /// Primitives by identity, with the names their deadlock reports use (and the
    /// primitive, kept alive so that its identity is its own in this trace).
    prims: Mutex<Vec<(usize, String, Value)>>,
}

impl RunTrace {
    /// A recording keeping the run's first `limit` events (of a stepped run, if `stepped`).
    pub(crate) fn new(limit: u64, stepped: bool) -> Arc<RunTrace> {
        Arc::new(RunTrace {
            limit,
            stepped,
            seq: AtomicU64::new(0),
            start: Instant::now(),
            parts: Mutex::new(Vec::new()),
            locs: Mutex::new((HashMap::new(), Vec::new())),
            prims: Mutex::new(Vec::new()),
        })
    }

    /// The run-wide index of `loc`, kept alive by `keep`.
    fn index(&self, loc: Loc, keep: &Value) -> u32 {
        let mut guard = lock(&self.locs);
        let (ids, known) = &mut *guard;
        if let Some(&i) = ids.get(&loc) {
            return i;
        }
        let i = known.len() as u32;
        ids.insert(loc.clone(), i);
        known.push(Known {
            loc,
            keep: keep.clone(),
        });
        i
    }

    /// Remembers the primitive in `value` (a lock, an event...) by the name it was given.
    pub(crate) fn name_primitive(&self, value: &Value) {
        if let Some((id, name)) = primitive(value) {
            lock(&self.prims).push((id, name, value.clone()));
        }
    }

    /// The trace of the run, once every thread has handed in its part. `globals` names
    /// what the run touched (`names[i]` is slot `i`'s name).
    pub(crate) fn assemble(&self, globals: &[(String, Value)]) -> Trace {
        let parts = std::mem::take(&mut *lock(&self.parts));
        let dropped = parts.iter().map(|p| p.dropped).sum();
        let mut raw: Vec<(usize, Raw)> = parts
            .into_iter()
            .flat_map(|p| p.events.into_iter().map(move |e| (p.thread, e)))
            .collect();
        raw.sort_by_key(|(_, e)| e.seq);
        let known = std::mem::take(&mut lock(&self.locs).1);
        let names = Namer::new(globals, &lock(&self.prims)).names(&known);
        // One object per name: a global holding a lock and the lock itself, a list's element
        // and the thread in it, are one thing to a learner.
        let mut objects: Vec<String> = Vec::new();
        let mut first: HashMap<&str, u32> = HashMap::new();
        let merged: Vec<u32> = names
            .iter()
            .map(|n| {
                *first.entry(n.as_str()).or_insert_with(|| {
                    objects.push(n.clone());
                    objects.len() as u32 - 1
                })
            })
            .collect();
        raw.retain(|(_, e)| e.step || e.shown);
        for (_, e) in &mut raw {
            if e.shown {
                e.op =
                    e.op.map_obj(|o| merged.get(o as usize).copied().unwrap_or(o));
            }
        }
        let steps = raw.iter().filter(|(_, e)| e.step).map(|&(t, e)| RunStep {
            thread: t.min(u8::MAX as usize) as u8,
            access: match e.op {
                EventOp::Read { obj, value } if e.valued => Some((obj, value, false)),
                EventOp::Write { obj, value } if e.valued => Some((obj, value, true)),
                _ => None,
            },
        });
        // A stepped run's order is exact; a real run's reads go where their values were.
        let replay = match self.stepped {
            true => steps.map(|s| s.thread).collect(),
            false => replay_order(steps),
        };
        let events = raw
            .into_iter()
            .filter(|(_, e)| e.shown)
            .enumerate()
            .map(|(seq, (thread, e))| Event {
                seq: seq as u64,
                thread,
                t_us: e.t_ns as f64 / 1e3,
                op: e.op,
                line: (e.line > 0).then_some(e.line),
            })
            .collect();
        Trace::from_events(self.limit, dropped, objects, events, replay)
    }
}

/// One thread's recording in a traced run.
pub(crate) struct ThreadTrace {
    run: Arc<RunTrace>,
    thread: usize,
    events: RefCell<Vec<Raw>>,
    dropped: Cell<u64>,
    /// Locations this thread has seen, to skip the run's table (and its lock).
    seen: RefCell<HashMap<Loc, u32>>,
    /// The line the thread is at, for events the primitives record.
    pub(crate) line: Cell<u32>,
    /// The shared operation announced by the seam, numbered when it happens.
    pending: RefCell<Option<Pending>>,
}

/// An announced shared operation. It is numbered when it happens, inside the critical
/// section of the data it touches where the VM can (a global's slot, an instance's
/// attributes, a list), so that the sequence order of two threads' operations on one
/// location is the order they happened in: what a replay needs.
struct Pending {
    line: u32,
    what: Announced,
}

enum Announced {
    /// A read of `loc` (named once its value shows it is data, not code).
    Read(Loc, Value),
    /// A write to the location with this index, of this value.
    Write(u32, (i64, bool)),
}

impl std::fmt::Debug for ThreadTrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ThreadTrace({})", self.thread)
    }
}

impl ThreadTrace {
    /// Thread `thread`'s recording of `run`; its first event is its start.
    pub(crate) fn new(run: Arc<RunTrace>, thread: usize) -> ThreadTrace {
        let t = ThreadTrace {
            run,
            thread,
            events: RefCell::new(Vec::new()),
            dropped: Cell::new(0),
            seen: RefCell::new(HashMap::new()),
            line: Cell::new(0),
            pending: RefCell::new(None),
        };
        if thread > 0 {
            // A stepped run's new thread takes a turn before it runs.
            let obj = t.index(Loc::Start(thread), &Value::None);
            t.push(EventOp::Wake { obj }, true, false);
        }
        t
    }

    fn index(&self, loc: Loc, keep: &Value) -> u32 {
        if let Some(&i) = self.seen.borrow().get(&loc) {
            return i;
        }
        let i = self.run.index(loc.clone(), keep);
        self.seen.borrow_mut().insert(loc, i);
        i
    }

    /// Numbers and keeps (or, past the limit, counts) an event.
    fn push(&self, op: EventOp<u32>, step: bool, valued: bool) {
        self.flush_pending();
        self.push_now(op, step, valued);
    }

    fn push_now(&self, op: EventOp<u32>, step: bool, valued: bool) {
        self.keep(op, step, valued, true, self.line.get());
    }

    fn keep(&self, op: EventOp<u32>, step: bool, valued: bool, shown: bool, line: u32) {
        let seq = self.run.seq.fetch_add(1, SeqCst);
        if seq < self.run.limit {
            let t_ns = self.run.start.elapsed().as_nanos() as u64;
            self.events.borrow_mut().push(Raw {
                seq,
                t_ns,
                op,
                line,
                step,
                valued,
                shown,
            });
        } else {
            self.dropped.set(self.dropped.get() + 1);
        }
    }

    /// Where this thread's recording stands (for [`ThreadTrace::rollback`]).
    pub(crate) fn mark(&self) -> usize {
        self.events.borrow().len()
    }

    /// Forgets what was recorded since `mark`: a call that yielded on one thread (it
    /// asked for a lock, say) and will be made again, recording it again.
    pub(crate) fn rollback(&self, mark: usize) {
        self.events.borrow_mut().truncate(mark);
    }

    /// A step that is not an event of the trace (see [`Raw::shown`]).
    fn step_only(&self, line: u32) {
        let op = EventOp::Wake { obj: u32::MAX };
        self.keep(op, true, false, false, line);
    }

    /// An operation announced but never done (it raised, or the seam looked further and
    /// read again): only a step. Called before the thread's next turn, so that the step is
    /// numbered in the turn it was taken in.
    pub(crate) fn flush_pending(&self) {
        if let Some(p) = self.pending.take() {
            self.step_only(p.line);
        }
    }

    fn announce(&self, what: Announced) {
        self.flush_pending();
        let line = self.line.get();
        *self.pending.borrow_mut() = Some(Pending { line, what });
    }

    /// The seam is about to read `loc` (its value comes with [`ThreadTrace::read_value`]).
    fn read(&self, loc: Loc, keep: &Value) {
        self.announce(Announced::Read(loc, keep.clone()));
    }

    /// The value the announced read got (called where it was read, under the data's lock).
    pub(crate) fn read_value(&self, v: &Value) {
        let Some(Pending {
            line,
            what: Announced::Read(loc, keep),
        }) = self.pending.take()
        else {
            return;
        };
        let code = matches!(
            v,
            Value::Null
                | Value::Func(_)
                | Value::Method(_)
                | Value::Builtin(_)
                | Value::NativeMethod(..)
                | Value::Class(_)
                | Value::Module(_)
        );
        if code {
            return self.step_only(line);
        }
        let obj = self.index(loc, &keep);
        let (value, valued) = token(v);
        self.keep(EventOp::Read { obj, value }, true, valued, true, line);
    }

    /// The seam is about to write `v` to `loc` (`None`: delete it); numbered by
    /// [`ThreadTrace::write_done`].
    fn write(&self, loc: Loc, keep: &Value, v: Option<&Value>) {
        let obj = self.index(loc, keep);
        self.announce(Announced::Write(obj, v.map_or((0, false), token)));
    }

    /// The announced write happens now (called under the data's lock where the VM can).
    pub(crate) fn write_done(&self) {
        let Some(Pending {
            line,
            what: Announced::Write(obj, (value, valued)),
        }) = self.pending.take()
        else {
            return;
        };
        self.keep(EventOp::Write { obj, value }, true, valued, true, line);
    }

    /// A shared operation at `line`, before it happens.
    pub(crate) fn shared(&self, op: &super::shared::SharedOp<'_>, line: u32) {
        use super::shared::SharedOp as S;
        self.line.set(line);
        match *op {
            S::LoadGlobal(i) => self.read(Loc::Global(i as u32), &Value::None),
            S::StoreGlobal(i, v) => self.write(Loc::Global(i as u32), &Value::None, v),
            S::GetAttr(obj, name) => self.read(attr(obj, name), obj),
            S::SetAttr(obj, name, v) => self.write(attr(obj, name), obj, v),
            S::GetItem(obj, key) => self.read(item(obj, key), obj),
            S::SetItem(obj, key, v) => self.write(item(obj, key), obj, v),
        }
    }

    /// The thread releases a lock or semaphore, sets an event, notifies a condition.
    pub(crate) fn primitive(&self, value: &Value, signal: bool) {
        if let Some((id, _)) = primitive(value) {
            let obj = self.index(Loc::Prim(id), value);
            let op = match signal {
                true => EventOp::Signal { obj },
                false => EventOp::Release { obj },
            };
            self.push(op, false, false);
        }
    }

    /// `time.sleep`: a step of its own when stepped.
    pub(crate) fn sleep(&self) {
        let obj = self.index(Loc::Sleep, &Value::None);
        self.push(EventOp::Wake { obj }, true, false);
    }

    /// `check(condition, name)` at the current line.
    pub(crate) fn check(&self, name: &str, held: bool) {
        let invariant = check_name(name);
        let value = held as i64;
        self.push(
            EventOp::Check {
                invariant,
                value,
                held,
            },
            false,
            false,
        );
    }

    /// `with invalid():` entered (`true`) or left.
    pub(crate) fn invalid(&self, begin: bool) {
        let op = match begin {
            true => EventOp::InvalidBegin,
            false => EventOp::InvalidEnd,
        };
        self.push(op, false, false);
    }
}

impl WaitTrace for ThreadTrace {
    fn note(&self, op: EventOp<usize>, step: bool) {
        let mut keep = Value::None;
        let mut index = |id: usize| {
            let i = self.index(Loc::Prim(id), &keep);
            keep = Value::None;
            i
        };
        let op = match op {
            EventOp::Request { obj } => EventOp::Request { obj: index(obj) },
            EventOp::Acquire { obj } => EventOp::Acquire { obj: index(obj) },
            EventOp::Release { obj } => EventOp::Release { obj: index(obj) },
            EventOp::Wait { obj } => EventOp::Wait { obj: index(obj) },
            EventOp::Wake { obj } => EventOp::Wake { obj: index(obj) },
            EventOp::Signal { obj } => EventOp::Signal { obj: index(obj) },
            _ => return,
        };
        self.push(op, step, false);
    }
}

impl Drop for ThreadTrace {
    fn drop(&mut self) {
        self.flush_pending();
        let part = Part {
            thread: self.thread,
            events: self.events.take(),
            dropped: self.dropped.get(),
        };
        lock(&self.run.parts).push(part);
    }
}

fn attr(obj: &Value, name: &Arc<PyStr>) -> Loc {
    Loc::Attr(obj.id(), name.as_str().to_string())
}

fn item(obj: &Value, key: &Value) -> Loc {
    let key = match key {
        Value::Int(i) => match obj {
            // A negative index names the element it reaches.
            Value::List(l) if *i < 0 => Key::Int(*i + l.lock().items.len() as i64),
            _ => Key::Int(*i),
        },
        Value::Bool(b) => Key::Int(*b as i64),
        Value::Str(s) => Key::Str(s.as_str().to_string()),
        _ => Key::Other,
    };
    Loc::Item(obj.id(), key)
}

/// A value as a trace's number: ints and bools as themselves (`valued`: a replay must see
/// the same); anything else as a token that only says which value it was.
fn token(v: &Value) -> (i64, bool) {
    match v {
        Value::Int(i) => (*i, true),
        Value::Bool(b) => (*b as i64, true),
        other => (other.id(), false),
    }
}

/// A primitive's identity and name, if `value` is one.
fn primitive(value: &Value) -> Option<(usize, String)> {
    let Value::Native(n) = value else {
        return None;
    };
    Some(match &**n {
        NativeObj::Lock(l) => (l.lock.trace_id(), l.lock.name().to_string()),
        NativeObj::Semaphore(s, _) => (s.trace_id(), s.name().to_string()),
        NativeObj::Event(e) => (e.trace_id(), e.name().to_string()),
        NativeObj::Condition(c) => (c.trace_id(), c.name().to_string()),
        NativeObj::Barrier(b, _) => (b.trace_id(), b.name().to_string()),
        NativeObj::Queue(q) => (q.trace_id(), q.name().to_string()),
        NativeObj::Thread(t) => {
            let end = t.end()?;
            (end.trace_id(), lock(&t.name).clone())
        }
        _ => return None,
    })
}

/// A check's name as the core's events carry it (a `&'static str`): the program's
/// check names are few and fixed, so each distinct one is kept for good, up to a bound
/// past which they share one name.
fn check_name(name: &str) -> &'static str {
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut names = lock(&NAMES);
    if let Some(n) = names.iter().find(|n| **n == name) {
        return n;
    }
    if names.len() >= 1024 || name.len() > 200 {
        return "check";
    }
    let kept: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push(kept);
    kept
}

/// Names the locations of a trace from the run's globals.
struct Namer {
    /// Object identity → its shortest path from a global.
    paths: HashMap<i64, String>,
    /// Primitive identity → its path, or the name it was given.
    prims: HashMap<usize, String>,
    globals: Vec<String>,
    /// Objects no global reaches, numbered per type in the order first named.
    unnamed: HashMap<i64, String>,
    per_type: HashMap<String, usize>,
}

/// Most objects the walk from the globals visits.
const WALK_LIMIT: usize = 20_000;

impl Namer {
    fn new(globals: &[(String, Value)], prims: &[(usize, String, Value)]) -> Namer {
        let mut namer = Namer {
            paths: HashMap::new(),
            prims: prims.iter().map(|(id, n, _)| (*id, n.clone())).collect(),
            globals: globals.iter().map(|(n, _)| n.clone()).collect(),
            unnamed: HashMap::new(),
            per_type: HashMap::new(),
        };
        let walk_from = super::stepview::roots(globals);
        super::stepview::walk(walk_from, WALK_LIMIT, |v, path| {
            if let Some((id, _)) = primitive(v) {
                namer.prims.insert(id, path.to_string());
            }
            // Objects with an identity of their own (not numbers, strings or `None`).
            let object = !matches!(
                v,
                Value::Null
                    | Value::None
                    | Value::Bool(_)
                    | Value::Int(_)
                    | Value::Float(_)
                    | Value::Str(_)
                    | Value::Builtin(_)
                    | Value::NativeMethod(..)
            );
            if object {
                if namer.paths.contains_key(&v.id()) {
                    return super::stepview::Then::Skip;
                }
                namer.paths.insert(v.id(), path.to_string());
            }
            super::stepview::Then::Descend
        });
        namer
    }

    fn object(&mut self, keep: &Value) -> String {
        if let Some(p) = self.paths.get(&keep.id()) {
            return p.clone();
        }
        if let Value::Module(m) = keep {
            return m.name.to_string();
        }
        if let Some(n) = self.unnamed.get(&keep.id()) {
            return n.clone();
        }
        let ty = match keep {
            Value::Instance(i) => i.class.name.as_str().to_string(),
            other => other.type_name().to_string(),
        };
        let n = self.per_type.entry(ty.clone()).or_insert(0);
        *n += 1;
        let name = format!("{ty} #{n}");
        self.unnamed.insert(keep.id(), name.clone());
        name
    }

    fn names(mut self, known: &[Known]) -> Vec<String> {
        known
            .iter()
            .map(|k| match &k.loc {
                Loc::Global(i) => self.globals.get(*i as usize).cloned().unwrap_or_default(),
                Loc::Attr(_, name) => format!("{}.{name}", self.object(&k.keep)),
                Loc::Item(_, key) => {
                    let key = match key {
                        Key::Int(i) => i.to_string(),
                        Key::Str(s) => format!("'{s}'"),
                        Key::Other => "…".to_string(),
                    };
                    format!("{}[{key}]", self.object(&k.keep))
                }
                Loc::Prim(id) => self
                    .prims
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("object {id:x}")),
                Loc::Start(t) => format!("start of thread {t}"),
                Loc::Sleep => "time.sleep".to_string(),
            })
            .collect()
    }
}
