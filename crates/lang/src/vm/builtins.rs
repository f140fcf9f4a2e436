//! Built-in functions and the constructors of the built-in types.

use std::sync::Arc;

use super::exceptions::{new_exc, new_exc_args, type_error, value_error, Flow, PResult};
use super::interp::Interp;
use super::names::Wk;
use super::types::{base_class, exc_class, ExcType};
use super::value::{
    lock, BaseType, Class, ClassKind, Deco, Instance, IterObj, IterState, NativeObj, PyStr,
    RangeObj, SliceObj, SuperObj, Value,
};
use crate::bytecode::{BinOp, CmpOp};
use crate::format::{self, FormatValue};
use crate::num;

macro_rules! builtins {
    ($($id:ident = $name:literal,)*) => {
        /// A built-in function (of the builtins or of a module).
        #[allow(missing_docs)]
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        #[repr(u16)]
        pub enum Builtin { $($id,)* }

        impl Builtin {
            /// Its `__name__`.
            pub fn name(self) -> &'static str {
                match self { $(Builtin::$id => $name,)* }
            }
        }
    };
}

builtins! {
    Print = "print", Len = "len", Sum = "sum", Min = "min", Max = "max", Sorted = "sorted",
    Reversed = "reversed", Enumerate = "enumerate", Zip = "zip", Map = "map", Filter = "filter",
    Any = "any", All = "all", Abs = "abs", Round = "round", Divmod = "divmod", Pow = "pow",
    Id = "id", Hash = "hash", Repr = "repr", Ascii = "ascii", Isinstance = "isinstance",
    Issubclass = "issubclass", Hasattr = "hasattr", Getattr = "getattr", Setattr = "setattr",
    Delattr = "delattr", Callable = "callable", Chr = "chr", Ord = "ord", Hex = "hex",
    Oct = "oct", Bin = "bin", Iter = "iter", Next = "next", Format = "format", Super = "super",
    StaticMethod = "staticmethod", ClassMethod = "classmethod", Property = "property",
    Int = "int", Float = "float", Str = "str", Bool = "bool", List = "list", Tuple = "tuple",
    Dict = "dict", Set = "set", FrozenSet = "frozenset", Range = "range", Object = "object",
    Type = "type", Slice = "slice",
    ObjectInit = "__init__", ExcInit = "__init__", ObjectStr = "__str__", ExcStr = "__str__",
    ObjectRepr = "__repr__", ExcRepr = "__repr__", PropertySetter = "setter",
    DictFromkeys = "fromkeys",
    TimeTime = "time", TimePerfCounter = "perf_counter", TimeMonotonic = "monotonic",
    TimeSleep = "sleep", TimeTimeNs = "time_ns", TimePerfCounterNs = "perf_counter_ns",
    TimeMonotonicNs = "monotonic_ns", TimeProcessTime = "process_time",
    RandRandint = "randint", RandRandom = "random", RandUniform = "uniform",
    RandChoice = "choice", RandSample = "sample", RandShuffle = "shuffle", RandSeed = "seed",
    RandRandrange = "randrange", RandChoices = "choices", RandGauss = "gauss",
    RandGetrandbits = "getrandbits",
    DatetimeNow = "now", Timedelta = "timedelta", DatetimeNew = "datetime",
    Check = "check", Invalid = "invalid", NotYet = "not_yet",
    ThreadingThread = "Thread", ThreadingLock = "Lock", ThreadingRLock = "RLock",
    ThreadingCurrentThread = "current_thread", ThreadingMainThread = "main_thread",
    ThreadingActiveCount = "active_count", ThreadingGetIdent = "get_ident",
    ThreadingSemaphore = "Semaphore", ThreadingBoundedSemaphore = "BoundedSemaphore",
    ThreadingEvent = "Event", ThreadingCondition = "Condition", ThreadingBarrier = "Barrier",
    QueueQueue = "Queue", FuturesThreadPoolExecutor = "ThreadPoolExecutor",
}

/// What a built-in name means.
#[derive(Clone, Copy)]
enum Entry {
    F(Builtin),
    T(BaseType),
}

const NAMES: &[(&str, Entry)] = &[
    ("print", Entry::F(Builtin::Print)),
    ("len", Entry::F(Builtin::Len)),
    ("sum", Entry::F(Builtin::Sum)),
    ("min", Entry::F(Builtin::Min)),
    ("max", Entry::F(Builtin::Max)),
    ("sorted", Entry::F(Builtin::Sorted)),
    ("reversed", Entry::F(Builtin::Reversed)),
    ("enumerate", Entry::F(Builtin::Enumerate)),
    ("zip", Entry::F(Builtin::Zip)),
    ("map", Entry::F(Builtin::Map)),
    ("filter", Entry::F(Builtin::Filter)),
    ("any", Entry::F(Builtin::Any)),
    ("all", Entry::F(Builtin::All)),
    ("abs", Entry::F(Builtin::Abs)),
    ("round", Entry::F(Builtin::Round)),
    ("divmod", Entry::F(Builtin::Divmod)),
    ("pow", Entry::F(Builtin::Pow)),
    ("id", Entry::F(Builtin::Id)),
    ("hash", Entry::F(Builtin::Hash)),
    ("repr", Entry::F(Builtin::Repr)),
    ("ascii", Entry::F(Builtin::Ascii)),
    ("isinstance", Entry::F(Builtin::Isinstance)),
    ("issubclass", Entry::F(Builtin::Issubclass)),
    ("hasattr", Entry::F(Builtin::Hasattr)),
    ("getattr", Entry::F(Builtin::Getattr)),
    ("setattr", Entry::F(Builtin::Setattr)),
    ("delattr", Entry::F(Builtin::Delattr)),
    ("callable", Entry::F(Builtin::Callable)),
    ("chr", Entry::F(Builtin::Chr)),
    ("ord", Entry::F(Builtin::Ord)),
    ("hex", Entry::F(Builtin::Hex)),
    ("oct", Entry::F(Builtin::Oct)),
    ("bin", Entry::F(Builtin::Bin)),
    ("iter", Entry::F(Builtin::Iter)),
    ("next", Entry::F(Builtin::Next)),
    ("format", Entry::F(Builtin::Format)),
    ("super", Entry::F(Builtin::Super)),
    ("staticmethod", Entry::F(Builtin::StaticMethod)),
    ("classmethod", Entry::F(Builtin::ClassMethod)),
    ("property", Entry::F(Builtin::Property)),
    ("int", Entry::T(BaseType::Int)),
    ("float", Entry::T(BaseType::Float)),
    ("str", Entry::T(BaseType::Str)),
    ("bool", Entry::T(BaseType::Bool)),
    ("list", Entry::T(BaseType::List)),
    ("tuple", Entry::T(BaseType::Tuple)),
    ("dict", Entry::T(BaseType::Dict)),
    ("set", Entry::T(BaseType::Set)),
    ("frozenset", Entry::T(BaseType::FrozenSet)),
    ("range", Entry::T(BaseType::Range)),
    ("object", Entry::T(BaseType::Object)),
    ("type", Entry::T(BaseType::Type)),
    ("slice", Entry::T(BaseType::Slice)),
];

/// Names that exist in CPython's builtins but cannot work in racelab (refused at compile
/// time when a program uses them without defining them).
pub const REFUSED: &[&str] = &[
    "open",
    "eval",
    "exec",
    "input",
    "compile",
    "__import__",
    "globals",
    "locals",
    "vars",
    "breakpoint",
    "help",
    "exit",
    "quit",
    "memoryview",
    "bytearray",
    "bytes",
    "complex",
    "dir",
    "aiter",
    "anext",
    "copyright",
    "credits",
    "license",
];

/// Every built-in name, in CPython's `dir(builtins)`-like order (for suggestions).
pub fn all_builtin_names() -> Vec<String> {
    let mut v: Vec<String> = NAMES.iter().map(|(n, _)| n.to_string()).collect();
    v.extend(
        ExcType::ALL
            .iter()
            .filter(|e| e.module().is_none())
            .map(|e| e.name().to_string()),
    );
    v.extend(["None", "True", "False"].iter().map(|s| s.to_string()));
    v
}

/// The index of a built-in name, if it is one.
pub fn builtin_index(name: &str) -> Option<usize> {
    if let Some(i) = NAMES.iter().position(|(n, _)| *n == name) {
        return Some(i);
    }
    super::types::exc_by_name(name).map(|e| NAMES.len() + e as usize)
}

/// The value of built-in `i`.
pub fn builtin_value(i: usize) -> Value {
    match NAMES.get(i) {
        Some((_, Entry::F(b))) => Value::Builtin(*b),
        Some((_, Entry::T(t))) => Value::Class(base_class(*t)),
        None => match ExcType::ALL.get(i - NAMES.len()) {
            Some(e) => Value::Class(exc_class(*e)),
            None => Value::None,
        },
    }
}

/// `object.__init__`-like methods reached through `super()` or the class.
pub fn object_method(wk: Wk, is_exc: bool) -> Option<Builtin> {
    match (wk, is_exc) {
        (Wk::__init__, true) => Some(Builtin::ExcInit),
        (Wk::__init__, false) => Some(Builtin::ObjectInit),
        (Wk::__str__, true) => Some(Builtin::ExcStr),
        (Wk::__str__, false) => Some(Builtin::ObjectStr),
        (Wk::__repr__, true) => Some(Builtin::ExcRepr),
        (Wk::__repr__, false) => Some(Builtin::ObjectRepr),
        _ => None,
    }
}

/// Class-level attributes of built-in types (`dict.fromkeys`, `datetime.now`).
pub fn class_attr(t: BaseType, wk: Wk) -> Option<Value> {
    match (t, wk) {
        (BaseType::Dict, Wk::fromkeys) => Some(Value::Builtin(Builtin::DictFromkeys)),
        (BaseType::Datetime, Wk::now) => Some(Value::Builtin(Builtin::DatetimeNow)),
        _ => None,
    }
}

impl Builtin {
    /// The constructor behind a built-in type.
    pub fn for_type(c: &Arc<Class>) -> Option<Builtin> {
        let ClassKind::Builtin(t) = c.kind else {
            return None;
        };
        Some(match t {
            BaseType::Int => Builtin::Int,
            BaseType::Float => Builtin::Float,
            BaseType::Str => Builtin::Str,
            BaseType::Bool => Builtin::Bool,
            BaseType::List => Builtin::List,
            BaseType::Tuple => Builtin::Tuple,
            BaseType::Dict => Builtin::Dict,
            BaseType::Set => Builtin::Set,
            BaseType::FrozenSet => Builtin::FrozenSet,
            BaseType::Range => Builtin::Range,
            BaseType::Object => Builtin::Object,
            BaseType::Type => Builtin::Type,
            BaseType::Slice => Builtin::Slice,
            BaseType::Datetime => Builtin::DatetimeNew,
            BaseType::Timedelta => Builtin::Timedelta,
            _ => return None,
        })
    }
}

/// Checks the number of positional arguments of a built-in.
pub(crate) fn arity(name: &str, args: &[Value], min: usize, max: usize) -> PResult<()> {
    let n = args.len();
    if n >= min && n <= max {
        return Ok(());
    }
    if min == max {
        if min == 1 {
            return Err(type_error(format!(
                "{name}() takes exactly one argument ({n} given)"
            )));
        }
        if min == 0 {
            return Err(type_error(format!(
                "{name}() takes no arguments ({n} given)"
            )));
        }
        return Err(type_error(format!(
            "{name} expected {min} arguments, got {n}"
        )));
    }
    if n < min {
        return Err(type_error(format!(
            "{name} expected at least {min} argument{}, got {n}",
            if min == 1 { "" } else { "s" }
        )));
    }
    Err(type_error(format!(
        "{name} expected at most {max} argument{}, got {n}",
        if max == 1 { "" } else { "s" }
    )))
}

fn no_kwargs(name: &str, kwargs: &[(Arc<PyStr>, Value)]) -> PResult<()> {
    if kwargs.is_empty() {
        Ok(())
    } else {
        Err(type_error(format!("{name}() takes no keyword arguments")))
    }
}

/// Pulls the keyword arguments a built-in accepts; anything else is CPython's TypeError.
/// `b(arg)` for the one-argument built-ins whose result on built-in values needs no
/// Python code (`len`, `str` of ints and strings); `None`: take the general path.
#[inline]
pub(crate) fn builtin_fast1(f: &Value, arg: &Value) -> Option<PResult<Value>> {
    let b = match f {
        Value::Builtin(b) => *b,
        Value::Class(c) if c.kind == ClassKind::Builtin(BaseType::Str) => Builtin::Str,
        _ => return None,
    };
    match (b, arg) {
        (Builtin::Len, Value::Str(s)) => Some(Ok(Value::Int(s.nchars() as i64))),
        (Builtin::Len, Value::List(l)) => Some(Ok(Value::Int(l.len() as i64))),
        (Builtin::Len, Value::Tuple(t)) => Some(Ok(Value::Int(t.items.len() as i64))),
        (Builtin::Len, Value::Dict(d)) => Some(Ok(Value::Int(d.len() as i64))),
        (Builtin::Str, Value::Str(_)) => Some(Ok(arg.clone())),
        (Builtin::Str, Value::Int(i)) => {
            let mut out = String::with_capacity(20);
            super::repr::push_int(&mut out, *i);
            Some(Value::str(out).map_err(Flow::from))
        }
        _ => None,
    }
}

/// Folds a list or tuple whose items are all ints, under the list's lock (one operation,
/// as the copy `collect` would take is): `sum`, `min` and `max` of `[a.balance for ...]`
/// without copying it. `None` (the general path then decides) when an item is not an
/// int or `f` says no (an overflow).
fn fold_ints<A: Copy>(xs: &Value, init: A, f: impl Fn(A, i64) -> Option<A>) -> Option<A> {
    let fold = |items: &[Value]| {
        items.iter().try_fold(init, |acc, x| match x {
            Value::Int(i) => f(acc, *i),
            _ => None,
        })
    };
    match xs {
        Value::List(l) => fold(&l.lock().items),
        Value::Tuple(t) => fold(&t.items),
        _ => None,
    }
}

fn take_kwargs(
    name: &str,
    kwargs: Vec<(Arc<PyStr>, Value)>,
    allowed: &[&str],
) -> PResult<[Option<Value>; 4]> {
    let mut out: [Option<Value>; 4] = Default::default();
    for (k, v) in kwargs {
        match allowed.iter().position(|a| *a == k.as_str()) {
            Some(i) => out[i] = Some(v),
            None => {
                return Err(type_error(format!(
                    "{name}() got an unexpected keyword argument '{}'",
                    k.as_str()
                )))
            }
        }
    }
    Ok(out)
}

/// An integer argument (ints and bools), or CPython's TypeError.
pub fn as_index(v: &Value) -> PResult<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        _ => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            v.type_name()
        ))),
    }
}

impl Interp {
    /// Calls a built-in function.
    pub fn call_builtin(
        &mut self,
        b: Builtin,
        args: &[Value],
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        use Builtin as B;
        match b {
            B::Print => {
                let kw = take_kwargs("print", kwargs, &["sep", "end", "file", "flush"])?;
                let sep = match &kw[0] {
                    None | Some(Value::None) => " ".to_string(),
                    Some(Value::Str(s)) => s.as_str().to_string(),
                    Some(o) => {
                        return Err(type_error(format!(
                            "sep must be None or a string, not {}",
                            o.type_name()
                        )))
                    }
                };
                let end = match &kw[1] {
                    None | Some(Value::None) => "\n".to_string(),
                    Some(Value::Str(s)) => s.as_str().to_string(),
                    Some(o) => {
                        return Err(type_error(format!(
                            "end must be None or a string, not {}",
                            o.type_name()
                        )))
                    }
                };
                if let Some(f) = &kw[2] {
                    if !matches!(f, Value::None) {
                        return Err(type_error("racelab's print() writes to standard output only (file= is not supported)"));
                    }
                }
                let mut text = String::new();
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        text.push_str(&sep);
                    }
                    match a {
                        Value::Str(s) => text.push_str(s.as_str()),
                        _ => {
                            let s = self.to_str(a)?;
                            text.push_str(&s);
                        }
                    }
                }
                self.emit(text, end)?;
                Ok(Value::None)
            }
            B::Len => {
                no_kwargs("len", &kwargs)?;
                arity("len", args, 1, 1)?;
                Ok(Value::Int(self.len_of(&args[0])? as i64))
            }
            B::Sum => {
                if let ([xs], true) = (args, kwargs.is_empty()) {
                    if let Some(total) = fold_ints(xs, 0, i64::checked_add) {
                        return Ok(Value::Int(total));
                    }
                }
                let kw = take_kwargs("sum", kwargs, &["start"])?;
                if args.is_empty() || args.len() > 2 {
                    return Err(type_error(format!(
                        "sum() takes at most 2 arguments ({} given)",
                        args.len()
                    )));
                }
                let start = kw[0]
                    .clone()
                    .or_else(|| args.get(1).cloned())
                    .unwrap_or(Value::Int(0));
                match &start {
                    Value::Str(_) => {
                        return Err(type_error(
                            "sum() can't sum strings [use ''.join(seq) instead]",
                        ))
                    }
                    Value::List(_) if false => {}
                    _ => {}
                }
                let items = self.collect(&args[0])?;
                let mut acc = start;
                for x in items {
                    acc = match (&acc, &x) {
                        (Value::Int(a), Value::Int(b)) if a.checked_add(*b).is_some() => {
                            Value::Int(a + b)
                        }
                        (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
                        _ => self.binary(BinOp::Add, acc, x)?,
                    };
                }
                Ok(acc)
            }
            B::Min | B::Max => {
                if let ([xs], true) = (args, kwargs.is_empty()) {
                    let pick = if b == B::Min { i64::min } else { i64::max };
                    if let Some(Some(x)) = fold_ints(xs, None, |best: Option<i64>, x| {
                        Some(Some(best.map_or(x, |b| pick(b, x))))
                    }) {
                        return Ok(Value::Int(x));
                    }
                }
                self.min_max(b, args, kwargs)
            }
            B::Sorted => {
                let kw = take_kwargs("sorted", kwargs, &["key", "reverse"])?;
                if args.len() != 1 {
                    return Err(type_error(format!(
                        "sorted expected 1 argument, got {}",
                        args.len()
                    )));
                }
                let items = self.collect(&args[0])?;
                let reverse = match &kw[1] {
                    Some(v) => self.truthy(v)?,
                    None => false,
                };
                let key = kw[0].clone().filter(|k| !matches!(k, Value::None));
                let sorted = self.sort_values(items, key.as_ref(), reverse)?;
                Ok(Value::list(sorted)?)
            }
            B::Reversed => {
                no_kwargs("reversed", &kwargs)?;
                arity("reversed", args, 1, 1)?;
                let st = match &args[0] {
                    Value::List(l) => IterState::ListRev(l.clone(), l.len()),
                    Value::Tuple(_)
                    | Value::Str(_)
                    | Value::Range(_)
                    | Value::Dict(_)
                    | Value::View(_) => {
                        let mut items = self.collect(&args[0])?;
                        items.reverse();
                        IterState::Values(items, 0)
                    }
                    Value::Instance(i)
                        if i.class.lookup_wk(Wk::__len__).is_some()
                            && i.class.lookup_wk(Wk::__getitem__).is_some() =>
                    {
                        let mut items = self.collect(&args[0])?;
                        items.reverse();
                        IterState::Values(items, 0)
                    }
                    other => {
                        return Err(type_error(format!(
                            "'{}' object is not reversible",
                            other.type_name()
                        )))
                    }
                };
                Ok(Value::Iter(Arc::new(IterObj::new(st))))
            }
            B::Enumerate => {
                let kw = take_kwargs("enumerate", kwargs, &["iterable", "start"])?;
                let it = match (args.first(), &kw[0]) {
                    (Some(v), _) | (None, Some(v)) => v.clone(),
                    _ => {
                        return Err(type_error(
                            "enumerate() missing required argument 'iterable'",
                        ))
                    }
                };
                if args.len() > 2 {
                    return Err(type_error(format!(
                        "enumerate() takes at most 2 arguments ({} given)",
                        args.len()
                    )));
                }
                let start = match (args.get(1), &kw[1]) {
                    (Some(v), _) | (None, Some(v)) => as_index(v)?,
                    _ => 0,
                };
                let inner = self.get_iter(it)?;
                Ok(Value::Iter(Arc::new(IterObj::new(IterState::Enumerate(
                    inner, start,
                )))))
            }
            B::Zip => {
                let kw = take_kwargs("zip", kwargs, &["strict"])?;
                let _ = kw;
                let mut inners = Vec::new();
                for a in args {
                    inners.push(self.get_iter(a.clone())?);
                }
                Ok(Value::Iter(Arc::new(IterObj::new(IterState::Zip(inners)))))
            }
            B::Map => {
                no_kwargs("map", &kwargs)?;
                if args.len() < 2 {
                    return Err(type_error("map() must have at least two arguments."));
                }
                let mut inners = Vec::new();
                for a in &args[1..] {
                    inners.push(self.get_iter(a.clone())?);
                }
                Ok(Value::Iter(Arc::new(IterObj::new(IterState::Map(
                    args[0].clone(),
                    inners,
                )))))
            }
            B::Filter => {
                no_kwargs("filter", &kwargs)?;
                arity("filter", args, 2, 2)?;
                let inner = self.get_iter(args[1].clone())?;
                Ok(Value::Iter(Arc::new(IterObj::new(IterState::Filter(
                    args[0].clone(),
                    inner,
                )))))
            }
            B::Any | B::All => {
                no_kwargs(b.name(), &kwargs)?;
                arity(b.name(), args, 1, 1)?;
                let it = self.get_iter(args[0].clone())?;
                let want = b == B::Any;
                while let Some(v) = self.iter_next(&it)? {
                    if self.truthy(&v)? == want {
                        return Ok(Value::Bool(want));
                    }
                }
                Ok(Value::Bool(!want))
            }
            B::Abs => {
                no_kwargs("abs", &kwargs)?;
                arity("abs", args, 1, 1)?;
                match &args[0] {
                    Value::Int(i) => Ok(Value::Int(num::int_abs(*i)?)),
                    Value::Bool(v) => Ok(Value::Int(*v as i64)),
                    Value::Float(f) => Ok(Value::Float(f.abs())),
                    Value::Instance(i) => match i.class.lookup_wk(Wk::__abs__) {
                        Some(f) => self.call_value(&f, vec![args[0].clone()], Vec::new()),
                        None => Err(type_error(format!(
                            "bad operand type for abs(): '{}'",
                            args[0].type_name()
                        ))),
                    },
                    Value::Native(n) => match &**n {
                        NativeObj::Timedelta(us) => Ok(Value::Native(Arc::new(
                            NativeObj::Timedelta(us.saturating_abs()),
                        ))),
                        _ => Err(type_error(format!(
                            "bad operand type for abs(): '{}'",
                            args[0].type_name()
                        ))),
                    },
                    other => Err(type_error(format!(
                        "bad operand type for abs(): '{}'",
                        other.type_name()
                    ))),
                }
            }
            B::Round => {
                let kw = take_kwargs("round", kwargs, &["number", "ndigits"])?;
                let x = match (args.first(), &kw[0]) {
                    (Some(v), _) | (None, Some(v)) => v.clone(),
                    _ => {
                        return Err(type_error(
                            "round() missing required argument 'number' (pos 1)",
                        ))
                    }
                };
                let nd = match (args.get(1), &kw[1]) {
                    (Some(v), _) | (None, Some(v)) => v.clone(),
                    _ => Value::None,
                };
                match (&x, &nd) {
                    (Value::Float(f), Value::None) => Ok(Value::Int(num::round_float(*f)?)),
                    (Value::Float(f), n) => {
                        Ok(Value::Float(num::round_float_ndigits(*f, as_index(n)?)?))
                    }
                    (Value::Int(i), Value::None) => Ok(Value::Int(*i)),
                    (Value::Bool(v), Value::None) => Ok(Value::Int(*v as i64)),
                    (Value::Int(i), n) => Ok(Value::Int(num::round_int_ndigits(*i, as_index(n)?)?)),
                    (Value::Bool(v), n) => {
                        Ok(Value::Int(num::round_int_ndigits(*v as i64, as_index(n)?)?))
                    }
                    (other, _) => Err(type_error(format!(
                        "type {} doesn't define __round__ method",
                        other.type_name()
                    ))),
                }
            }
            B::Divmod => {
                no_kwargs("divmod", &kwargs)?;
                arity("divmod", args, 2, 2)?;
                let (a, c) = (&args[0], &args[1]);
                let r = match (num_of(a), num_of(c)) {
                    (Some(num::Num::Int(x)), Some(num::Num::Int(y))) => {
                        let (q, r) = num::int_divmod(x, y)?;
                        vec![Value::Int(q), Value::Int(r)]
                    }
                    (Some(x), Some(y)) => {
                        let (q, r) = num::float_divmod(to_f(x), to_f(y))?;
                        vec![Value::Float(q), Value::Float(r)]
                    }
                    _ => {
                        return Err(type_error(format!(
                            "unsupported operand type(s) for divmod(): '{}' and '{}'",
                            a.type_name(),
                            c.type_name()
                        )))
                    }
                };
                Ok(Value::tuple(r)?)
            }
            B::Pow => {
                let kw = take_kwargs("pow", kwargs, &["base", "exp", "mod"])?;
                let mut a: Vec<Value> = args.to_vec();
                for v in kw.into_iter().flatten() {
                    a.push(v);
                }
                arity("pow", &a, 2, 3)?;
                if a.len() == 3 && !matches!(a[2], Value::None) {
                    match (&a[0], &a[1], &a[2]) {
                        (Value::Int(x), Value::Int(y), Value::Int(m)) => {
                            Ok(Value::Int(num::int_pow_mod(*x, *y, *m)?))
                        }
                        _ => Err(type_error(
                            "pow() 3rd argument not allowed unless all arguments are integers",
                        )),
                    }
                } else {
                    self.binary(BinOp::Pow, a[0].clone(), a[1].clone())
                }
            }
            B::Id => {
                arity("id", args, 1, 1)?;
                Ok(Value::Int(args[0].id()))
            }
            B::Hash => {
                arity("hash", args, 1, 1)?;
                Ok(Value::Int(self.hash(&args[0])?))
            }
            B::Repr => {
                arity("repr", args, 1, 1)?;
                Ok(Value::str(self.repr(&args[0])?)?)
            }
            B::Ascii => {
                arity("ascii", args, 1, 1)?;
                let r = self.repr(&args[0])?;
                Ok(Value::str(num::ascii_escape(&r))?)
            }
            B::Isinstance => {
                arity("isinstance", args, 2, 2)?;
                let cls = self.type_of(&args[0]);
                Ok(Value::Bool(self.is_subclass_of(
                    &cls,
                    &args[1],
                    "isinstance",
                )?))
            }
            B::Issubclass => {
                arity("issubclass", args, 2, 2)?;
                if !matches!(args[0], Value::Class(_)) {
                    return Err(type_error("issubclass() arg 1 must be a class"));
                }
                Ok(Value::Bool(self.is_subclass_of(
                    &args[0],
                    &args[1],
                    "issubclass",
                )?))
            }
            B::Hasattr => {
                arity("hasattr", args, 2, 2)?;
                let name = self.attr_name(&args[1], "hasattr(): attribute name must be string")?;
                match self.get_attr(&args[0], &name) {
                    Ok(_) => Ok(Value::Bool(true)),
                    Err(Flow::Exc(e))
                        if e.class.is_subclass(&exc_class(ExcType::AttributeError)) =>
                    {
                        Ok(Value::Bool(false))
                    }
                    Err(e) => Err(e),
                }
            }
            B::Getattr => {
                arity("getattr", args, 2, 3)?;
                let name = self.attr_name(&args[1], "getattr(): attribute name must be string")?;
                match self.get_attr(&args[0], &name) {
                    Ok(v) => Ok(v),
                    Err(Flow::Exc(e))
                        if args.len() == 3
                            && e.class.is_subclass(&exc_class(ExcType::AttributeError)) =>
                    {
                        Ok(args[2].clone())
                    }
                    Err(e) => Err(e),
                }
            }
            B::Setattr => {
                arity("setattr", args, 3, 3)?;
                let name = self.attr_name(&args[1], "attribute name must be string")?;
                self.set_attr(&args[0], &name, args[2].clone())?;
                Ok(Value::None)
            }
            B::Delattr => {
                arity("delattr", args, 2, 2)?;
                let name = self.attr_name(&args[1], "attribute name must be string")?;
                self.del_attr(&args[0], &name)?;
                Ok(Value::None)
            }
            B::Callable => {
                arity("callable", args, 1, 1)?;
                Ok(Value::Bool(match &args[0] {
                    Value::Func(_)
                    | Value::Builtin(_)
                    | Value::NativeMethod(..)
                    | Value::Method(_)
                    | Value::Class(_) => true,
                    Value::Instance(i) => i.class.lookup_wk(Wk::__call__).is_some(),
                    _ => false,
                }))
            }
            B::Chr => {
                arity("chr", args, 1, 1)?;
                let i = match &args[0] {
                    Value::Int(i) => *i,
                    Value::Bool(b) => *b as i64,
                    other => {
                        return Err(type_error(format!(
                            "'{}' object cannot be interpreted as an integer",
                            other.type_name()
                        )))
                    }
                };
                if !(0..=0x10ffff).contains(&i) {
                    return Err(value_error("chr() arg not in range(0x110000)"));
                }
                match char::from_u32(i as u32) {
                    Some(c) => Ok(Value::str(c.to_string())?),
                    None => Err(value_error("racelab strings cannot hold lone surrogates")),
                }
            }
            B::Ord => {
                arity("ord", args, 1, 1)?;
                match &args[0] {
                    Value::Str(s) => {
                        if s.nchars() != 1 {
                            return Err(type_error(format!(
                                "ord() expected a character, but string of length {} found",
                                s.nchars()
                            )));
                        }
                        Ok(Value::Int(
                            s.as_str().chars().next().map(|c| c as i64).unwrap_or(0),
                        ))
                    }
                    other => Err(type_error(format!(
                        "ord() expected string of length 1, but {} found",
                        other.type_name()
                    ))),
                }
            }
            B::Hex | B::Oct | B::Bin => {
                arity(b.name(), args, 1, 1)?;
                let i = as_index(&args[0])?;
                let spec = match b {
                    B::Hex => "#x",
                    B::Oct => "#o",
                    _ => "#b",
                };
                Ok(Value::str(format::format_value(
                    FormatValue::Int(i),
                    spec,
                )?)?)
            }
            B::Iter => {
                arity("iter", args, 1, 1)?;
                self.get_iter(args[0].clone())
            }
            B::Next => {
                arity("next", args, 1, 2)?;
                if !matches!(args[0], Value::Iter(_) | Value::Instance(_)) {
                    return Err(type_error(format!(
                        "'{}' object is not an iterator",
                        args[0].type_name()
                    )));
                }
                match self.iter_next(&args[0])? {
                    Some(v) => Ok(v),
                    None => match args.get(1) {
                        Some(d) => Ok(d.clone()),
                        None => Err(new_exc_args(ExcType::StopIteration, Vec::new())),
                    },
                }
            }
            B::Format => {
                arity("format", args, 1, 2)?;
                let spec = match args.get(1) {
                    Some(Value::Str(s)) => s.as_str().to_string(),
                    Some(other) => {
                        return Err(type_error(format!(
                            "format() argument 2 must be str, not {}",
                            other.type_name()
                        )))
                    }
                    None => String::new(),
                };
                Ok(Value::str(self.format_with_spec(&args[0], &spec)?)?)
            }
            B::Super => {
                if args.len() != 2 {
                    return Err(new_exc(
                        ExcType::RuntimeError,
                        "super(): racelab supports super() and super(Class, obj)",
                    ));
                }
                let Value::Class(c) = &args[0] else {
                    return Err(type_error(format!(
                        "super() argument 1 must be a type, not {}",
                        args[0].type_name()
                    )));
                };
                Ok(Value::Super(Arc::new(SuperObj {
                    class: c.clone(),
                    this: args[1].clone(),
                })))
            }
            B::StaticMethod | B::ClassMethod | B::Property => {
                arity(b.name(), args, 1, 2)?;
                let n = match b {
                    B::StaticMethod => NativeObj::Decorated(Deco::Static, args[0].clone()),
                    B::ClassMethod => NativeObj::Decorated(Deco::Class, args[0].clone()),
                    _ => NativeObj::Property(args[0].clone(), args.get(1).cloned()),
                };
                Ok(Value::Native(Arc::new(n)))
            }
            B::PropertySetter => {
                // bound to the property: args = [property, setter]
                arity("setter", args, 2, 2)?;
                match &args[0] {
                    Value::Native(n) => match &**n {
                        NativeObj::Property(g, _) => Ok(Value::Native(Arc::new(
                            NativeObj::Property(g.clone(), Some(args[1].clone())),
                        ))),
                        _ => Err(type_error("setter of a non-property")),
                    },
                    _ => Err(type_error("setter of a non-property")),
                }
            }
            B::Int => self.int_new(args, kwargs),
            B::Float => {
                no_kwargs("float", &kwargs)?;
                arity("float", args, 0, 1)?;
                match args.first() {
                    None => Ok(Value::Float(0.0)),
                    Some(Value::Float(f)) => Ok(Value::Float(*f)),
                    Some(Value::Int(i)) => Ok(Value::Float(num::int_to_float(*i))),
                    Some(Value::Bool(v)) => Ok(Value::Float(*v as i64 as f64)),
                    Some(Value::Str(s)) => Ok(Value::Float(num::float_from_str(s.as_str())?)),
                    Some(other) => Err(type_error(format!(
                        "float() argument must be a string or a real number, not '{}'",
                        other.type_name()
                    ))),
                }
            }
            B::Str => {
                let _ = take_kwargs("str", kwargs, &["object"])?;
                arity("str", args, 0, 1)?;
                match args.first() {
                    None => Ok(Value::str(String::new())?),
                    Some(v @ Value::Str(_)) => Ok(v.clone()),
                    Some(v) => Ok(Value::str(self.to_str(v)?)?),
                }
            }
            B::Bool => {
                no_kwargs("bool", &kwargs)?;
                arity("bool", args, 0, 1)?;
                match args.first() {
                    None => Ok(Value::Bool(false)),
                    Some(v) => Ok(Value::Bool(self.truthy(v)?)),
                }
            }
            B::List => {
                no_kwargs("list", &kwargs)?;
                arity("list", args, 0, 1)?;
                match args.first() {
                    None => Ok(Value::list(Vec::new())?),
                    Some(v) => {
                        let items = self.collect(v)?;
                        Ok(Value::list(items)?)
                    }
                }
            }
            B::Tuple => {
                no_kwargs("tuple", &kwargs)?;
                arity("tuple", args, 0, 1)?;
                match args.first() {
                    None => Ok(Value::tuple(Vec::new())?),
                    Some(v @ Value::Tuple(_)) => Ok(v.clone()),
                    Some(v) => {
                        let items = self.collect(v)?;
                        Ok(Value::tuple(items)?)
                    }
                }
            }
            B::Dict => {
                arity("dict", args, 0, 1)?;
                let d = Arc::new(super::dict::Dict::new()?);
                if let Some(src) = args.first() {
                    self.dict_update_from(&d, src, true)?;
                }
                for (k, v) in kwargs {
                    self.dict_set(&d, Value::Str(k), v)?;
                }
                Ok(Value::Dict(d))
            }
            B::Set | B::FrozenSet => {
                no_kwargs(b.name(), &kwargs)?;
                arity(b.name(), args, 0, 1)?;
                let frozen = b == B::FrozenSet;
                match args.first() {
                    None => self.make_set(Vec::new(), frozen),
                    Some(Value::Set(s)) if frozen && s.frozen => Ok(args[0].clone()),
                    Some(v) => self.set_from(v, frozen),
                }
            }
            B::Range => {
                no_kwargs("range", &kwargs)?;
                let (start, stop, step) = match args.len() {
                    1 => (0, as_index(&args[0])?, 1),
                    2 => (as_index(&args[0])?, as_index(&args[1])?, 1),
                    3 => (
                        as_index(&args[0])?,
                        as_index(&args[1])?,
                        as_index(&args[2])?,
                    ),
                    0 => return Err(type_error("range expected at least 1 argument, got 0")),
                    n => {
                        return Err(type_error(format!(
                            "range expected at most 3 arguments, got {n}"
                        )))
                    }
                };
                if step == 0 {
                    return Err(value_error("range() arg 3 must not be zero"));
                }
                Ok(Value::Range(Arc::new(RangeObj { start, stop, step })))
            }
            B::Object => {
                arity("object", args, 0, 0)
                    .map_err(|_| type_error("object() takes no arguments"))?;
                Ok(Value::Instance(Arc::new(Instance::new(base_class(
                    BaseType::Object,
                ))?)))
            }
            B::Type => {
                if args.len() == 1 {
                    return Ok(self.type_of(&args[0]));
                }
                Err(type_error(
                    "racelab supports type(x) only (not type(name, bases, dict))",
                ))
            }
            B::Slice => {
                arity("slice", args, 1, 3)?;
                let (start, stop, step) = match args.len() {
                    1 => (Value::None, args[0].clone(), Value::None),
                    2 => (args[0].clone(), args[1].clone(), Value::None),
                    _ => (args[0].clone(), args[1].clone(), args[2].clone()),
                };
                Ok(Value::Slice(Arc::new(SliceObj { start, stop, step })))
            }
            B::ObjectInit => {
                if args.len() > 1 {
                    return Err(type_error(
                        "object.__init__() takes exactly one argument (the instance to initialize)",
                    ));
                }
                Ok(Value::None)
            }
            B::ExcInit => {
                if let Some(Value::Instance(inst)) = args.first() {
                    if let Some(e) = &inst.exc {
                        lock(e).args = Value::tuple(args[1..].to_vec())?;
                    }
                }
                Ok(Value::None)
            }
            B::ObjectStr | B::ExcStr | B::ObjectRepr | B::ExcRepr => {
                let Some(this) = args.first() else {
                    return Err(type_error(format!(
                        "descriptor '{}' needs an argument",
                        b.name()
                    )));
                };
                let s = match (b, this) {
                    (B::ExcStr, Value::Instance(inst)) => {
                        let a = inst.exc_args();
                        match a.len() {
                            0 => String::new(),
                            1 => self.to_str(&a[0])?,
                            _ => self.repr(&Value::tuple(a)?)?,
                        }
                    }
                    (B::ObjectStr, _) => self.repr(this)?,
                    (_, Value::Instance(inst)) if inst.exc.is_some() => {
                        let a = inst.exc_args();
                        let mut out = inst.class.name.as_str().to_string();
                        if a.len() == 1 {
                            out.push('(');
                            out.push_str(&self.repr(&a[0])?);
                            out.push(')');
                        } else {
                            out.push_str(&self.repr(&Value::tuple(a)?)?);
                        }
                        out
                    }
                    (_, Value::Instance(inst)) => {
                        format!(
                            "<__main__.{} object at 0x{:012x}>",
                            inst.class.qualname,
                            this.id()
                        )
                    }
                    _ => self.repr(this)?,
                };
                Ok(Value::str(s)?)
            }
            B::DictFromkeys => {
                arity("fromkeys", args, 1, 2)?;
                let keys = self.collect(&args[0])?;
                let v = args.get(1).cloned().unwrap_or(Value::None);
                let d = Arc::new(super::dict::Dict::new()?);
                for k in keys {
                    self.dict_set(&d, k, v.clone())?;
                }
                Ok(Value::Dict(d))
            }
            _ => self.call_module_function(b, args, kwargs),
        }
    }

    fn attr_name(&self, v: &Value, msg: &str) -> PResult<Arc<PyStr>> {
        match v {
            Value::Str(s) => Ok(self.module.interner.lookup(s.as_str())),
            other => Err(type_error(format!("{msg}, not '{}'", other.type_name()))),
        }
    }

    fn is_subclass_of(&mut self, cls: &Value, target: &Value, who: &str) -> PResult<bool> {
        match target {
            Value::Class(t) => {
                let Value::Class(c) = cls else {
                    return Ok(false);
                };
                if let ClassKind::Builtin(BaseType::Object) = t.kind {
                    return Ok(true);
                }
                Ok(c.is_subclass(t))
            }
            Value::Tuple(ts) => {
                for t in ts.items.iter() {
                    if self.is_subclass_of(cls, t, who)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            _ => Err(type_error(format!(
                "{who}() arg 2 must be a type, a tuple of types, or a union"
            ))),
        }
    }

    /// `len(v)`.
    pub fn len_of(&mut self, v: &Value) -> PResult<usize> {
        Ok(match v {
            Value::Str(s) => s.nchars(),
            Value::List(l) => l.len(),
            Value::Tuple(t) => t.items.len(),
            Value::Dict(d) => d.len(),
            Value::Set(s) => s.len(),
            Value::View(vw) => vw.dict.len(),
            Value::Range(r) => r.len().max(0) as usize,
            Value::Instance(i) => match i.class.lookup_wk(Wk::__len__) {
                Some(f) => {
                    let r = self.call_value(&f, vec![v.clone()], Vec::new())?;
                    match r {
                        Value::Int(n) if n >= 0 => n as usize,
                        Value::Int(_) => return Err(value_error("__len__() should return >= 0")),
                        Value::Bool(b) => b as usize,
                        other => {
                            return Err(type_error(format!(
                                "'{}' object cannot be interpreted as an integer",
                                other.type_name()
                            )))
                        }
                    }
                }
                None => {
                    return Err(type_error(format!(
                        "object of type '{}' has no len()",
                        v.type_name()
                    )))
                }
            },
            other => {
                return Err(type_error(format!(
                    "object of type '{}' has no len()",
                    other.type_name()
                )))
            }
        })
    }

    fn int_new(&mut self, args: &[Value], kwargs: Vec<(Arc<PyStr>, Value)>) -> PResult<Value> {
        let kw = take_kwargs("int", kwargs, &["base"])?;
        if args.len() > 2 {
            return Err(type_error(format!(
                "int() takes at most 2 arguments ({} given)",
                args.len()
            )));
        }
        let base = match (args.get(1), &kw[0]) {
            (Some(b), _) | (None, Some(b)) => Some(as_index(b)?),
            _ => None,
        };
        let Some(x) = args.first() else {
            return Ok(Value::Int(0));
        };
        if let Some(b) = base {
            return match x {
                Value::Str(s) => {
                    if !(b == 0 || (2..=36).contains(&b)) {
                        return Err(value_error("int() base must be >= 2 and <= 36, or 0"));
                    }
                    Ok(Value::Int(num::int_from_str(s.as_str(), Some(b as u32))?))
                }
                _ => Err(type_error(
                    "int() can't convert non-string with explicit base",
                )),
            };
        }
        match x {
            Value::Int(i) => Ok(Value::Int(*i)),
            Value::Bool(b) => Ok(Value::Int(*b as i64)),
            Value::Float(f) => Ok(Value::Int(num::float_to_int(*f)?)),
            Value::Str(s) => Ok(Value::Int(num::int_from_str(s.as_str(), None)?)),
            Value::Instance(i) => match i.class.lookup_wk(Wk::__int__) {
                Some(f) => self.call_value(&f, vec![x.clone()], Vec::new()),
                None => Err(type_error(format!(
                    "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                    x.type_name()
                ))),
            },
            other => Err(type_error(format!(
                "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                other.type_name()
            ))),
        }
    }

    /// `set(v)` / `frozenset(v)` with CPython's insertion order.
    pub(crate) fn set_from(&mut self, v: &Value, frozen: bool) -> PResult<Value> {
        let s = Arc::new(super::set::Set::new(frozen)?);
        self.set_update_from(&s, v)?;
        Ok(Value::Set(s))
    }

    /// Adds what `v` gives to `s` (CPython's `set_update_internal`).
    pub(crate) fn set_update_from(&mut self, s: &Arc<super::set::Set>, v: &Value) -> PResult<()> {
        match v {
            Value::Set(src) => {
                let data = super::ops::clone_set_data(src);
                s.lock().merge(&data)?;
            }
            Value::Dict(d) => {
                let entries: Vec<(i64, Value)> =
                    d.snapshot().into_iter().map(|e| (e.hash, e.key)).collect();
                s.lock().add_from_dict(&entries)?;
            }
            _ => {
                let items = self.collect(v)?;
                for x in items {
                    self.set_add(s, x)?;
                }
            }
        }
        Ok(())
    }

    fn min_max(
        &mut self,
        b: Builtin,
        args: &[Value],
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        let name = b.name();
        let kw = take_kwargs(name, kwargs, &["key", "default"])?;
        let key = kw[0].clone().filter(|k| !matches!(k, Value::None));
        let items = match args.len() {
            0 => {
                return Err(type_error(format!(
                    "{name} expected at least 1 argument, got 0"
                )))
            }
            1 => self.collect(&args[0])?,
            _ => {
                if kw[1].is_some() {
                    return Err(type_error(format!(
                        "Cannot specify a default for {name}() with multiple positional arguments"
                    )));
                }
                args.to_vec()
            }
        };
        if items.is_empty() {
            return match &kw[1] {
                Some(d) => Ok(d.clone()),
                None => Err(value_error(format!("{name}() arg is an empty sequence"))),
            };
        }
        let op = if b == Builtin::Min {
            CmpOp::Lt
        } else {
            CmpOp::Gt
        };
        let mut best: Option<(Value, Value)> = None;
        for x in items {
            let k = match &key {
                Some(f) => self.call_value(f, vec![x.clone()], Vec::new())?,
                None => x.clone(),
            };
            match &best {
                None => best = Some((k, x)),
                Some((bk, _)) => {
                    let better = match (&k, bk) {
                        (Value::Int(a), Value::Int(c)) => {
                            if op == CmpOp::Lt {
                                a < c
                            } else {
                                a > c
                            }
                        }
                        _ => self.compare_order(op, &k, bk)?,
                    };
                    if better {
                        best = Some((k, x));
                    }
                }
            }
        }
        Ok(best.map(|(_, x)| x).unwrap_or(Value::None))
    }

    /// A stable sort (by `key` when given; `reverse` keeps equal items in order, as
    /// CPython's does).
    pub fn sort_values(
        &mut self,
        items: Vec<Value>,
        key: Option<&Value>,
        reverse: bool,
    ) -> PResult<Vec<Value>> {
        let mut items = items;
        if reverse {
            items.reverse();
        }
        let keys: Vec<Value> = match key {
            Some(f) => {
                let mut ks = Vec::with_capacity(items.len());
                for x in &items {
                    ks.push(self.call_value(f, vec![x.clone()], Vec::new())?);
                }
                ks
            }
            None => items.clone(),
        };
        let mut pairs: Vec<(Value, Value)> = keys.into_iter().zip(items).collect();
        // Fast paths with a total order.
        if pairs.iter().all(|(k, _)| matches!(k, Value::Int(_))) {
            pairs.sort_by(|a, b| match (&a.0, &b.0) {
                (Value::Int(x), Value::Int(y)) => x.cmp(y),
                _ => std::cmp::Ordering::Equal,
            });
        } else if pairs.iter().all(|(k, _)| matches!(k, Value::Str(_))) {
            pairs.sort_by(|a, b| match (&a.0, &b.0) {
                (Value::Str(x), Value::Str(y)) => x.as_str().cmp(y.as_str()),
                _ => std::cmp::Ordering::Equal,
            });
        } else {
            pairs = self.merge_sort(pairs)?;
        }
        let mut out: Vec<Value> = pairs.into_iter().map(|(_, v)| v).collect();
        if reverse {
            out.reverse();
        }
        Ok(out)
    }

    fn merge_sort(&mut self, v: Vec<(Value, Value)>) -> PResult<Vec<(Value, Value)>> {
        if v.len() <= 1 {
            return Ok(v);
        }
        // Bottom-up merge sort: `b < a` decides, so equal items keep their order.
        let n = v.len();
        let mut src = v;
        let mut width = 1;
        // Insertion sort runs of 8 first.
        let run = 8;
        let mut start = 0;
        while start < n {
            let end = (start + run).min(n);
            for i in start + 1..end {
                let mut j = i;
                while j > start {
                    let less = self.compare_order(CmpOp::Lt, &src[j].0, &src[j - 1].0)?;
                    if !less {
                        break;
                    }
                    src.swap(j, j - 1);
                    j -= 1;
                }
            }
            start = end;
        }
        width = width.max(run);
        while width < n {
            let mut dst: Vec<(Value, Value)> = Vec::with_capacity(n);
            let mut it = src.into_iter();
            let mut chunk_start = 0;
            while chunk_start < n {
                let mid = (chunk_start + width).min(n);
                let end = (chunk_start + 2 * width).min(n);
                let left: Vec<(Value, Value)> = it.by_ref().take(mid - chunk_start).collect();
                let right: Vec<(Value, Value)> = it.by_ref().take(end - mid).collect();
                let (mut i, mut j) = (0, 0);
                while i < left.len() && j < right.len() {
                    if self.compare_order(CmpOp::Lt, &right[j].0, &left[i].0)? {
                        dst.push(right[j].clone());
                        j += 1;
                    } else {
                        dst.push(left[i].clone());
                        i += 1;
                    }
                }
                dst.extend_from_slice(&left[i..]);
                dst.extend_from_slice(&right[j..]);
                chunk_start = end;
            }
            src = dst;
            width *= 2;
        }
        Ok(src)
    }
}

fn num_of(v: &Value) -> Option<num::Num> {
    match v {
        Value::Int(i) => Some(num::Num::Int(*i)),
        Value::Bool(b) => Some(num::Num::Int(*b as i64)),
        Value::Float(f) => Some(num::Num::Float(*f)),
        _ => None,
    }
}

fn to_f(n: num::Num) -> f64 {
    match n {
        num::Num::Int(i) => num::int_to_float(i),
        num::Num::Float(f) => f,
    }
}
