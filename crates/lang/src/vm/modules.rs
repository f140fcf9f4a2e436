//! The importable modules: `time`, `random`, `datetime`, `racelab`, `threading` (its
//! threads and locks are in [`super::threads`]); the other names of `threading`, `queue`
//! and `concurrent.futures` raise `NotImplementedError` for now (see [`NOT_YET`]).

use std::cmp::Ordering;
use std::sync::Arc;

use super::builtins::{as_index, Builtin};
use super::exceptions::{new_exc, type_error, value_error, PResult};
use super::interp::Interp;
use super::names::Wk;
use super::types::ExcType;
use super::value::{BaseType, Module, ModuleKind, NativeObj, PyStr, Value};
use super::CheckFailure;
use crate::bytecode::BinOp;

/// The message for the parts of `threading`, `queue` and `concurrent.futures` racelab
/// does not have yet.
pub const NOT_YET: &str =
    "racelab does not have this part of threading, queue or concurrent.futures: \
     it has Thread, Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier, \
     current_thread, queue.Queue and ThreadPoolExecutor";

/// The modules in `Op::Import` order.
pub const MODULES: &[(&str, ModuleKind)] = &[
    ("time", ModuleKind::Time),
    ("random", ModuleKind::Random),
    ("datetime", ModuleKind::Datetime),
    ("racelab", ModuleKind::Racelab),
    ("threading", ModuleKind::Threading),
    ("queue", ModuleKind::Queue),
    ("concurrent.futures", ModuleKind::ConcurrentFutures),
    ("concurrent", ModuleKind::Concurrent),
];

/// The index of a module for `Op::Import`, if racelab offers it.
pub fn module_index(name: &str) -> Option<u32> {
    MODULES
        .iter()
        .position(|(n, _)| *n == name)
        .map(|i| i as u32)
}

/// The module value for `Op::Import(k)`.
pub fn module_value(k: u32) -> Value {
    match MODULES.get(k as usize) {
        Some((name, kind)) => Value::Module(Arc::new(Module { kind: *kind, name })),
        None => Value::None,
    }
}

const THREADING_NAMES: &[&str] = &[
    "Thread",
    "Lock",
    "RLock",
    "Semaphore",
    "BoundedSemaphore",
    "Event",
    "Barrier",
    "Condition",
    "current_thread",
    "active_count",
    "get_ident",
    "main_thread",
    "enumerate",
    "Timer",
    "local",
    "BrokenBarrierError",
];
const QUEUE_NAMES: &[&str] = &[
    "Queue",
    "LifoQueue",
    "PriorityQueue",
    "SimpleQueue",
    "Empty",
    "Full",
];
const FUTURES_NAMES: &[&str] = &[
    "ThreadPoolExecutor",
    "as_completed",
    "wait",
    "Future",
    "TimeoutError",
];

/// `module.name`.
pub fn module_attr(kind: ModuleKind, name: &Arc<PyStr>) -> Option<Value> {
    use Builtin as B;
    let b = match (kind, name.wk) {
        (ModuleKind::Time, Wk::time) => B::TimeTime,
        (ModuleKind::Time, Wk::perf_counter) => B::TimePerfCounter,
        (ModuleKind::Time, Wk::monotonic) => B::TimeMonotonic,
        (ModuleKind::Time, Wk::sleep) => B::TimeSleep,
        (ModuleKind::Time, Wk::time_ns) => B::TimeTimeNs,
        (ModuleKind::Time, Wk::perf_counter_ns) => B::TimePerfCounterNs,
        (ModuleKind::Time, Wk::monotonic_ns) => B::TimeMonotonicNs,
        (ModuleKind::Time, Wk::process_time) => B::TimeProcessTime,
        (ModuleKind::Random, Wk::randint) => B::RandRandint,
        (ModuleKind::Random, Wk::random) => B::RandRandom,
        (ModuleKind::Random, Wk::uniform) => B::RandUniform,
        (ModuleKind::Random, Wk::choice) => B::RandChoice,
        (ModuleKind::Random, Wk::sample) => B::RandSample,
        (ModuleKind::Random, Wk::shuffle) => B::RandShuffle,
        (ModuleKind::Random, Wk::seed) => B::RandSeed,
        (ModuleKind::Random, Wk::randrange) => B::RandRandrange,
        (ModuleKind::Random, Wk::choices) => B::RandChoices,
        (ModuleKind::Random, Wk::gauss) => B::RandGauss,
        (ModuleKind::Random, Wk::getrandbits) => B::RandGetrandbits,
        (ModuleKind::Datetime, Wk::datetime) => {
            return Some(Value::Class(super::types::base_class(BaseType::Datetime)))
        }
        (ModuleKind::Datetime, Wk::timedelta) => {
            return Some(Value::Class(super::types::base_class(BaseType::Timedelta)))
        }
        (ModuleKind::Racelab, Wk::check) => B::Check,
        (ModuleKind::Racelab, Wk::invalid) => B::Invalid,
        (ModuleKind::Concurrent, _) if name.as_str() == "futures" => return Some(module_value(6)),
        (ModuleKind::Threading, _) => match name.as_str() {
            "Thread" => B::ThreadingThread,
            "Lock" => B::ThreadingLock,
            "RLock" => B::ThreadingRLock,
            "current_thread" => B::ThreadingCurrentThread,
            "main_thread" => B::ThreadingMainThread,
            "active_count" => B::ThreadingActiveCount,
            "get_ident" => B::ThreadingGetIdent,
            "Semaphore" => B::ThreadingSemaphore,
            "BoundedSemaphore" => B::ThreadingBoundedSemaphore,
            "Event" => B::ThreadingEvent,
            "Condition" => B::ThreadingCondition,
            "Barrier" => B::ThreadingBarrier,
            "BrokenBarrierError" => return Some(exc_value(ExcType::BrokenBarrierError)),
            n if THREADING_NAMES.contains(&n) => B::NotYet,
            _ => return None,
        },
        (ModuleKind::Queue, _) => match name.as_str() {
            "Queue" => B::QueueQueue,
            "Empty" => return Some(exc_value(ExcType::QueueEmpty)),
            "Full" => return Some(exc_value(ExcType::QueueFull)),
            n if QUEUE_NAMES.contains(&n) => B::NotYet,
            _ => return None,
        },
        (ModuleKind::ConcurrentFutures, _) => match name.as_str() {
            "ThreadPoolExecutor" => B::FuturesThreadPoolExecutor,
            "TimeoutError" => return Some(exc_value(ExcType::TimeoutError)),
            n if FUTURES_NAMES.contains(&n) => B::NotYet,
            _ => return None,
        },
        _ => {
            if name.wk == Wk::__name__ {
                let n = MODULES
                    .iter()
                    .find(|(_, k)| *k == kind)
                    .map(|(n, _)| *n)
                    .unwrap_or("?");
                return Some(super::exceptions::str_lossy(n));
            }
            return None;
        }
    };
    Some(Value::Builtin(b))
}

fn exc_value(t: ExcType) -> Value {
    Value::Class(super::types::exc_class(t))
}

/// Sleeps shorter than this (seconds) are waited out on the clock, not the system's
/// (see `Interp::short_sleep`).
const SHORT_SLEEP: f64 = 1e-3;

/// Where time comes from (the embedder can supply one: `std::time` is missing on wasm).
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now(&self) -> f64;
    /// Seconds on a monotonic clock.
    fn monotonic(&self) -> f64;
    /// Sleeps this many seconds.
    fn sleep(&self, secs: f64);
}

/// A clock supplied by the embedder (wasm has no `std::time`).
#[derive(Clone)]
pub struct ClockRef(pub Arc<dyn Clock>);

impl std::fmt::Debug for ClockRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClockRef")
    }
}

/// The platform's clock: the standard library's natively, the browser's (`Date.now()`,
/// `performance.now()` from the page's time origin) in wasm, through `web-time`.
///
/// Its monotonic time counts from one origin for the whole process, as CPython's does: a
/// time one thread reads and a time another reads compare (each VM thread has a `StdClock`
/// of its own).
#[derive(Default)]
pub struct StdClock;

/// Where a stepped run's wall clock starts (`time.time()`, `datetime.now()`):
/// 2026-01-01 00:00:00 UTC.
const STEPPED_EPOCH: f64 = 1_767_225_600.0;

/// Where a stepped run's monotonic clock starts.
const STEPPED_MONOTONIC: f64 = 1000.0;

/// The monotonic clock's origin: the first time any thread asked.
fn monotonic_origin() -> web_time::Instant {
    static ORIGIN: std::sync::OnceLock<web_time::Instant> = std::sync::OnceLock::new();
    *ORIGIN.get_or_init(web_time::Instant::now)
}

impl Clock for StdClock {
    fn now(&self) -> f64 {
        match web_time::SystemTime::now().duration_since(web_time::UNIX_EPOCH) {
            Ok(d) => d.as_secs_f64(),
            Err(_) => 0.0,
        }
    }
    fn monotonic(&self) -> f64 {
        monotonic_origin().elapsed().as_secs_f64() + 1000.0
    }
    fn sleep(&self, secs: f64) {
        if secs > 0.0 && secs.is_finite() {
            std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(1e6)));
        }
    }
}

/// A small, fast PRNG (xoshiro256**, seeded by splitmix64): the same seed gives the same
/// draws natively and in wasm. Draws differ from CPython's Mersenne Twister.
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator for this seed.
    pub fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A float in `[0, 1)`.
    pub fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An integer in `[0, n)` (n > 0), without bias.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let r = self.next_u64();
            if r < zone {
                return r % n;
            }
        }
    }
}

fn num_f(v: &Value, fname: &str) -> PResult<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(*b as i64 as f64),
        Value::Float(f) => Ok(*f),
        other => Err(type_error(format!(
            "{fname}: must be real number, not {}",
            other.type_name()
        ))),
    }
}

const US: i64 = 1_000_000;

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn split_dt(us: i64) -> (i64, i64, i64, i64, i64, i64, i64) {
    let days = us.div_euclid(86_400 * US);
    let rem = us.rem_euclid(86_400 * US);
    let (y, m, d) = civil_from_days(days);
    let secs = rem / US;
    (y, m, d, secs / 3600, (secs / 60) % 60, secs % 60, rem % US)
}

/// `str(datetime)`.
pub fn datetime_str(us: i64) -> String {
    let (y, mo, d, h, mi, s, u) = split_dt(us);
    if u != 0 {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{u:06}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

/// `repr(datetime)`.
pub fn datetime_repr(us: i64) -> String {
    let (y, mo, d, h, mi, s, u) = split_dt(us);
    let mut parts = vec![y, mo, d, h, mi];
    if s != 0 || u != 0 {
        parts.push(s);
    }
    if u != 0 {
        parts.push(u);
    }
    let inner: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
    format!("datetime.datetime({})", inner.join(", "))
}

/// `datetime.strftime(fmt)` for the common directives.
pub fn strftime(us: i64, fmt: &str) -> String {
    let (y, mo, d, h, mi, s, u) = split_dt(us);
    let mut out = String::new();
    let mut it = fmt.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('Y') => out.push_str(&format!("{y:04}")),
            Some('m') => out.push_str(&format!("{mo:02}")),
            Some('d') => out.push_str(&format!("{d:02}")),
            Some('H') => out.push_str(&format!("{h:02}")),
            Some('M') => out.push_str(&format!("{mi:02}")),
            Some('S') => out.push_str(&format!("{s:02}")),
            Some('f') => out.push_str(&format!("{u:06}")),
            Some('%') => out.push('%'),
            Some(o) => {
                out.push('%');
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out
}

/// `str(timedelta)`.
pub fn timedelta_str(us: i64) -> String {
    let days = us.div_euclid(86_400 * US);
    let rem = us.rem_euclid(86_400 * US);
    let secs = rem / US;
    let frac = rem % US;
    let mut out = String::new();
    if days != 0 {
        out.push_str(&format!(
            "{days} day{}, ",
            if days.abs() != 1 { "s" } else { "" }
        ));
    }
    out.push_str(&format!(
        "{}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    ));
    if frac != 0 {
        out.push_str(&format!(".{frac:06}"));
    }
    out
}

/// `repr(timedelta)`.
pub fn timedelta_repr(us: i64) -> String {
    let days = us.div_euclid(86_400 * US);
    let rem = us.rem_euclid(86_400 * US);
    let secs = rem / US;
    let frac = rem % US;
    let mut parts = Vec::new();
    if days != 0 {
        parts.push(format!("days={days}"));
    }
    if secs != 0 {
        parts.push(format!("seconds={secs}"));
    }
    if frac != 0 {
        parts.push(format!("microseconds={frac}"));
    }
    if parts.is_empty() {
        "datetime.timedelta(0)".to_string()
    } else {
        format!("datetime.timedelta({})", parts.join(", "))
    }
}

/// Attributes of native objects (`Some(Err)` for a failing one).
pub fn native_attr(n: &NativeObj, wk: Wk) -> Option<PResult<Value>> {
    if let Some(v) = super::threads::thread_attr(n, wk) {
        return Some(v);
    }
    match n {
        NativeObj::Timedelta(us) => {
            let days = us.div_euclid(86_400 * US);
            let rem = us.rem_euclid(86_400 * US);
            match wk {
                Wk::days => Some(Ok(Value::Int(days))),
                Wk::seconds => Some(Ok(Value::Int(rem / US))),
                Wk::microseconds => Some(Ok(Value::Int(rem % US))),
                _ => None,
            }
        }
        NativeObj::Datetime(us) => {
            let (y, mo, d, h, mi, s, u) = split_dt(*us);
            let v = match wk {
                Wk::year => y,
                Wk::month => mo,
                Wk::day => d,
                Wk::hour => h,
                Wk::minute => mi,
                Wk::second => s,
                Wk::microsecond => u,
                _ => return None,
            };
            Some(Ok(Value::Int(v)))
        }
        _ => None,
    }
}

/// Whether a native object has method `wk`.
pub fn native_has_method(n: &NativeObj, wk: Wk) -> bool {
    if super::threads::thread_has_method(n, wk) {
        return true;
    }
    match n {
        NativeObj::Timedelta(_) => wk == Wk::total_seconds,
        NativeObj::Datetime(_) => matches!(wk, Wk::isoformat | Wk::timestamp | Wk::strftime),
        _ => false,
    }
}

/// Arithmetic on datetimes and timedeltas.
pub fn native_binary(op: BinOp, a: &Value, b: &Value) -> PResult<Option<Value>> {
    let nat = |v: &Value| -> Option<(bool, i64)> {
        match v {
            Value::Native(n) => match &**n {
                NativeObj::Datetime(us) => Some((true, *us)),
                NativeObj::Timedelta(us) => Some((false, *us)),
                _ => None,
            },
            _ => None,
        }
    };
    let dt = |us: i64| Value::Native(Arc::new(NativeObj::Datetime(us)));
    let td = |us: i64| Value::Native(Arc::new(NativeObj::Timedelta(us)));
    Ok(match (nat(a), nat(b), op) {
        (Some((true, x)), Some((true, y)), BinOp::Sub) => Some(td(x.saturating_sub(y))),
        (Some((true, x)), Some((false, y)), BinOp::Add)
        | (Some((false, y)), Some((true, x)), BinOp::Add) => Some(dt(x.saturating_add(y))),
        (Some((true, x)), Some((false, y)), BinOp::Sub) => Some(dt(x.saturating_sub(y))),
        (Some((false, x)), Some((false, y)), BinOp::Add) => Some(td(x.saturating_add(y))),
        (Some((false, x)), Some((false, y)), BinOp::Sub) => Some(td(x.saturating_sub(y))),
        (Some((false, x)), Some((false, y)), BinOp::TrueDiv) => {
            if y == 0 {
                return Err(new_exc(ExcType::ZeroDivisionError, "division by zero"));
            }
            Some(Value::Float(x as f64 / y as f64))
        }
        (Some((false, x)), None, BinOp::Mul) | (None, Some((false, x)), BinOp::Mul) => {
            let other = if nat(a).is_some() { b } else { a };
            match other {
                Value::Int(i) => Some(td(x.saturating_mul(*i))),
                Value::Float(f) => Some(td((x as f64 * f).round() as i64)),
                _ => None,
            }
        }
        (Some((false, x)), None, BinOp::TrueDiv) => match b {
            Value::Int(0) => return Err(new_exc(ExcType::ZeroDivisionError, "division by zero")),
            Value::Int(i) => Some(td((x as f64 / *i as f64).round() as i64)),
            Value::Float(f) if *f != 0.0 => Some(td((x as f64 / f).round() as i64)),
            _ => None,
        },
        _ => None,
    })
}

/// Ordering of datetimes / timedeltas of the same kind.
pub fn native_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Native(x), Value::Native(y)) => match (&**x, &**y) {
            (NativeObj::Datetime(p), NativeObj::Datetime(q)) => Some(p.cmp(q)),
            (NativeObj::Timedelta(p), NativeObj::Timedelta(q)) => Some(p.cmp(q)),
            _ => None,
        },
        _ => None,
    }
}

impl Interp {
    fn clock_now(&self) -> f64 {
        match &self.opts.clock {
            Some(c) => c.0.now(),
            None if self.stepped => STEPPED_EPOCH + self.step_time(),
            None => self.std_clock.now(),
        }
    }

    fn clock_monotonic(&self) -> f64 {
        match &self.opts.clock {
            Some(c) => c.0.monotonic(),
            None if self.stepped => STEPPED_MONOTONIC + self.step_time(),
            None => self.std_clock.monotonic(),
        }
    }

    /// A stepped run's time: its steps so far, a microsecond each. The turns alone decide
    /// such a run, and so the times it reads too: the same seed or schedule gives the same
    /// report, moments included, as it gives the same turns.
    fn step_time(&self) -> f64 {
        self.shared.control.turns.taken() as f64 * 1e-6
    }

    /// A sleep shorter than [`SHORT_SLEEP`], waited out on the clock instead of the
    /// system's: `time.sleep(2e-6)` in a lesson models two microseconds of work, and an OS
    /// sleep takes fifty or more however short it is asked to be. Browsers coarsen the clock
    /// (to 5 µs when cross-origin isolated), so each thread keeps a balance: a sleep adds
    /// what it asks to what is owed and waits until the clock has moved that far; overshoot
    /// is credited to the next sleep (at most 0.1 ms, so that a preemption does not cancel
    /// many later sleeps). Natively and in wasm, a thousand sleeps of 2 µs take 2 ms.
    fn short_sleep(&mut self, secs: f64) {
        const MAX_CREDIT: f64 = 1e-4;
        let owed = self.sleep_owed + secs;
        if owed <= 0.0 {
            self.sleep_owed = owed;
            return;
        }
        let start = self.clock_monotonic();
        let waited = loop {
            let waited = self.clock_monotonic() - start;
            if waited >= owed {
                break waited;
            }
            std::hint::spin_loop();
        };
        self.sleep_owed = (owed - waited).max(-MAX_CREDIT);
    }

    /// `random.sample(xs, k)` of a list or tuple of at most 64 items, drawing as the
    /// general path does (a partial Fisher-Yates shuffle), so a seed picks the same items
    /// either way; `None` for other populations.
    fn sample_small(&mut self, population: &Value, k: i64) -> Option<PResult<Vec<Value>>> {
        let mut pick = |items: &[Value]| -> PResult<Vec<Value>> {
            let n = items.len();
            if k < 0 || k as usize > n {
                return Err(value_error("Sample larger than population or is negative"));
            }
            let k = k as usize;
            let mut idx = [0u8; 64];
            for (i, slot) in idx.iter_mut().enumerate().take(n) {
                *slot = i as u8;
            }
            for i in 0..k {
                let j = i + self.rand_index(n - i);
                idx.swap(i, j);
            }
            Ok(idx[..k]
                .iter()
                .map(|&i| items[i as usize].clone())
                .collect())
        };
        match population {
            Value::List(l) => {
                let data = l.lock();
                (data.items.len() <= 64).then(|| pick(&data.items))
            }
            Value::Tuple(t) => (t.items.len() <= 64).then(|| pick(&t.items)),
            _ => None,
        }
    }

    fn rand_index(&mut self, n: usize) -> usize {
        self.rng.below(n as u64) as usize
    }

    /// Methods of native objects (`td.total_seconds()`...).
    pub(crate) fn native_method(
        &mut self,
        this: &Value,
        wk: Wk,
        _args: &[Value],
    ) -> PResult<Value> {
        let Value::Native(n) = this else {
            return Ok(Value::None);
        };
        match (&**n, wk) {
            (NativeObj::Timedelta(us), Wk::total_seconds) => Ok(Value::Float(*us as f64 / 1e6)),
            (NativeObj::Datetime(us), Wk::timestamp) => Ok(Value::Float(*us as f64 / 1e6)),
            (NativeObj::Datetime(us), Wk::isoformat) => {
                Ok(Value::str(datetime_str(*us).replacen(' ', "T", 1))?)
            }
            (NativeObj::Datetime(us), Wk::strftime) => match _args.first() {
                Some(Value::Str(f)) => Ok(Value::str(strftime(*us, f.as_str()))?),
                _ => Err(type_error("strftime() argument 1 must be str")),
            },
            _ => Err(type_error(format!(
                "'{}' object has no method '{}'",
                this.type_name(),
                wk.text()
            ))),
        }
    }

    /// Calls a module function.
    pub(crate) fn call_module_function(
        &mut self,
        b: Builtin,
        args: &[Value],
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        use Builtin as B;
        let name = b.name();
        let kwv = |k: &str, kwargs: &[(Arc<PyStr>, Value)]| {
            kwargs
                .iter()
                .find(|(n, _)| n.as_str() == k)
                .map(|(_, v)| v.clone())
        };
        match b {
            B::TimeTime => Ok(Value::Float(self.clock_now())),
            B::TimeTimeNs => Ok(Value::Int((self.clock_now() * 1e9) as i64)),
            B::TimePerfCounter | B::TimeMonotonic | B::TimeProcessTime => {
                Ok(Value::Float(self.clock_monotonic()))
            }
            B::TimePerfCounterNs | B::TimeMonotonicNs => {
                Ok(Value::Int((self.clock_monotonic() * 1e9) as i64))
            }
            B::TimeSleep => {
                let Some(v) = args.first() else {
                    return Err(type_error(
                        "time.sleep() takes exactly one argument (0 given)",
                    ));
                };
                let s = match v {
                    Value::Int(i) => *i as f64,
                    Value::Float(f) => *f,
                    Value::Bool(b) => *b as i64 as f64,
                    other => {
                        return Err(type_error(format!(
                            "'{}' object cannot be interpreted as an integer",
                            other.type_name()
                        )))
                    }
                };
                if s < 0.0 {
                    return Err(value_error("sleep length must be non-negative"));
                }
                if let Some(t) = &self.tracer {
                    t.flush_pending();
                }
                if self.stepped {
                    // Time is the steps: a sleep lets the others move. It touches no
                    // shared data, so it is quiet: no other step conflicts with it.
                    let control = self.shared.control.clone();
                    let r = control.turns.step(
                        self.thread,
                        racelab::exec::StepKind::Wait,
                        Some(format!("sleep of thread {}", self.thread)),
                        Some(self.current_line() as usize),
                        true,
                        &control,
                        self.can_yield(),
                    );
                    self.waited(r)?;
                } else if self.opts.real_sleep && s < SHORT_SLEEP {
                    self.short_sleep(s);
                } else if self.opts.real_sleep {
                    // In slices, so that Stop ends a long sleep promptly.
                    let mut left = s.min(1e6);
                    while left > 0.0 {
                        let slice = left.min(0.02);
                        match &self.opts.clock {
                            Some(c) => c.0.sleep(slice),
                            None => self.std_clock.sleep(slice),
                        }
                        left -= slice;
                        if let Some(stop) = self.stop_requested() {
                            return Err(stop);
                        }
                    }
                }
                // Recorded once slept (and, stepped, in the turn it took).
                if let Some(t) = &self.tracer {
                    t.line.set(self.current_line());
                    t.sleep();
                }
                Ok(Value::None)
            }
            B::RandRandom => Ok(Value::Float(self.rng.random())),
            B::RandRandint => {
                if args.len() != 2 {
                    return Err(type_error(format!(
                        "Random.randint() missing {} required positional argument{}",
                        2usize.saturating_sub(args.len()),
                        if args.len() == 1 {
                            ": 'b'"
                        } else {
                            "s: 'a' and 'b'"
                        }
                    )));
                }
                let (a, c) = (as_index(&args[0])?, as_index(&args[1])?);
                if c < a {
                    return Err(value_error(format!(
                        "empty range for randrange() ({a}, {}, {})",
                        c.saturating_add(1),
                        c.saturating_add(1).saturating_sub(a)
                    )));
                }
                let span = (c as i128 - a as i128 + 1) as u128;
                let r = if span > u64::MAX as u128 {
                    self.rng.next_u64()
                } else {
                    self.rng.below(span as u64)
                };
                Ok(Value::Int((a as i128 + r as i128) as i64))
            }
            B::RandRandrange => {
                let (start, stop, step) = match args.len() {
                    1 => (0, as_index(&args[0])?, 1),
                    2 => (as_index(&args[0])?, as_index(&args[1])?, 1),
                    3 => (
                        as_index(&args[0])?,
                        as_index(&args[1])?,
                        as_index(&args[2])?,
                    ),
                    _ => return Err(type_error("randrange expected 1 to 3 arguments")),
                };
                if step == 0 {
                    return Err(value_error("zero step for randrange()"));
                }
                let n = super::value::RangeObj { start, stop, step }.len();
                if n <= 0 {
                    return Err(value_error(format!(
                        "empty range for randrange() ({start}, {stop}, {})",
                        stop.saturating_sub(start)
                    )));
                }
                let k = self.rng.below(n as u64) as i64;
                Ok(Value::Int(start + k * step))
            }
            B::RandUniform => {
                if args.len() != 2 {
                    return Err(type_error("uniform() takes exactly 2 arguments"));
                }
                let (a, c) = (num_f(&args[0], "uniform")?, num_f(&args[1], "uniform")?);
                Ok(Value::Float(a + (c - a) * self.rng.random()))
            }
            B::RandGauss => {
                let mu = match args.first() {
                    Some(v) => num_f(v, "gauss")?,
                    None => 0.0,
                };
                let sigma = match args.get(1) {
                    Some(v) => num_f(v, "gauss")?,
                    None => 1.0,
                };
                // Marsaglia's polar method: only `ln` and `sqrt`, both computed the same way
                // on every platform, so a seed gives the same draws natively and in wasm.
                let z = loop {
                    let u = 2.0 * self.rng.random() - 1.0;
                    let v = 2.0 * self.rng.random() - 1.0;
                    let s = u * u + v * v;
                    if s > 0.0 && s < 1.0 {
                        break u * (-2.0 * crate::math::ln(s) / s).sqrt();
                    }
                };
                Ok(Value::Float(mu + sigma * z))
            }
            B::RandGetrandbits => {
                let k = as_index(args.first().unwrap_or(&Value::Int(0)))?;
                if !(0..=63).contains(&k) {
                    return Err(value_error("racelab's getrandbits() takes 0 to 63 bits"));
                }
                Ok(Value::Int(if k == 0 {
                    0
                } else {
                    (self.rng.next_u64() >> (64 - k)) as i64
                }))
            }
            B::RandChoice => {
                if args.len() != 1 {
                    return Err(type_error("choice() takes exactly one argument"));
                }
                let items = self.collect(&args[0])?;
                if items.is_empty() {
                    return Err(new_exc(
                        ExcType::IndexError,
                        "Cannot choose from an empty sequence",
                    ));
                }
                let i = self.rand_index(items.len());
                Ok(items[i].clone())
            }
            B::RandChoices => {
                let Some(pop) = args.first() else {
                    return Err(type_error(
                        "choices() missing 1 required positional argument: 'population'",
                    ));
                };
                let items = self.collect(pop)?;
                let k = match kwv("k", &kwargs) {
                    Some(v) => as_index(&v)?,
                    None => 1,
                };
                let weights = match kwv("weights", &kwargs).or_else(|| args.get(1).cloned()) {
                    Some(Value::None) | None => None,
                    Some(w) => {
                        let ws = self.collect(&w)?;
                        let mut cum = Vec::new();
                        let mut acc = 0.0;
                        for x in ws {
                            acc += num_f(&x, "choices")?;
                            cum.push(acc);
                        }
                        if cum.len() != items.len() {
                            return Err(value_error(
                                "The number of weights does not match the population",
                            ));
                        }
                        Some(cum)
                    }
                };
                if items.is_empty() {
                    return Err(new_exc(
                        ExcType::IndexError,
                        "Cannot choose from an empty sequence",
                    ));
                }
                let mut out = Vec::new();
                for _ in 0..k.max(0) {
                    let i = match &weights {
                        None => self.rand_index(items.len()),
                        Some(cum) => {
                            let total = cum.last().copied().unwrap_or(0.0);
                            let r = self.rng.random() * total;
                            cum.iter().position(|c| r < *c).unwrap_or(items.len() - 1)
                        }
                    };
                    out.push(items[i].clone());
                }
                Ok(Value::list(out)?)
            }
            B::RandSample => {
                if args.len() != 2 && kwv("k", &kwargs).is_none() {
                    return Err(type_error(
                        "sample() missing 1 required positional argument: 'k'",
                    ));
                }
                let k_of = |kwargs: &[(Arc<PyStr>, Value)]| match args.get(1) {
                    Some(v) => as_index(v),
                    None => as_index(&kwv("k", kwargs).unwrap_or(Value::Int(0))),
                };
                // A small list or tuple: the same draws made over its indices, and only
                // the chosen items copied, under the list's lock.
                if matches!(args[0], Value::List(_) | Value::Tuple(_)) {
                    if let Some(chosen) = self.sample_small(&args[0], k_of(&kwargs)?) {
                        return Ok(Value::list(chosen?)?);
                    }
                }
                let mut items = self.collect(&args[0])?;
                let k = k_of(&kwargs)?;
                if k < 0 || k as usize > items.len() {
                    return Err(value_error("Sample larger than population or is negative"));
                }
                let k = k as usize;
                for i in 0..k {
                    let j = i + self.rand_index(items.len() - i);
                    items.swap(i, j);
                }
                items.truncate(k);
                Ok(Value::list(items)?)
            }
            B::RandShuffle => {
                let Some(Value::List(l)) = args.first() else {
                    return Err(type_error("racelab's shuffle() takes a list"));
                };
                let mut items = l.snapshot();
                for i in (1..items.len()).rev() {
                    let j = self.rand_index(i + 1);
                    items.swap(i, j);
                }
                let old = std::mem::replace(&mut l.lock().items, items);
                drop(old);
                Ok(Value::None)
            }
            B::RandSeed => {
                let s = match args.first() {
                    None | Some(Value::None) => self.opts.seed,
                    Some(Value::Int(i)) => *i as u64,
                    Some(v) => self.hash(v)? as u64,
                };
                self.rng = super::modules::Rng::new(s);
                Ok(Value::None)
            }
            B::DatetimeNow => Ok(Value::Native(Arc::new(NativeObj::Datetime(
                (self.clock_now() * 1e6) as i64,
            )))),
            B::DatetimeNew => {
                if args.len() < 3 {
                    return Err(type_error("datetime() needs at least year, month and day"));
                }
                let mut p = [0i64; 7];
                for (i, a) in args.iter().take(7).enumerate() {
                    p[i] = as_index(a)?;
                }
                if !(1..=12).contains(&p[1]) {
                    return Err(value_error("month must be in 1..12"));
                }
                if !(1..=31).contains(&p[2]) {
                    return Err(value_error("day is out of range for month"));
                }
                let days = days_from_civil(p[0], p[1], p[2]);
                let us =
                    ((days * 86400 + p[3] * 3600 + p[4] * 60 + p[5]) * US).saturating_add(p[6]);
                Ok(Value::Native(Arc::new(NativeObj::Datetime(us))))
            }
            B::Timedelta => {
                let mut total = 0.0f64;
                let units = [
                    ("days", 86_400e6),
                    ("seconds", 1e6),
                    ("microseconds", 1.0),
                    ("milliseconds", 1e3),
                    ("minutes", 60e6),
                    ("hours", 3600e6),
                    ("weeks", 7.0 * 86_400e6),
                ];
                for (i, a) in args.iter().enumerate() {
                    if i >= units.len() {
                        return Err(type_error("timedelta() takes at most 7 arguments"));
                    }
                    total += num_f(a, "timedelta")? * units[i].1;
                }
                for (k, v) in &kwargs {
                    match units.iter().find(|(n, _)| *n == k.as_str()) {
                        Some((_, m)) => total += num_f(v, "timedelta")? * m,
                        None => {
                            return Err(type_error(format!(
                                "'{}' is an invalid keyword argument for __new__()",
                                k.as_str()
                            )))
                        }
                    }
                }
                Ok(Value::Native(Arc::new(NativeObj::Timedelta(
                    total.round() as i64
                ))))
            }
            B::Check => {
                let mut cond = args.first().cloned();
                let mut cname = args.get(1).cloned();
                for (k, v) in kwargs {
                    match k.as_str() {
                        "condition" => cond = Some(v),
                        "name" => cname = Some(v),
                        other => {
                            return Err(type_error(format!(
                                "check() got an unexpected keyword argument '{other}'"
                            )))
                        }
                    }
                }
                let Some(cond) = cond else {
                    return Err(type_error(
                        "check() missing 1 required positional argument: 'condition'",
                    ));
                };
                let held = self.truthy(&cond)?;
                if !held || self.tracer.is_some() {
                    let n = match &cname {
                        Some(v) => self.to_str(v)?,
                        None => "check".to_string(),
                    };
                    let line = self.current_line();
                    if let Some(t) = &self.tracer {
                        t.line.set(line);
                        t.check(&n, held);
                    }
                    if held {
                        return Ok(Value::None);
                    }
                    self.shared.check_failed(CheckFailure {
                        name: n,
                        line,
                        thread: self.thread,
                        assert: false,
                    });
                }
                Ok(Value::None)
            }
            B::Invalid => {
                super::builtins::arity("invalid", args, 0, 0)?;
                Ok(Value::Native(Arc::new(NativeObj::Invalid)))
            }
            B::NotYet => Err(new_exc(ExcType::NotImplementedError, NOT_YET)),
            B::ThreadingThread
            | B::ThreadingLock
            | B::ThreadingRLock
            | B::ThreadingCurrentThread
            | B::ThreadingMainThread
            | B::ThreadingActiveCount
            | B::ThreadingGetIdent => self.call_threading(b, args, kwargs),
            B::ThreadingSemaphore
            | B::ThreadingBoundedSemaphore
            | B::ThreadingEvent
            | B::ThreadingCondition
            | B::ThreadingBarrier
            | B::QueueQueue
            | B::FuturesThreadPoolExecutor => self.call_sync(b, args, kwargs),
            _ => Err(type_error(format!("{name}() is not supported by racelab"))),
        }
    }
}

/// The names a module offers (for suggestions).
pub fn module_member_names(kind: ModuleKind) -> Vec<&'static str> {
    match kind {
        ModuleKind::Time => vec![
            "time",
            "perf_counter",
            "monotonic",
            "sleep",
            "time_ns",
            "perf_counter_ns",
            "monotonic_ns",
            "process_time",
        ],
        ModuleKind::Random => vec![
            "randint",
            "random",
            "uniform",
            "choice",
            "sample",
            "shuffle",
            "seed",
            "randrange",
            "choices",
            "gauss",
            "getrandbits",
        ],
        ModuleKind::Datetime => vec!["datetime", "timedelta"],
        ModuleKind::Racelab => vec!["check", "invalid"],
        ModuleKind::Threading => THREADING_NAMES.to_vec(),
        ModuleKind::Queue => QUEUE_NAMES.to_vec(),
        ModuleKind::ConcurrentFutures => FUTURES_NAMES.to_vec(),
        ModuleKind::Concurrent => vec!["futures"],
    }
}
