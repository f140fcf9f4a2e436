//! A program's synchronisation objects beyond threads and locks: `Semaphore`,
//! `BoundedSemaphore`, `Event`, `Condition` and `Barrier` (from `threading`), `Queue`
//! (from `queue`), and `ThreadPoolExecutor` with its `Future`s (from
//! `concurrent.futures`). Each is one of the core's primitives ([`racelab::sync::py`]), so
//! every wait can be stopped and is seen by the deadlock detector; this module gives them
//! Python's signatures, defaults and errors.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use racelab::sync::py::{Barrier, BrokenBarrier, Condition, Event, Full, Queue, Semaphore};
use racelab::sync::{Lock, LockKind};

use super::builtins::Builtin;
use super::exceptions::{new_exc, type_error, value_error, Flow, PResult};
use super::interp::Interp;
use super::names::Wk;
use super::threads::{bind_args, timeout_of, PyLock};
use super::types::ExcType;
use super::value::{lock, BaseType, IterObj, IterState, NativeObj, PyStr, Value};

/// A `concurrent.futures.Future`: pending until its work item ran.
pub struct FutureState {
    done: Event,
    outcome: Mutex<Option<Result<Value, Value>>>,
}

impl FutureState {
    fn new() -> Arc<FutureState> {
        Arc::new(FutureState {
            done: Event::new("future"),
            outcome: Mutex::new(None),
        })
    }

    fn finish(&self, outcome: Result<Value, Value>) {
        *lock(&self.outcome) = Some(outcome);
        self.done.set();
    }

    /// `repr(future)`'s state part, as CPython writes it.
    pub(crate) fn state_text(&self) -> String {
        match &*lock(&self.outcome) {
            None => "state=pending".to_string(),
            Some(Ok(v)) => format!("state=finished returned {}", v.type_name()),
            Some(Err(e)) => format!("state=finished raised {}", e.type_name()),
        }
    }
}

/// One call submitted to a pool.
pub(crate) struct WorkItem {
    future: Arc<FutureState>,
    func: Value,
    args: Vec<Value>,
    kwargs: Vec<(Arc<PyStr>, Value)>,
}

/// A `ThreadPoolExecutor`: its queue of work (`None` tells a worker to stop), its workers
/// (started on demand, as CPython does, up to `max_workers`) and the permits of idle ones.
pub struct PoolState {
    work: Queue<Option<Arc<WorkItem>>>,
    idle: Semaphore,
    workers: Mutex<Vec<Value>>,
    max_workers: usize,
    prefix: String,
    shutdown: AtomicBool,
}

/// Attributes of the synchronisation objects.
pub(crate) fn sync_attr(n: &NativeObj, wk: Wk) -> Option<PResult<Value>> {
    let int = |i: u64| Some(Ok(Value::Int(i as i64)));
    match (n, wk) {
        (NativeObj::Barrier(b, _), Wk::parties) => int(u64::from(b.parties())),
        (NativeObj::Barrier(b, _), Wk::n_waiting) => int(u64::from(b.n_waiting())),
        (NativeObj::Barrier(b, _), Wk::broken) => Some(Ok(Value::Bool(b.broken()))),
        (NativeObj::Queue(q), Wk::maxsize) => int(q.maxsize() as u64),
        _ => None,
    }
}

/// Whether a synchronisation object has method `wk`.
pub(crate) fn sync_has_method(n: &NativeObj, wk: Wk) -> bool {
    use Wk as W;
    match n {
        NativeObj::Semaphore(..) => {
            matches!(wk, W::acquire | W::release | W::__enter__ | W::__exit__)
        }
        NativeObj::Event(_) => matches!(wk, W::set | W::clear | W::is_set | W::wait),
        NativeObj::Condition(_) => matches!(
            wk,
            W::acquire
                | W::release
                | W::__enter__
                | W::__exit__
                | W::wait
                | W::wait_for
                | W::notify
                | W::notify_all
        ),
        NativeObj::Barrier(..) => matches!(wk, W::wait | W::reset | W::abort),
        NativeObj::Queue(_) => matches!(
            wk,
            W::put
                | W::get
                | W::put_nowait
                | W::get_nowait
                | W::task_done
                | W::join
                | W::empty
                | W::full
                | W::qsize
        ),
        NativeObj::Executor(_) => matches!(
            wk,
            W::submit | W::map | W::shutdown | W::__enter__ | W::__exit__
        ),
        NativeObj::Future(_) => matches!(
            wk,
            W::result | W::done | W::exception | W::running | W::cancelled
        ),
        NativeObj::Invalid => matches!(wk, W::__enter__ | W::__exit__),
        _ => false,
    }
}

/// Python's `block`/`timeout` pair as a wait: `None` waits as long as it takes,
/// `Some(ZERO)` does not wait.
fn block_timeout(
    interp: &mut Interp,
    what: &str,
    block: Option<&Value>,
    timeout: Option<&Value>,
) -> PResult<Option<Duration>> {
    let block = match block {
        None => true,
        Some(v) => interp.truthy(v)?,
    };
    if !block {
        return Ok(Some(Duration::ZERO));
    }
    match timeout {
        None | Some(Value::None) => Ok(None),
        Some(v) => match timeout_of(Some(v), what, false) {
            Ok(t) => Ok(t),
            Err(_) if matches!(v, Value::Int(_) | Value::Float(_)) => {
                Err(value_error("'timeout' must be a non-negative number"))
            }
            Err(e) => Err(e),
        },
    }
}

impl Interp {
    /// The `threading`, `queue` and `concurrent.futures` constructors beyond threads and
    /// locks.
    pub(crate) fn call_sync(
        &mut self,
        b: Builtin,
        args: &[Value],
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        let made = self.make_sync(b, args, kwargs)?;
        if let Some(trace) = &self.shared.trace {
            trace.name_primitive(&made);
        }
        Ok(made)
    }

    fn make_sync(
        &mut self,
        b: Builtin,
        args: &[Value],
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        let native = |n: NativeObj| Ok(Value::Native(Arc::new(n)));
        match b {
            Builtin::ThreadingSemaphore | Builtin::ThreadingBoundedSemaphore => {
                let a = bind_args(b.name(), &["value"], args, &kwargs)?;
                let value = match a[0] {
                    None => 1,
                    Some(v) => self.int_arg(v, b.name())?,
                };
                if value < 0 {
                    return Err(value_error("semaphore initial value must be >= 0"));
                }
                let bounded = b == Builtin::ThreadingBoundedSemaphore;
                let name = self.object_name("semaphore");
                native(NativeObj::Semaphore(
                    Semaphore::new(name, value as u64, bounded),
                    bounded,
                ))
            }
            Builtin::ThreadingEvent => {
                bind_args("Event", &[], args, &kwargs)?;
                let name = self.object_name("event");
                native(NativeObj::Event(Event::new(name)))
            }
            Builtin::ThreadingCondition => {
                let a = bind_args("Condition", &["lock"], args, &kwargs)?;
                let name = self.object_name("condition");
                let lock = match a[0] {
                    None | Some(Value::None) => Lock::new(name.clone(), LockKind::Reentrant),
                    Some(Value::Native(n)) => match &**n {
                        NativeObj::Lock(l) => l.lock.clone(),
                        _ => {
                            return Err(type_error("Condition(): lock must be a Lock or an RLock"))
                        }
                    },
                    Some(_) => {
                        return Err(type_error("Condition(): lock must be a Lock or an RLock"))
                    }
                };
                native(NativeObj::Condition(Condition::new(name, lock)))
            }
            Builtin::ThreadingBarrier => {
                let a = bind_args("Barrier", &["parties", "action", "timeout"], args, &kwargs)?;
                let parties = match a[0] {
                    Some(v) => self.int_arg(v, "Barrier")?,
                    None => {
                        return Err(type_error(
                            "Barrier() missing 1 required positional argument: 'parties'",
                        ))
                    }
                };
                if parties < 1 {
                    return Err(value_error("parties must be > 0"));
                }
                if !matches!(a[1], None | Some(Value::None)) {
                    return Err(new_exc(
                        ExcType::NotImplementedError,
                        "racelab's Barrier does not run an action; call it after wait() in the thread that got index 0",
                    ));
                }
                let timeout = timeout_of(a[2], "Barrier()", false)?;
                let name = self.object_name("barrier");
                native(NativeObj::Barrier(
                    Barrier::new(name, parties.min(u32::MAX as i64) as u32),
                    timeout,
                ))
            }
            Builtin::QueueQueue => {
                let a = bind_args("Queue", &["maxsize"], args, &kwargs)?;
                let maxsize = match a[0] {
                    None => 0,
                    Some(v) => self.int_arg(v, "Queue")?.max(0),
                };
                let name = self.object_name("queue");
                native(NativeObj::Queue(Queue::new(name, maxsize as usize)))
            }
            Builtin::FuturesThreadPoolExecutor => {
                let a = bind_args(
                    "ThreadPoolExecutor",
                    &["max_workers", "thread_name_prefix"],
                    args,
                    &kwargs,
                )?;
                let max_workers = match a[0] {
                    None | Some(Value::None) => 5,
                    Some(v) => {
                        let n = self.int_arg(v, "ThreadPoolExecutor")?;
                        if n <= 0 {
                            return Err(value_error("max_workers must be greater than 0"));
                        }
                        n as usize
                    }
                };
                let n = self.shared.pools.fetch_add(1, Relaxed);
                let prefix = match a[1] {
                    None | Some(Value::None) => format!("ThreadPoolExecutor-{n}"),
                    Some(v) => {
                        let p = self.to_str(v)?;
                        if p.is_empty() {
                            format!("ThreadPoolExecutor-{n}")
                        } else {
                            p
                        }
                    }
                };
                let name = self.object_name("executor");
                native(NativeObj::Executor(Arc::new(PoolState {
                    work: Queue::new(format!("{name}'s work queue"), 0),
                    idle: Semaphore::new(format!("{name}'s idle workers"), 0, false),
                    workers: Mutex::new(Vec::new()),
                    max_workers,
                    prefix,
                    shutdown: AtomicBool::new(false),
                })))
            }
            _ => Err(type_error(format!(
                "{}() is not supported by racelab",
                b.name()
            ))),
        }
    }

    fn int_arg(&mut self, v: &Value, what: &str) -> PResult<i64> {
        match v {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(*b as i64),
            other => Err(type_error(format!(
                "{what}(): expected an integer, got '{}'",
                other.type_name()
            ))),
        }
    }

    /// Methods of the synchronisation objects.
    pub(crate) fn sync_method(
        &mut self,
        this: &Value,
        wk: Wk,
        args: &[Value],
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        let Value::Native(n) = this else {
            return Ok(Value::None);
        };
        let n = n.clone();
        let none = |r: PResult<()>| r.map(|()| Value::None);
        match (&*n, wk) {
            (NativeObj::Semaphore(s, _), Wk::acquire | Wk::__enter__) => {
                let timeout = self.acquire_timeout(wk, args, &kwargs, false)?;
                let got = s.acquire(&self.waiter(), timeout);
                Ok(Value::Bool(self.waited(got)?))
            }
            (NativeObj::Semaphore(s, _), Wk::release | Wk::__exit__) => {
                let n = if wk == Wk::release {
                    let a = bind_args("release", &["n"], args, &kwargs)?;
                    match a[0] {
                        None => 1,
                        Some(v) => self.int_arg(v, "release")?,
                    }
                } else {
                    1
                };
                if n < 1 {
                    return Err(value_error("n must be one or more"));
                }
                s.release(n as u64).map_err(value_error)?;
                self.trace_primitive(this, false);
                Ok(Value::None)
            }
            (NativeObj::Event(e), Wk::set) => {
                bind_args("set", &[], args, &kwargs)?;
                e.set();
                self.trace_primitive(this, true);
                Ok(Value::None)
            }
            (NativeObj::Invalid, Wk::__enter__ | Wk::__exit__) => {
                if let Some(t) = &self.tracer {
                    t.line.set(self.current_line());
                    t.invalid(wk == Wk::__enter__);
                }
                Ok(match wk {
                    Wk::__enter__ => this.clone(),
                    _ => Value::None,
                })
            }
            (NativeObj::Event(e), Wk::clear) => {
                bind_args("clear", &[], args, &kwargs)?;
                e.clear();
                Ok(Value::None)
            }
            (NativeObj::Event(e), Wk::is_set) => {
                bind_args("is_set", &[], args, &kwargs)?;
                Ok(Value::Bool(e.is_set()))
            }
            (NativeObj::Event(e), Wk::wait) => {
                let a = bind_args("wait", &["timeout"], args, &kwargs)?;
                let timeout = timeout_of(a[0], "wait()", false)?;
                let set = e.wait(&self.waiter(), timeout);
                Ok(Value::Bool(self.waited(set)?))
            }
            (NativeObj::Condition(c), Wk::acquire | Wk::release | Wk::__enter__ | Wk::__exit__) => {
                // The condition's lock does the work, with the lock's own signatures.
                let lock_value = Value::Native(Arc::new(NativeObj::Lock(PyLock {
                    lock: c.lock().clone(),
                })));
                self.thread_method(&lock_value, wk, args, kwargs)
            }
            (NativeObj::Condition(c), Wk::wait) => {
                let a = bind_args("wait", &["timeout"], args, &kwargs)?;
                let timeout = timeout_of(a[0], "wait()", false)?;
                let notified = c.wait(&self.waiter(), timeout);
                match self.waited(notified)? {
                    Ok(b) => Ok(Value::Bool(b)),
                    Err(msg) => Err(new_exc(ExcType::RuntimeError, msg)),
                }
            }
            (NativeObj::Condition(c), Wk::wait_for) => {
                let a = bind_args("wait_for", &["predicate", "timeout"], args, &kwargs)?;
                let Some(predicate) = a[0].cloned() else {
                    return Err(type_error(
                        "wait_for() missing 1 required positional argument: 'predicate'",
                    ));
                };
                let timeout = timeout_of(a[1], "wait_for()", false)?;
                let deadline = timeout.map(|d| web_time::Instant::now().checked_add(d));
                loop {
                    let result = self.call_value(&predicate, Vec::new(), Vec::new())?;
                    if self.truthy(&result)? {
                        return Ok(result);
                    }
                    let wait = match deadline {
                        None => None,
                        Some(at) => {
                            let left = at.map_or(Duration::MAX, |at| {
                                at.saturating_duration_since(web_time::Instant::now())
                            });
                            if left.is_zero() {
                                return Ok(result);
                            }
                            Some(left)
                        }
                    };
                    let notified = c.wait(&self.waiter(), wait);
                    if let Err(msg) = self.waited(notified)? {
                        return Err(new_exc(ExcType::RuntimeError, msg));
                    }
                }
            }
            (NativeObj::Condition(c), Wk::notify | Wk::notify_all) => {
                let count = if wk == Wk::notify {
                    let a = bind_args("notify", &["n"], args, &kwargs)?;
                    match a[0] {
                        None => 1,
                        Some(v) => self.int_arg(v, "notify")?.max(0) as usize,
                    }
                } else {
                    bind_args("notify_all", &[], args, &kwargs)?;
                    usize::MAX
                };
                c.notify(self.thread, count)
                    .map_err(|m| new_exc(ExcType::RuntimeError, m))?;
                self.trace_primitive(this, true);
                Ok(Value::None)
            }
            (NativeObj::Barrier(b, default), Wk::wait) => {
                let a = bind_args("wait", &["timeout"], args, &kwargs)?;
                let timeout = match a[0] {
                    None | Some(Value::None) => *default,
                    some => timeout_of(some, "wait()", false)?,
                };
                let passed = b.wait(&self.waiter(), timeout);
                match self.waited(passed)? {
                    Ok(index) => Ok(Value::Int(i64::from(index))),
                    Err(BrokenBarrier) => Err(new_exc(ExcType::BrokenBarrierError, "")),
                }
            }
            (NativeObj::Barrier(b, _), Wk::reset) => {
                bind_args("reset", &[], args, &kwargs)?;
                b.reset();
                Ok(Value::None)
            }
            (NativeObj::Barrier(b, _), Wk::abort) => {
                bind_args("abort", &[], args, &kwargs)?;
                b.abort();
                Ok(Value::None)
            }
            (NativeObj::Queue(q), Wk::put | Wk::put_nowait) => {
                let (item, timeout) = if wk == Wk::put {
                    let a = bind_args("put", &["item", "block", "timeout"], args, &kwargs)?;
                    let Some(item) = a[0].cloned() else {
                        return Err(type_error(
                            "put() missing 1 required positional argument: 'item'",
                        ));
                    };
                    (item, block_timeout(self, "put()", a[1], a[2])?)
                } else {
                    let a = bind_args("put_nowait", &["item"], args, &kwargs)?;
                    let Some(item) = a[0].cloned() else {
                        return Err(type_error(
                            "put_nowait() missing 1 required positional argument: 'item'",
                        ));
                    };
                    (item, Some(Duration::ZERO))
                };
                let put = q.put(&self.waiter(), item, timeout);
                match self.waited(put)? {
                    Ok(()) => Ok(Value::None),
                    Err(Full(_)) => Err(new_exc(ExcType::QueueFull, "")),
                }
            }
            (NativeObj::Queue(q), Wk::get | Wk::get_nowait) => {
                let timeout = if wk == Wk::get {
                    let a = bind_args("get", &["block", "timeout"], args, &kwargs)?;
                    block_timeout(self, "get()", a[0], a[1])?
                } else {
                    bind_args("get_nowait", &[], args, &kwargs)?;
                    Some(Duration::ZERO)
                };
                let got = q.get(&self.waiter(), timeout);
                match self.waited(got)? {
                    Some(item) => Ok(item),
                    None => Err(new_exc(ExcType::QueueEmpty, "")),
                }
            }
            (NativeObj::Queue(q), Wk::task_done) => {
                bind_args("task_done", &[], args, &kwargs)?;
                none(q.task_done().map_err(value_error))
            }
            (NativeObj::Queue(q), Wk::join) => {
                bind_args("join", &[], args, &kwargs)?;
                let joined = q.join(&self.waiter());
                self.waited(joined)?;
                Ok(Value::None)
            }
            (NativeObj::Queue(q), Wk::empty) => {
                bind_args("empty", &[], args, &kwargs)?;
                Ok(Value::Bool(q.qsize() == 0))
            }
            (NativeObj::Queue(q), Wk::full) => {
                bind_args("full", &[], args, &kwargs)?;
                Ok(Value::Bool(q.full()))
            }
            (NativeObj::Queue(q), Wk::qsize) => {
                bind_args("qsize", &[], args, &kwargs)?;
                Ok(Value::Int(q.qsize() as i64))
            }
            (NativeObj::Executor(pool), Wk::submit) => {
                let Some((func, rest)) = args.split_first() else {
                    return Err(type_error(
                        "submit() missing 1 required positional argument: 'fn'",
                    ));
                };
                let future = self.submit(pool, func.clone(), rest.to_vec(), kwargs)?;
                Ok(Value::Native(Arc::new(NativeObj::Future(future))))
            }
            (NativeObj::Executor(pool), Wk::map) => {
                let mut names: Vec<&str> = Vec::new();
                for (k, _) in &kwargs {
                    if !matches!(k.as_str(), "timeout" | "chunksize") {
                        return Err(type_error(format!(
                            "map() got an unexpected keyword argument '{}'",
                            k.as_str()
                        )));
                    }
                    names.push(k.as_str());
                }
                let Some((func, iterables)) = args.split_first() else {
                    return Err(type_error(
                        "map() missing 1 required positional argument: 'fn'",
                    ));
                };
                let mut columns = Vec::new();
                for it in iterables {
                    columns.push(self.collect(it)?);
                }
                let rows = columns.iter().map(Vec::len).min().unwrap_or(0);
                let mut futures = Vec::with_capacity(rows);
                for i in 0..rows {
                    let row: Vec<Value> = columns.iter().map(|c| c[i].clone()).collect();
                    let f = self.submit(pool, func.clone(), row, Vec::new())?;
                    futures.push(Value::Native(Arc::new(NativeObj::Future(f))));
                }
                // Results in order, each waited for as the iteration reaches it (and an
                // exception raised there), as CPython's generator does.
                let inner = self.get_iter(Value::list(futures)?)?;
                Ok(Value::Iter(Arc::new(IterObj::new(IterState::Map(
                    Value::NativeMethod(BaseType::Native, Wk::result),
                    vec![inner],
                )))))
            }
            (NativeObj::Executor(pool), Wk::shutdown | Wk::__exit__) => {
                let wait = if wk == Wk::shutdown {
                    let a = bind_args("shutdown", &["wait", "cancel_futures"], args, &kwargs)?;
                    match a[0] {
                        None => true,
                        Some(v) => self.truthy(v)?,
                    }
                } else {
                    true
                };
                self.shutdown_pool(pool, wait)?;
                Ok(if wk == Wk::__exit__ {
                    Value::Bool(false)
                } else {
                    Value::None
                })
            }
            (NativeObj::Executor(_), Wk::__enter__) => Ok(this.clone()),
            (NativeObj::Future(f), Wk::result | Wk::exception) => {
                let a = bind_args(wk.text(), &["timeout"], args, &kwargs)?;
                let timeout = timeout_of(a[0], "result()", false)?;
                let done = f.done.wait(&self.waiter(), timeout);
                if !self.waited(done)? {
                    return Err(new_exc(ExcType::TimeoutError, ""));
                }
                let outcome = lock(&f.outcome).clone();
                match (outcome, wk) {
                    (Some(Ok(v)), Wk::result) => Ok(v),
                    (Some(Ok(_)), _) => Ok(Value::None),
                    (Some(Err(Value::Instance(e))), Wk::result) => Err(Flow::Exc(e)),
                    (Some(Err(e)), _) => Ok(e),
                    (None, _) => Ok(Value::None),
                }
            }
            (NativeObj::Future(f), Wk::done) => {
                bind_args("done", &[], args, &kwargs)?;
                Ok(Value::Bool(f.done.is_set()))
            }
            (NativeObj::Future(_), Wk::cancelled) => {
                bind_args("cancelled", &[], args, &kwargs)?;
                Ok(Value::Bool(false))
            }
            (NativeObj::Future(f), Wk::running) => {
                bind_args("running", &[], args, &kwargs)?;
                Ok(Value::Bool(!f.done.is_set()))
            }
            _ => Err(type_error(format!(
                "'{}' object has no method '{}'",
                this.type_name(),
                wk.text()
            ))),
        }
    }

    /// `executor.submit(fn, *args, **kwargs)`: queues the call and starts a worker when
    /// none is idle and the pool is not full yet (CPython's `_adjust_thread_count`).
    fn submit(
        &mut self,
        pool: &Arc<PoolState>,
        func: Value,
        args: Vec<Value>,
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Arc<FutureState>> {
        if pool.shutdown.load(Relaxed) {
            return Err(new_exc(
                ExcType::RuntimeError,
                "cannot schedule new futures after shutdown",
            ));
        }
        let future = FutureState::new();
        let item = Arc::new(WorkItem {
            future: future.clone(),
            func,
            args,
            kwargs,
        });
        let put = pool.work.put(&self.waiter(), Some(item), None);
        let _ = self.waited(put)?;
        let idle = pool.idle.acquire(&self.waiter(), Some(Duration::ZERO));
        if !self.waited(idle)? {
            let started = lock(&pool.workers).len();
            if started < pool.max_workers {
                let name = format!("{}_{started}", pool.prefix);
                let worker = self.pool_worker(pool.clone(), name)?;
                lock(&pool.workers).push(worker);
            }
        }
        Ok(future)
    }

    fn shutdown_pool(&mut self, pool: &Arc<PoolState>, wait: bool) -> PResult<()> {
        if !pool.shutdown.swap(true, Relaxed) {
            let put = pool.work.put(&self.waiter(), None, None);
            let _ = self.waited(put)?;
        }
        if wait {
            let workers = lock(&pool.workers).clone();
            for w in workers {
                self.join_thread(&w)?;
            }
        }
        Ok(())
    }

    /// A pool worker's life: runs work items until it takes the stop mark (which it puts
    /// back for the next worker), telling the pool it is idle after each one. With real
    /// threads nothing yields, so its stages run through to the end.
    pub(crate) fn run_pool_worker(&mut self, pool: &Arc<PoolState>) -> PResult<()> {
        let mut stage = PoolStage::Get(pool.clone());
        self.pool_step(&mut stage).unwrap_or(Ok(()))
    }
}

/// Where a pool's worker stepped on one thread is (see `vm::green`).
pub(crate) enum PoolStage {
    /// Waiting for a work item.
    Get(Arc<PoolState>),
    /// Running one (its frames are where it yielded).
    Job(Arc<PoolState>, Arc<WorkItem>),
    /// Putting the stop mark back for the next worker.
    PutBack(Arc<PoolState>),
}

impl Interp {
    /// A pool worker from `stage` to its next yield (`None`: on one thread) or to its end;
    /// the same turns in the same order on real threads and on one.
    pub(crate) fn pool_step(&mut self, stage: &mut PoolStage) -> Option<PResult<()>> {
        loop {
            match stage {
                PoolStage::Get(pool) => {
                    let pool = pool.clone();
                    // Between work items nothing is half done: the wait can be made again.
                    self.yield_ok = true;
                    let got = pool.work.get(&self.waiter(), None);
                    self.yield_ok = false;
                    let item = match self.waited(got) {
                        Err(Flow::Yield) => return None,
                        Err(e) => return Some(Err(e)),
                        Ok(item) => item.flatten(),
                    };
                    let Some(item) = item else {
                        *stage = PoolStage::PutBack(pool);
                        continue;
                    };
                    match self.start_call(&item.func, item.args.clone(), item.kwargs.clone()) {
                        Ok(None) => *stage = PoolStage::Job(pool, item),
                        Ok(Some(v)) => {
                            item.future.finish(Ok(v));
                            let _ = pool.idle.release(1);
                        }
                        Err(Flow::Exc(e)) => {
                            item.future.finish(Err(Value::Instance(e)));
                            let _ = pool.idle.release(1);
                        }
                        Err(stop) => return Some(Err(stop)),
                    }
                }
                PoolStage::Job(pool, item) => {
                    match self.run_frames() {
                        Err(Flow::Yield) => return None,
                        Ok(v) => item.future.finish(Ok(v)),
                        Err(Flow::Exc(e)) => item.future.finish(Err(Value::Instance(e))),
                        Err(stop) => return Some(Err(stop)),
                    }
                    let _ = pool.idle.release(1);
                    *stage = PoolStage::Get(pool.clone());
                }
                PoolStage::PutBack(pool) => {
                    let pool = pool.clone();
                    self.yield_ok = true;
                    let put = pool.work.put(&self.waiter(), None, None);
                    self.yield_ok = false;
                    return match self.waited(put) {
                        Err(Flow::Yield) => None,
                        Err(e) => Some(Err(e)),
                        Ok(_) => Some(Ok(())),
                    };
                }
            }
        }
    }
}

/// `repr` of the synchronisation objects (addresses as CPython would show them).
pub(crate) fn sync_repr(n: &NativeObj, addr: &str) -> Option<String> {
    Some(match n {
        NativeObj::Semaphore(s, _) => match s.bound() {
            Some(bound) => format!(
                "<threading.BoundedSemaphore at {addr}: value={}/{bound}>",
                s.value()
            ),
            None => format!("<threading.Semaphore at {addr}: value={}>", s.value()),
        },
        NativeObj::Event(e) => format!(
            "<threading.Event at {addr}: {}>",
            if e.is_set() { "set" } else { "unset" }
        ),
        NativeObj::Condition(_) => format!("<threading.Condition at {addr}>"),
        NativeObj::Barrier(b, _) => format!(
            "<threading.Barrier at {addr}: waiters={}/{}>",
            b.n_waiting(),
            b.parties()
        ),
        NativeObj::Queue(_) => format!("<queue.Queue object at {addr}>"),
        NativeObj::Executor(_) => {
            format!("<concurrent.futures.thread.ThreadPoolExecutor object at {addr}>")
        }
        NativeObj::Future(f) => format!("<Future at {addr} {}>", f.state_text()),
        NativeObj::Invalid => format!("<racelab.invalid object at {addr}>"),
        _ => return None,
    })
}

/// `type(x).__name__` of the synchronisation objects.
pub(crate) fn sync_type_name(n: &NativeObj) -> Option<&'static str> {
    Some(match n {
        NativeObj::Semaphore(_, false) => "Semaphore",
        NativeObj::Semaphore(_, true) => "BoundedSemaphore",
        NativeObj::Event(_) => "Event",
        NativeObj::Condition(_) => "Condition",
        NativeObj::Barrier(..) => "Barrier",
        NativeObj::Queue(_) => "Queue",
        NativeObj::Executor(_) => "ThreadPoolExecutor",
        NativeObj::Future(_) => "Future",
        NativeObj::Invalid => "invalid",
        _ => return None,
    })
}
