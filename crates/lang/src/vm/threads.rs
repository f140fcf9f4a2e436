//! `threading` for programs: threads started while the run goes, each a VM thread of its
//! own on a real thread (an OS thread natively, a pool worker in the browser), and
//! racelab's owner-aware locks.
//!
//! # What a run shares ([`RunShared`])
//! The module's globals (moved to shared slots when the first thread starts), the output
//! in the order it was printed, failed checks, the exceptions that escaped threads, the
//! registry of threads (index 0 is the main thread; the others in the order they started:
//! the index is what reports and schedules call the thread), the heap account and the
//! run's [`RunControl`]. Each thread has its own interpreter (frames, value stack, method
//! cache) and its own `random` generator, seeded from the run's seed and the thread's
//! index, so what a thread draws does not depend on how the threads interleaved.
//!
//! # Waits that end
//! `Lock`, `RLock` and `join` are the core's primitives ([`Lock`], [`ThreadEnd`]): a wait
//! without a timeout enters the run's wait-for graph once it has lasted a poll, so a lock
//! cycle, a plain lock taken again by its holder, or a join of a thread that waits for the
//! joiner ends the run as a deadlock, with the line each thread of the cycle is stuck at.
//! Every wait also gives up when the run is stopped. At the end of the module the main
//! thread joins every thread that is not a daemon (as CPython does at exit); daemon threads
//! still running then are stopped.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use racelab::exec::Spawn;
use racelab::limits::MAX_PROGRAM_THREADS;
use racelab::sync::{Abort, Lock, LockKind, ThreadEnd, Waiter};
use racelab::RunControl;

use super::builtins::Builtin;
use super::exceptions::{new_exc, type_error, value_error, Flow, PResult};
use super::heap::RunAccount;
use super::interp::Interp;
use super::names::Wk;
use super::sync::PoolState;
use super::types::ExcType;
use super::value::{lock, NativeObj, PyStr, Value};
use super::{CheckFailure, OutputLine, Uncaught};
use crate::bytecode::Op;

/// The run's control block: the page's static one, or one of the run's own.
#[derive(Clone, Debug)]
pub enum ControlRef {
    /// A block that outlives every run (the web build's, in shared memory).
    Static(&'static RunControl),
    /// A block made for this run.
    Shared(Arc<RunControl>),
}

impl Deref for ControlRef {
    type Target = RunControl;

    fn deref(&self) -> &RunControl {
        match self {
            ControlRef::Static(c) => c,
            ControlRef::Shared(c) => c,
        }
    }
}

/// Where a program's threads come from ([`racelab::OsThreads`] natively, the worker pool
/// in the browser).
#[derive(Clone)]
pub struct SpawnRef(pub Arc<dyn Spawn>);

impl std::fmt::Debug for SpawnRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpawnRef")
    }
}

/// A `threading.Thread`.
pub struct PyThread {
    pub(crate) name: Mutex<String>,
    pub(crate) target: Value,
    pub(crate) args: Vec<Value>,
    pub(crate) kwargs: Vec<(Arc<PyStr>, Value)>,
    daemon: AtomicBool,
    /// Set by `start()`: the thread's index and end.
    end: OnceLock<ThreadEnd>,
    /// A pool's worker runs the pool's work instead of a target.
    pub(crate) pool: Option<Arc<PoolState>>,
}

impl PyThread {
    /// The thread's end, once started.
    pub(crate) fn end(&self) -> Option<&ThreadEnd> {
        self.end.get()
    }

    /// The thread's index in its run, once started.
    pub(crate) fn index(&self) -> Option<usize> {
        self.end.get().map(ThreadEnd::thread)
    }

    /// `repr(thread)`, as CPython writes it (the ident is racelab's thread index).
    pub(crate) fn repr(&self) -> String {
        let name = lock(&self.name).clone();
        let daemon = if self.daemon.load(Relaxed) {
            " daemon"
        } else {
            ""
        };
        match self.end.get() {
            None => format!("<Thread({name}, initial{daemon})>"),
            Some(end) if end.is_finished() => {
                format!("<Thread({name}, stopped{daemon} {})>", end.thread())
            }
            Some(end) => format!("<Thread({name}, started{daemon} {})>", end.thread()),
        }
    }
}

/// A `threading.Lock` or `RLock`.
pub struct PyLock {
    pub(crate) lock: Lock,
}

/// What every thread of a run shares.
pub(crate) struct RunShared {
    pub(crate) control: ControlRef,
    spawner: Option<SpawnRef>,
    pub(crate) account: Arc<RunAccount>,
    pub(crate) output: Mutex<Vec<OutputLine>>,
    pub(crate) output_bytes: AtomicUsize,
    pub(crate) checks: Mutex<Vec<CheckFailure>>,
    /// Failures past the first [`MAX_CHECK_RECORDS`], counted by name.
    pub(crate) more_checks: Mutex<Vec<(String, u64)>>,
    /// Exceptions that escaped threads other than the main one, in the order they did.
    pub(crate) thread_errors: Mutex<Vec<Uncaught>>,
    /// Every started thread by index (0: the main thread), as `Value::Native` threads.
    threads: Mutex<Vec<Value>>,
    /// Started threads (the main one not counted) that have not finished: what
    /// `active_count` and the spawner's capacity count.
    live: Mutex<usize>,
    /// Started threads whose body has not returned yet, to its last act: the run ends
    /// only after every one (a late act of this run's thread must not touch the next
    /// run's control block).
    bodies: Mutex<usize>,
    finished: Condvar,
    /// Names handed out to unnamed threads (`Thread-1`, ...).
    unnamed: AtomicUsize,
    /// Thread pools made so far, for their workers' names (`ThreadPoolExecutor-0_0`): per
    /// run, as in a fresh interpreter.
    pub(crate) pools: AtomicUsize,
    /// Names given to locks so far (a repeated name gets a number).
    lock_names: Mutex<Vec<String>>,
    /// Why a thread other than the main one was stopped (its step budget), if one was.
    pub(crate) stopped: Mutex<Option<String>>,
    /// Instructions run by threads other than the main one.
    pub(crate) thread_steps: AtomicU64,
    /// A thread's VM panicked (a racelab bug; natively it unwinds, in wasm it traps).
    pub(crate) panicked: AtomicBool,
    /// The run's trace, when it is traced.
    pub(crate) trace: Option<Arc<super::trace::RunTrace>>,
    /// Stepped on one thread: the threads not running now (see `vm::green`).
    pub(crate) parked: Mutex<Vec<super::green::Parked>>,
    /// A stepped run: what its steps touched, to name at its end (see `vm::stepview`).
    pub(crate) step_notes: Mutex<super::stepview::StepNotes>,
}

/// Failed checks kept with their line and thread; later ones are only counted, so that a
/// run failing a check in every loop keeps its memory flat and its counts right.
pub(crate) const MAX_CHECK_RECORDS: usize = 10_000;

impl RunShared {
    /// Records a failed check (or `assert`).
    pub(crate) fn check_failed(&self, failure: CheckFailure) {
        // The page shows the count while the run goes (its progress words).
        let violations = &self.control.progress.violations;
        violations.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut checks = lock(&self.checks);
        if checks.len() < MAX_CHECK_RECORDS {
            checks.push(failure);
            return;
        }
        drop(checks);
        let mut more = lock(&self.more_checks);
        match more.iter_mut().find(|(name, _)| *name == failure.name) {
            Some((_, n)) => *n += 1,
            None => more.push((failure.name, 1)),
        }
    }

    pub(crate) fn new(
        control: ControlRef,
        spawner: Option<SpawnRef>,
        account: Arc<RunAccount>,
    ) -> Arc<RunShared> {
        let main = PyThread {
            name: Mutex::new("MainThread".to_string()),
            target: Value::None,
            args: Vec::new(),
            kwargs: Vec::new(),
            daemon: AtomicBool::new(false),
            end: OnceLock::new(),
            pool: None,
        };
        let _ = main.end.set(ThreadEnd::new(0, "MainThread"));
        Arc::new(RunShared {
            control,
            spawner,
            account,
            output: Mutex::new(Vec::new()),
            output_bytes: AtomicUsize::new(0),
            checks: Mutex::new(Vec::new()),
            more_checks: Mutex::new(Vec::new()),
            thread_errors: Mutex::new(Vec::new()),
            threads: Mutex::new(vec![Value::Native(Arc::new(NativeObj::Thread(main)))]),
            live: Mutex::new(0),
            bodies: Mutex::new(0),
            finished: Condvar::new(),
            unnamed: AtomicUsize::new(0),
            pools: AtomicUsize::new(0),
            lock_names: Mutex::new(Vec::new()),
            stopped: Mutex::new(None),
            thread_steps: AtomicU64::new(0),
            panicked: AtomicBool::new(false),
            trace: None,
            parked: Mutex::new(Vec::new()),
            step_notes: Mutex::new(super::stepview::StepNotes::default()),
        })
    }

    /// The same (just made, not yet shared) run, traced into `trace`.
    pub(crate) fn traced(mut self: Arc<Self>, trace: Arc<super::trace::RunTrace>) -> Arc<Self> {
        if let Some(me) = Arc::get_mut(&mut self) {
            me.trace = Some(trace);
        }
        self
    }

    /// Whether every thread should stop: the run was cancelled or halted by a deadlock, or
    /// the module ended with daemon threads left (all three said by the control block).
    pub(crate) fn should_stop(&self) -> bool {
        self.control.should_stop()
    }

    /// How many threads were started, the main one included.
    pub(crate) fn thread_count(&self) -> usize {
        lock(&self.threads).len()
    }

    fn thread_done(&self) {
        let mut live = lock(&self.live);
        *live = live.saturating_sub(1);
    }

    fn body_returned(&self) {
        let mut bodies = lock(&self.bodies);
        *bodies = bodies.saturating_sub(1);
        self.finished.notify_all();
    }

    /// Waits until every started thread's body has returned (they all stop at their next
    /// poll once [`RunShared::should_stop`] says so).
    fn wait_all_finished(&self) {
        let mut bodies = lock(&self.bodies);
        while *bodies > 0 {
            bodies = self
                .finished
                .wait_timeout(bodies, Duration::from_millis(20))
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    /// Drops what the threads hold (their targets and arguments) while the run's heap
    /// account is still entered.
    pub(crate) fn clear(&self) {
        let threads = std::mem::take(&mut *lock(&self.threads));
        drop(threads);
    }
}

/// The thread objects of a value, if it is one.
fn as_thread(v: &Value) -> Option<&PyThread> {
    match v {
        Value::Native(n) => match &**n {
            NativeObj::Thread(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// Attributes of threads and locks.
pub(crate) fn thread_attr(n: &NativeObj, wk: Wk) -> Option<PResult<Value>> {
    match (n, wk) {
        (NativeObj::Thread(t), Wk::name) => {
            Some(Value::str(lock(&t.name).clone()).map_err(Flow::from))
        }
        (NativeObj::Thread(t), Wk::daemon) => Some(Ok(Value::Bool(t.daemon.load(Relaxed)))),
        (NativeObj::Thread(t), Wk::ident | Wk::native_id) => {
            Some(Ok(t.index().map_or(Value::None, |i| Value::Int(i as i64))))
        }
        _ => super::sync::sync_attr(n, wk),
    }
}

/// Whether a thread or a lock has method `wk`.
pub(crate) fn thread_has_method(n: &NativeObj, wk: Wk) -> bool {
    match n {
        NativeObj::Thread(_) => matches!(wk, Wk::start | Wk::join | Wk::is_alive | Wk::run),
        NativeObj::Lock(_) => matches!(
            wk,
            Wk::acquire | Wk::release | Wk::locked | Wk::__enter__ | Wk::__exit__
        ),
        _ => super::sync::sync_has_method(n, wk),
    }
}

/// A timeout argument in seconds: `None` (or -1 for locks) waits as long as it takes.
pub(crate) fn timeout_of(
    v: Option<&Value>,
    what: &str,
    minus_one_means_forever: bool,
) -> PResult<Option<Duration>> {
    let secs = match v {
        None | Some(Value::None) => return Ok(None),
        Some(Value::Int(i)) => *i as f64,
        Some(Value::Float(f)) => *f,
        Some(Value::Bool(b)) => *b as i64 as f64,
        Some(other) => {
            return Err(type_error(format!(
                "{what}: timeout must be a number of seconds, not '{}'",
                other.type_name()
            )))
        }
    };
    if minus_one_means_forever && secs == -1.0 {
        return Ok(None);
    }
    if secs.is_nan() || secs < 0.0 {
        return Err(value_error(if minus_one_means_forever {
            "timeout value must be positive".to_string()
        } else {
            format!("{what}: timeout must be a non-negative number of seconds")
        }));
    }
    // Far beyond any run: the same as waiting as long as it takes, but still a timed wait.
    Ok(Some(Duration::from_secs_f64(secs.min(1e9))))
}

/// Takes arguments by position or keyword, in `names` order.
pub(crate) fn bind_args<'a>(
    fname: &str,
    names: &[&str],
    args: &'a [Value],
    kwargs: &'a [(Arc<PyStr>, Value)],
) -> PResult<Vec<Option<&'a Value>>> {
    if args.len() > names.len() {
        return Err(type_error(format!(
            "{fname}() takes at most {} arguments ({} given)",
            names.len(),
            args.len()
        )));
    }
    let mut out: Vec<Option<&Value>> = vec![None; names.len()];
    for (i, a) in args.iter().enumerate() {
        out[i] = Some(a);
    }
    for (k, v) in kwargs {
        match names.iter().position(|n| *n == k.as_str()) {
            Some(i) if out[i].is_none() => out[i] = Some(v),
            Some(_) => {
                return Err(type_error(format!(
                    "{fname}() got multiple values for argument '{}'",
                    k.as_str()
                )))
            }
            None => {
                return Err(type_error(format!(
                    "{fname}() got an unexpected keyword argument '{}'",
                    k.as_str()
                )))
            }
        }
    }
    Ok(out)
}

impl Interp {
    /// The waiter for a blocking wait of this thread, at its current line.
    /// Records a release (`signal` false) or a set or notify of the primitive `v`, when
    /// the run is traced.
    pub(crate) fn trace_primitive(&self, v: &Value, signal: bool) {
        if let Some(t) = &self.tracer {
            t.line.set(self.current_line());
            t.primitive(v, signal);
        }
    }

    pub(crate) fn waiter(&self) -> Waiter<'_> {
        let line = self.current_line();
        let trace = self.tracer.as_deref().map(|t| {
            t.line.set(line);
            t as &dyn racelab::sync::WaitTrace
        });
        Waiter::new(self.thread, &self.shared.control)
            .at_line(line as usize)
            .traced(trace)
            .yielding(self.can_yield())
    }

    /// A wait's result, or the flow that ends this thread when the wait was given up. A
    /// wait that ended because the run was halted (a joined thread stopped by a deadlock
    /// ends too) ends this thread as well, before it runs on.
    pub(crate) fn waited<T>(&mut self, r: Result<T, Abort>) -> PResult<T> {
        match r {
            Err(abort) => Err(self.aborted(abort)),
            Ok(_) if self.shared.should_stop() => Err(self.stop_flow()),
            Ok(v) => Ok(v),
        }
    }

    /// The flow that ends this thread when a wait was given up.
    fn aborted(&mut self, abort: Abort) -> Flow {
        match abort {
            Abort::Deadlock(_) => Flow::Stop("deadlock".to_string()),
            Abort::Cancelled => self.stop_flow(),
            Abort::Yield => Flow::Yield,
        }
    }

    /// Why this thread must stop now, if it must: the cancel hook, the run's control
    /// (Stop, or a deadlock found by another thread), or the end of the module.
    pub(crate) fn stop_requested(&mut self) -> Option<Flow> {
        if self.opts.cancel.as_ref().is_some_and(|c| (c.0)()) {
            self.cancelled = true;
            // Tell every thread of the run, those waiting in a primitive included: left
            // waiting for a thread that has stopped, they would look deadlocked.
            self.shared.control.request_cancel();
            return Some(Flow::Stop("stopped on request".to_string()));
        }
        if self.shared.should_stop() {
            return Some(self.stop_flow());
        }
        None
    }

    fn stop_flow(&mut self) -> Flow {
        let control = &self.shared.control;
        if control.is_cancelled() {
            self.cancelled = true;
            return Flow::Stop("stopped on request".to_string());
        }
        if control.waits.is_halted() {
            return Flow::Stop("deadlock".to_string());
        }
        Flow::Stop("the program ended".to_string())
    }

    /// The `threading` functions.
    pub(crate) fn call_threading(
        &mut self,
        b: Builtin,
        args: &[Value],
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        let no_args = |name: &str| -> PResult<()> {
            if args.is_empty() && kwargs.is_empty() {
                Ok(())
            } else {
                Err(type_error(format!("{name}() takes no arguments")))
            }
        };
        match b {
            Builtin::ThreadingThread => self.new_thread(args, &kwargs),
            Builtin::ThreadingLock | Builtin::ThreadingRLock => {
                no_args(b.name())?;
                let kind = if b == Builtin::ThreadingLock {
                    LockKind::Plain
                } else {
                    LockKind::Reentrant
                };
                let name = self.object_name("lock");
                let made = Value::Native(Arc::new(NativeObj::Lock(PyLock {
                    lock: Lock::new(name, kind),
                })));
                if let Some(trace) = &self.shared.trace {
                    trace.name_primitive(&made);
                }
                Ok(made)
            }
            Builtin::ThreadingCurrentThread => {
                no_args("current_thread")?;
                Ok(lock(&self.shared.threads)
                    .get(self.thread)
                    .cloned()
                    .unwrap_or(Value::None))
            }
            Builtin::ThreadingMainThread => {
                no_args("main_thread")?;
                Ok(lock(&self.shared.threads)
                    .first()
                    .cloned()
                    .unwrap_or(Value::None))
            }
            Builtin::ThreadingActiveCount => {
                no_args("active_count")?;
                Ok(Value::Int(*lock(&self.shared.live) as i64 + 1))
            }
            Builtin::ThreadingGetIdent => {
                no_args("get_ident")?;
                Ok(Value::Int(self.thread as i64))
            }
            _ => Err(type_error(format!(
                "{}() is not supported by racelab",
                b.name()
            ))),
        }
    }

    /// A name for the lock (or event, queue...) being made, from what it is stored into
    /// (`lock_a = Lock()` is `lock_a`, `self.lock = Lock()` is `self.lock`), for deadlock
    /// reports; a name seen before gets a number (`self.lock (2)`).
    pub(crate) fn object_name(&self, kind: &str) -> String {
        let base = self
            .store_target()
            .unwrap_or_else(|| format!("the {kind} made at line {}", self.current_line()));
        let mut names = lock(&self.shared.lock_names);
        let seen = names.iter().filter(|n| **n == base).count();
        names.push(base.clone());
        if seen == 0 {
            base
        } else {
            format!("{base} ({})", seen + 1)
        }
    }

    /// What the instruction after the current call stores its result into, if it is a
    /// plain name or an attribute of a local.
    fn store_target(&self) -> Option<String> {
        let frame = self.frames.last()?;
        let code = self.code(frame.code);
        let slot = |i: u32| {
            code.varnames
                .get(i as usize)
                .map(|n| n.as_str().to_string())
        };
        let attr = |s: u32, n: u32| -> Option<String> {
            Some(format!(
                "{}.{}",
                slot(s)?,
                code.names.get(n as usize)?.as_str()
            ))
        };
        match code.ops.get(frame.pc)? {
            Op::StoreGlobal(i) => self
                .module
                .globals
                .get(*i as usize)
                .map(|n| n.as_str().to_string()),
            Op::StoreFast(i) | Op::StoreDeref(i) => slot(*i),
            Op::StoreName(i) => code.names.get(*i as usize).map(|n| n.as_str().to_string()),
            Op::LoadFastStoreAttr(s, n) => attr(*s, *n),
            Op::LoadFast(s) => match code.ops.get(frame.pc + 1)? {
                Op::StoreAttr(n) => attr(*s, *n),
                _ => None,
            },
            _ => None,
        }
    }

    /// `thread.name = ...` and `thread.daemon = ...` (before it starts, as Python
    /// requires); `Ok(false)` for any other attribute.
    pub(crate) fn set_thread_attr(&mut self, t: &PyThread, wk: Wk, value: &Value) -> PResult<bool> {
        match wk {
            Wk::name => {
                let name = self.to_str(value)?;
                *lock(&t.name) = name;
                Ok(true)
            }
            Wk::daemon => {
                if t.end.get().is_some() {
                    return Err(new_exc(
                        ExcType::RuntimeError,
                        "cannot set daemon status of active thread",
                    ));
                }
                let daemon = self.truthy(value)?;
                t.daemon.store(daemon, Relaxed);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// `threading.Thread(group=None, target=None, name=None, args=(), kwargs=None, *,
    /// daemon=None)`.
    fn new_thread(&mut self, args: &[Value], kwargs: &[(Arc<PyStr>, Value)]) -> PResult<Value> {
        let a = bind_args(
            "Thread",
            &["group", "target", "name", "args", "kwargs", "daemon"],
            args,
            kwargs,
        )?;
        if args.len() > 5 {
            return Err(type_error("Thread() takes at most 5 positional arguments"));
        }
        if !matches!(a[0], None | Some(Value::None)) {
            return Err(new_exc(
                ExcType::AssertionError,
                "group argument must be None for now",
            ));
        }
        let target = a[1].cloned().unwrap_or(Value::None);
        let call_args = match a[3] {
            None => Vec::new(),
            Some(v) => self.collect(v)?,
        };
        let call_kwargs = match a[4] {
            None | Some(Value::None) => Vec::new(),
            Some(Value::Dict(d)) => {
                let mut out = Vec::new();
                for e in d.snapshot() {
                    match &e.key {
                        Value::Str(s) => {
                            out.push((self.module.interner.intern(s.as_str()), e.value.clone()))
                        }
                        _ => return Err(type_error("keywords must be strings")),
                    }
                }
                out
            }
            Some(other) => {
                return Err(type_error(format!(
                    "Thread(): kwargs must be a dict, not '{}'",
                    other.type_name()
                )))
            }
        };
        let name = match a[2] {
            None | Some(Value::None) => {
                let n = self.shared.unnamed.fetch_add(1, Relaxed) + 1;
                let wk_name = self.module.interner.known(Wk::__name__);
                match self.get_attr(&target, &wk_name) {
                    Ok(Value::Str(s)) if !matches!(target, Value::None) => {
                        format!("Thread-{n} ({})", s.as_str())
                    }
                    _ => format!("Thread-{n}"),
                }
            }
            Some(v) => self.to_str(v)?,
        };
        let daemon = match a[5] {
            None | Some(Value::None) => as_thread(
                lock(&self.shared.threads)
                    .get(self.thread)
                    .unwrap_or(&Value::None),
            )
            .is_some_and(|t| t.daemon.load(Relaxed)),
            Some(v) => self.truthy(v)?,
        };
        Ok(Value::Native(Arc::new(NativeObj::Thread(PyThread {
            name: Mutex::new(name),
            target,
            args: call_args,
            kwargs: call_kwargs,
            daemon: AtomicBool::new(daemon),
            end: OnceLock::new(),
            pool: None,
        }))))
    }

    /// Starts a worker of `pool` called `name` (a daemon thread the pool's shutdown
    /// joins, as CPython's workers are joined at exit).
    pub(crate) fn pool_worker(&mut self, pool: Arc<PoolState>, name: String) -> PResult<Value> {
        let obj = Arc::new(NativeObj::Thread(PyThread {
            name: Mutex::new(name),
            target: Value::None,
            args: Vec::new(),
            kwargs: Vec::new(),
            daemon: AtomicBool::new(false),
            end: OnceLock::new(),
            pool: Some(pool),
        }));
        self.start_thread(&obj)?;
        Ok(Value::Native(obj))
    }

    /// `thread.join()` of a started thread, by this thread.
    pub(crate) fn join_thread(&mut self, thread: &Value) -> PResult<()> {
        let Some(end) = as_thread(thread).and_then(|t| t.end.get().cloned()) else {
            return Ok(());
        };
        if end.thread() == self.thread {
            return Ok(());
        }
        let joined = end.join(&self.waiter(), None);
        self.waited(joined).map(drop)
    }

    /// Methods of threads and locks.
    pub(crate) fn thread_method(
        &mut self,
        this: &Value,
        wk: Wk,
        args: &[Value],
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        let Value::Native(n) = this else {
            return Ok(Value::None);
        };
        match (&**n, wk) {
            (NativeObj::Thread(_), Wk::start) => {
                bind_args("start", &[], args, &kwargs)?;
                self.start_thread(n)?;
                Ok(Value::None)
            }
            (NativeObj::Thread(t), Wk::run) => {
                bind_args("run", &[], args, &kwargs)?;
                if matches!(t.target, Value::None) {
                    return Ok(Value::None);
                }
                self.call_value(&t.target, t.args.clone(), t.kwargs.clone())
            }
            (NativeObj::Thread(t), Wk::join) => {
                let a = bind_args("join", &["timeout"], args, &kwargs)?;
                let timeout = timeout_of(a[0], "join()", false)?;
                let Some(end) = t.end.get() else {
                    return Err(new_exc(
                        ExcType::RuntimeError,
                        "cannot join thread before it is started",
                    ));
                };
                if end.thread() == self.thread {
                    return Err(new_exc(ExcType::RuntimeError, "cannot join current thread"));
                }
                let end = end.clone();
                let joined = end.join(&self.waiter(), timeout);
                self.waited(joined).map(|_| Value::None)
            }
            (NativeObj::Thread(t), Wk::is_alive) => {
                bind_args("is_alive", &[], args, &kwargs)?;
                Ok(Value::Bool(t.end.get().is_some_and(|e| !e.is_finished())))
            }
            (NativeObj::Lock(l), Wk::acquire | Wk::__enter__) => {
                let timeout = self.acquire_timeout(wk, args, &kwargs, true)?;
                let taken = l.lock.acquire_for(&self.waiter(), timeout);
                self.waited(taken).map(Value::Bool)
            }
            (NativeObj::Lock(l), Wk::release | Wk::__exit__) => {
                if wk == Wk::release {
                    bind_args("release", &[], args, &kwargs)?;
                }
                match l.lock.release_by(self.thread) {
                    Ok(()) => {
                        self.trace_primitive(this, false);
                        Ok(Value::None)
                    }
                    Err(msg) => Err(new_exc(ExcType::RuntimeError, msg)),
                }
            }
            (NativeObj::Lock(l), Wk::locked) => {
                bind_args("locked", &[], args, &kwargs)?;
                Ok(Value::Bool(l.lock.is_locked()))
            }
            _ => self.sync_method(this, wk, args, kwargs),
        }
    }

    /// How long `acquire(blocking=True, timeout=...)` (or `with`, which waits as long as it
    /// takes) may wait: `None` as long as it takes, `Some(ZERO)` not at all. A `Lock`'s
    /// default timeout is -1, a `Semaphore`'s `None`; their messages differ too, as
    /// CPython's do.
    pub(crate) fn acquire_timeout(
        &mut self,
        wk: Wk,
        args: &[Value],
        kwargs: &[(Arc<PyStr>, Value)],
        lock: bool,
    ) -> PResult<Option<Duration>> {
        if wk == Wk::__enter__ {
            return Ok(None);
        }
        let a = bind_args("acquire", &["blocking", "timeout"], args, kwargs)?;
        let blocking = match a[0] {
            None => true,
            Some(v) => self.truthy(v)?,
        };
        let timeout = timeout_of(a[1], "acquire()", lock)?;
        if blocking {
            return Ok(timeout);
        }
        if timeout.is_some() {
            return Err(value_error(if lock {
                "can't specify a timeout for a non-blocking call"
            } else {
                "can't specify timeout for non-blocking acquire"
            }));
        }
        Ok(Some(Duration::ZERO))
    }

    /// `thread.start()`: registers the thread (its index is the next one) and runs its
    /// target on a thread of the run's spawner.
    fn start_thread(&mut self, obj: &Arc<NativeObj>) -> PResult<()> {
        let NativeObj::Thread(t) = &**obj else {
            return Ok(());
        };
        if t.end.get().is_some() {
            return Err(new_exc(
                ExcType::RuntimeError,
                "threads can only be started once",
            ));
        }
        let spawner = self.shared.spawner.clone();
        let one_thread = self.one_thread;
        let capacity = match &spawner {
            _ if one_thread => MAX_PROGRAM_THREADS,
            Some(spawner) => spawner.0.capacity(),
            None => 0,
        };
        if spawner.is_none() && !one_thread {
            return Err(new_exc(
                ExcType::RuntimeError,
                "can't start new thread: racelab has no threads here (a page must be \
                 cross-origin isolated to have them)",
            ));
        }
        let name = lock(&t.name).clone();
        let index = {
            let mut threads = lock(&self.shared.threads);
            if threads.len() >= MAX_PROGRAM_THREADS {
                return Err(new_exc(
                    ExcType::RuntimeError,
                    format!(
                        "can't start new thread: racelab runs at most {MAX_PROGRAM_THREADS} \
                         threads in one run, the main thread included"
                    ),
                ));
            }
            let mut live = lock(&self.shared.live);
            if *live >= capacity {
                return Err(new_exc(
                    ExcType::RuntimeError,
                    format!(
                        "can't start new thread: {} threads are running, as many as this \
                         runtime can run at once",
                        *live
                    ),
                ));
            }
            *live += 1;
            *lock(&self.shared.bodies) += 1;
            threads.push(Value::Native(obj.clone()));
            threads.len() - 1
        };
        let end = ThreadEnd::new(index, name.clone());
        let _ = t.end.set(end.clone());
        if let Some(trace) = &self.shared.trace {
            trace.name_primitive(&Value::Native(obj.clone()));
        }
        self.shared.control.waits.thread_started(index);
        if self.stepped {
            self.shared.control.turns.add_thread(index);
        }
        let globals = self.share_globals();
        if one_thread {
            // It runs at its turn, resumed by whichever thread lets the others move.
            let finish = Finish {
                shared: self.shared.clone(),
                end,
            };
            let start = super::green::Start {
                module: self.module.clone(),
                opts: self.opts.clone(),
                globals,
                thread: obj.clone(),
                index,
                name,
            };
            lock(&self.shared.parked).push(super::green::Parked::new(start, finish));
            return Ok(());
        }
        let Some(spawner) = spawner else {
            return Ok(());
        };
        let shared = self.shared.clone();
        let module = self.module.clone();
        let opts = self.opts.clone();
        let thread_obj = obj.clone();
        let body = move || {
            // Counted out and its end given even if the VM panics (natively a panic unwinds;
            // the main thread then fails the run, as `std::thread::scope` would).
            let _finish = Finish {
                shared: shared.clone(),
                end,
            };
            let account = shared.account.clone();
            let entered = account.enter();
            // A stepped run's new thread runs only at its turn.
            let first_turn = if shared.control.turns.is_active() {
                shared.control.turns.first_turn(index, &shared.control)
            } else {
                Ok(())
            };
            if first_turn.is_ok() {
                let mut it = Interp::for_thread(module, opts, shared.clone(), index, globals);
                if let NativeObj::Thread(t) = &*thread_obj {
                    if let Some(pool) = &t.pool {
                        let r = it.run_pool_worker(pool).map(|()| Value::None);
                        it.thread_ended(r, &name);
                    } else if !matches!(t.target, Value::None) {
                        let r = it.call_value(&t.target, t.args.clone(), t.kwargs.clone());
                        it.thread_ended(r, &name);
                    }
                }
                it.stack.clear();
                it.frames.clear();
            }
            drop(thread_obj);
            drop(entered);
        };
        if let Err(why) = spawner.0.spawn(Box::new(body)) {
            if let Some(end) = t.end.get() {
                end.finish();
            }
            self.shared.control.waits.thread_finished(index);
            self.shared.thread_done();
            self.shared.body_returned();
            return Err(new_exc(
                ExcType::RuntimeError,
                format!("can't start new thread: {why}"),
            ));
        }
        Ok(())
    }

    /// Records how a thread's target ended.
    pub(crate) fn thread_ended(&mut self, r: PResult<Value>, name: &str) {
        let used = self.opts.max_steps.unwrap_or(u64::MAX) - self.steps_left;
        self.shared.thread_steps.fetch_add(used, Relaxed);
        match r {
            Ok(_) => {}
            Err(Flow::Exc(inst)) => {
                let mut uncaught = self.uncaught(&inst, name);
                // As CPython prints it (without the frames of `threading.py` itself).
                uncaught.traceback = format!("Exception in thread {name}:\n{}", uncaught.traceback);
                lock(&self.shared.thread_errors).push(uncaught);
            }
            Err(Flow::Stop(why)) => {
                if self.steps_left == 0 {
                    lock(&self.shared.stopped).get_or_insert(why);
                }
            }
            // A thread's body ends only when it returns or raises.
            Err(Flow::Yield) => {}
        }
    }

    /// At the end of the module: joins every thread that is not a daemon, then stops the
    /// daemons and waits for them too. Returns how the main thread's waits ended.
    pub(crate) fn join_all(&mut self) -> Option<Flow> {
        let mut ended = None;
        let mut index = 1;
        loop {
            let next = lock(&self.shared.threads).get(index).cloned();
            let Some(v) = next else { break };
            index += 1;
            let Some(t) = as_thread(&v) else { continue };
            if t.daemon.load(Relaxed) || ended.is_some() {
                continue;
            }
            if let Some(end) = t.end.get().cloned() {
                let trace = self
                    .tracer
                    .as_deref()
                    .map(|t| t as &dyn racelab::sync::WaitTrace);
                let waiter = Waiter::new(0, &self.shared.control).traced(trace);
                if let Err(abort) = end.join(&waiter, None) {
                    ended = Some(self.aborted(abort));
                }
            }
        }
        // The threads left (daemons, a paused run's) stop at their next look, in a wait too.
        self.shared.control.end_threads();
        if self.one_thread {
            // On one thread, those never resumed again stop where they were parked.
            super::green::stop_parked(&self.shared);
        }
        self.shared.wait_all_finished();
        // As `std::thread::scope` does: a thread's panic is the run's.
        assert!(
            !self.shared.panicked.load(Relaxed),
            "a thread of the program panicked in racelab's VM"
        );
        ended
    }
}

/// A thread's last act, even when it unwinds: counted out (before its joiners return, as
/// CPython's `active_count` says), then its end given to every joiner.
pub(crate) struct Finish {
    shared: Arc<RunShared>,
    end: ThreadEnd,
}

impl Drop for Finish {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.shared.panicked.store(true, Relaxed);
        }
        self.shared.thread_done();
        self.end.finish();
        // Only once its joiners can go on: a joiner is then never seen waiting for a
        // thread that is gone.
        self.shared.control.waits.thread_finished(self.end.thread());
        let control = &self.shared.control;
        if control.turns.is_active() {
            control.turns.leave(self.end.thread(), control);
        }
        // The last act: after it the run may end and the next one reuse the control block.
        self.shared.body_returned();
    }
}

impl Interp {
    /// The interpreter of thread `index` of a run (started, sharing the module's
    /// `globals`): traced if the run is, drawing its own `random` sequence.
    pub(crate) fn for_thread(
        module: Arc<crate::bytecode::Module>,
        opts: super::RunOptions,
        shared: Arc<RunShared>,
        index: usize,
        globals: Arc<super::shared::Globals>,
    ) -> Interp {
        let mut it = Interp::new(module, opts, shared);
        it.thread = index;
        it.trace_thread();
        it.globals = super::shared::GlobalStore::Shared(globals);
        it.rng = super::modules::Rng::new(thread_seed(it.opts.seed, index));
        it
    }
}

/// A thread's `random` seed: the run's, mixed with the thread's index (splitmix64's
/// finalizer), so every thread draws its own sequence and the main thread's is the run's.
fn thread_seed(seed: u64, index: usize) -> u64 {
    if index == 0 {
        return seed;
    }
    let mut z = seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
