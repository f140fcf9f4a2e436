//! Values and heap objects.
//!
//! [`Value`] is 16 bytes: `None`, `bool`, `int` (an unboxed `i64`) and `float` are inline;
//! everything else is an `Arc` to an immutable object or to an object whose mutable part
//! sits behind a `Mutex`/`RwLock`. A lock is held for one operation only (one `append`, one
//! element read) and never while Python code runs, so the values are `Send + Sync` and a
//! program's threads share them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{
    Arc, Mutex, MutexGuard, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak,
};

/// Bumped whenever the attributes of any class change (after the change, under the
/// class's write lock): a method cached for a class is valid while this has not moved.
static CLASS_EPOCH: AtomicU64 = AtomicU64::new(0);

/// The current class epoch (see [`bump_class_epoch`]).
#[inline]
pub fn class_epoch() -> u64 {
    CLASS_EPOCH.load(Ordering::Acquire)
}

/// Invalidates every cached class lookup (a class's attributes changed).
pub fn bump_class_epoch() {
    CLASS_EPOCH.fetch_add(1, Ordering::AcqRel);
}

/// The bit of an attribute name in [`Instance`]'s name filter (from its length and its
/// first and last bytes, so equal strings share it, interned or not).
#[inline]
fn name_bit(name: &PyStr) -> u64 {
    let b = name.as_str().as_bytes();
    let first = b.first().copied().unwrap_or(0) as u64;
    let last = b.last().copied().unwrap_or(0) as u64;
    1u64 << ((b.len() as u64)
        .wrapping_mul(7)
        .wrapping_add(first.wrapping_mul(31))
        .wrapping_add(last)
        & 63)
}

use super::dict::Dict;
use super::heap::{Charge, OutOfMemory};
use super::names::Wk;
use super::set::Set;
use crate::bytecode::Code;

/// Locks a mutex; a poisoned lock (a panic elsewhere) is still usable.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Read-locks an `RwLock`, ignoring poisoning.
pub fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

/// Write-locks an `RwLock`, ignoring poisoning.
pub fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

/// A Python `str`: UTF-8 text with its length in characters.
#[derive(Debug)]
pub struct PyStr {
    s: String,
    nchars: usize,
    /// The well-known tag when this string is an interned name.
    pub wk: Wk,
    /// Whether this is the program's one copy of the name (compared by pointer).
    pub interned: bool,
    _charge: Charge,
}

impl PyStr {
    /// A string made while a program runs (charged to its heap).
    pub fn new(s: String) -> Result<PyStr, OutOfMemory> {
        let charge = Charge::new(s.capacity() + 56)?;
        let nchars = count_chars(&s);
        Ok(PyStr {
            s,
            nchars,
            wk: Wk::Other,
            interned: false,
            _charge: charge,
        })
    }

    /// A name (interned or not); not charged.
    pub fn name(s: &str, wk: Wk, interned: bool) -> PyStr {
        PyStr {
            s: s.into(),
            nchars: count_chars(s),
            wk,
            interned,
            _charge: Charge::none(),
        }
    }

    /// A constant of the program; not charged.
    pub fn constant(s: &str) -> PyStr {
        PyStr::name(s, Wk::Other, false)
    }

    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.s
    }

    /// The length in characters (Python's `len`).
    #[inline]
    pub fn nchars(&self) -> usize {
        self.nchars
    }

    /// Whether every character is ASCII (so indexing is by byte).
    #[inline]
    pub fn is_ascii(&self) -> bool {
        self.nchars == self.s.len()
    }
}

fn count_chars(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Whether two attribute names are the same name.
#[inline]
pub fn name_eq(a: &Arc<PyStr>, b: &Arc<PyStr>) -> bool {
    Arc::ptr_eq(a, b) || ((!a.interned || !b.interned) && a.as_str() == b.as_str())
}

/// The built-in types whose methods are implemented natively.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[allow(missing_docs)]
pub enum BaseType {
    Object,
    Int,
    Float,
    Bool,
    Str,
    List,
    Tuple,
    Dict,
    Set,
    FrozenSet,
    Range,
    NoneType,
    Type,
    Function,
    BuiltinFunction,
    Method,
    Module,
    Slice,
    Iterator,
    DictKeys,
    DictValues,
    DictItems,
    Datetime,
    Timedelta,
    Super,
    Cell,
    Native,
}

/// A Python value.
#[derive(Clone, Default)]
pub enum Value {
    /// Internal: an unbound local slot, or the empty half of a method-call pair.
    #[default]
    Null,
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` (64-bit; overflow raises `OverflowError`).
    Int(i64),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(Arc<PyStr>),
    /// A `list`.
    List(Arc<List>),
    /// A `tuple`.
    Tuple(Arc<Tuple>),
    /// A `dict`.
    Dict(Arc<Dict>),
    /// A `set` or `frozenset`.
    Set(Arc<Set>),
    /// A `range`.
    Range(Arc<RangeObj>),
    /// A `slice`.
    Slice(Arc<SliceObj>),
    /// A function defined by the program.
    Func(Arc<Function>),
    /// A built-in function (or a module's function).
    Builtin(super::builtins::Builtin),
    /// A method of a built-in type, not bound (`str.lower`): called with the receiver first.
    NativeMethod(BaseType, Wk),
    /// A bound method (`obj.method`, `xs.append`).
    Method(Arc<BoundMethod>),
    /// A class (built-in types are classes too).
    Class(Arc<Class>),
    /// An instance of a class defined by the program (exceptions included).
    Instance(Arc<Instance>),
    /// An imported module.
    Module(Arc<Module>),
    /// An iterator.
    Iter(Arc<IterObj>),
    /// A dict view (`keys()`, `values()`, `items()`).
    View(Arc<DictView>),
    /// `super()`.
    Super(Arc<SuperObj>),
    /// Internal: a closure cell in a frame slot.
    Cell(Arc<CellObj>),
    /// Other native objects (datetime, timedelta, threads, locks, queues...).
    Native(Arc<NativeObj>),
}

impl Value {
    /// A new string value (charged).
    pub fn str(s: String) -> Result<Value, OutOfMemory> {
        Ok(Value::Str(Arc::new(PyStr::new(s)?)))
    }

    /// A new tuple value.
    pub fn tuple(items: Vec<Value>) -> Result<Value, OutOfMemory> {
        Ok(Value::Tuple(Arc::new(Tuple::new(items)?)))
    }

    /// A new list value.
    pub fn list(items: Vec<Value>) -> Result<Value, OutOfMemory> {
        Ok(Value::List(Arc::new(List::new(items)?)))
    }

    /// Whether this is the internal null marker.
    #[inline]
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The built-in type of this value (`Object` for instances and classes' own types).
    pub fn base_type(&self) -> BaseType {
        match self {
            Value::Null | Value::None => BaseType::NoneType,
            Value::Bool(_) => BaseType::Bool,
            Value::Int(_) => BaseType::Int,
            Value::Float(_) => BaseType::Float,
            Value::Str(_) => BaseType::Str,
            Value::List(_) => BaseType::List,
            Value::Tuple(_) => BaseType::Tuple,
            Value::Dict(_) => BaseType::Dict,
            Value::Set(s) => {
                if s.frozen {
                    BaseType::FrozenSet
                } else {
                    BaseType::Set
                }
            }
            Value::Range(_) => BaseType::Range,
            Value::Slice(_) => BaseType::Slice,
            Value::Func(_) => BaseType::Function,
            Value::Builtin(_) | Value::NativeMethod(..) => BaseType::BuiltinFunction,
            Value::Method(_) => BaseType::Method,
            Value::Class(_) => BaseType::Type,
            Value::Instance(_) => BaseType::Object,
            Value::Module(_) => BaseType::Module,
            Value::Iter(_) => BaseType::Iterator,
            Value::View(v) => match v.kind {
                ViewKind::Keys => BaseType::DictKeys,
                ViewKind::Values => BaseType::DictValues,
                ViewKind::Items => BaseType::DictItems,
            },
            Value::Super(_) => BaseType::Super,
            Value::Cell(_) => BaseType::Cell,
            Value::Native(n) => match &**n {
                NativeObj::Datetime(_) => BaseType::Datetime,
                NativeObj::Timedelta(_) => BaseType::Timedelta,
                _ => BaseType::Native,
            },
        }
    }

    /// The name of this value's type, as `type(x).__name__` says.
    pub fn type_name(&self) -> String {
        match self {
            Value::Instance(i) => i.class.name.as_str().to_string(),
            Value::Iter(it) => it.type_name().to_string(),
            Value::Native(n) => match &**n {
                NativeObj::Decorated(Deco::Static, _) => "staticmethod".into(),
                NativeObj::Decorated(Deco::Class, _) => "classmethod".into(),
                NativeObj::Property(..) => "property".into(),
                NativeObj::Datetime(_) => "datetime".into(),
                NativeObj::Timedelta(_) => "timedelta".into(),
                NativeObj::Thread(_) => "Thread".into(),
                other @ (NativeObj::Semaphore(..)
                | NativeObj::Event(_)
                | NativeObj::Condition(_)
                | NativeObj::Barrier(..)
                | NativeObj::Queue(_)
                | NativeObj::Executor(_)
                | NativeObj::Future(_)
                | NativeObj::Invalid) => super::sync::sync_type_name(other)
                    .unwrap_or("object")
                    .into(),
                NativeObj::Lock(l) => match l.lock.kind() {
                    racelab::sync::LockKind::Plain => "lock".into(),
                    racelab::sync::LockKind::Reentrant => "RLock".into(),
                },
            },
            Value::Builtin(_) | Value::NativeMethod(..) => "builtin_function_or_method".into(),
            _ => base_type_name(self.base_type()).to_string(),
        }
    }

    /// Identity (`is`).
    pub fn is(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) | (None, None) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Str(a), Str(b)) => Arc::ptr_eq(a, b) || (a.nchars() <= 1 && a.as_str() == b.as_str()),
            (List(a), List(b)) => Arc::ptr_eq(a, b),
            (Tuple(a), Tuple(b)) => Arc::ptr_eq(a, b) || (a.items.is_empty() && b.items.is_empty()),
            (Dict(a), Dict(b)) => Arc::ptr_eq(a, b),
            (Set(a), Set(b)) => Arc::ptr_eq(a, b),
            (Range(a), Range(b)) => Arc::ptr_eq(a, b),
            (Slice(a), Slice(b)) => Arc::ptr_eq(a, b),
            (Func(a), Func(b)) => Arc::ptr_eq(a, b),
            (Builtin(a), Builtin(b)) => a == b,
            (NativeMethod(a, b), NativeMethod(c, d)) => a == c && b == d,
            (Method(a), Method(b)) => Arc::ptr_eq(a, b),
            (Class(a), Class(b)) => Arc::ptr_eq(a, b),
            (Instance(a), Instance(b)) => Arc::ptr_eq(a, b),
            (Module(a), Module(b)) => Arc::ptr_eq(a, b),
            (Iter(a), Iter(b)) => Arc::ptr_eq(a, b),
            (View(a), View(b)) => Arc::ptr_eq(a, b),
            (Super(a), Super(b)) => Arc::ptr_eq(a, b),
            (Cell(a), Cell(b)) => Arc::ptr_eq(a, b),
            (Native(a), Native(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// A stable identity number (`id()`).
    pub fn id(&self) -> i64 {
        fn p<T>(a: &Arc<T>) -> i64 {
            (Arc::as_ptr(a) as *const u8 as usize as i64) & 0x7fff_ffff_ffff
        }
        match self {
            Value::Null => 0,
            Value::None => 9_000_001,
            Value::Bool(b) => 9_000_002 + *b as i64,
            Value::Int(i) => 1_000_000_000_000_i64.wrapping_add(i.wrapping_mul(32)),
            Value::Float(f) => (f.to_bits() >> 4) as i64,
            Value::Str(a) => p(a),
            Value::List(a) => p(a),
            Value::Tuple(a) => p(a),
            Value::Dict(a) => p(a),
            Value::Set(a) => p(a),
            Value::Range(a) => p(a),
            Value::Slice(a) => p(a),
            Value::Func(a) => p(a),
            Value::Builtin(b) => 8_000_000 + *b as i64 * 16,
            Value::NativeMethod(t, w) => 7_000_000 + (*t as i64) * 100_000 + *w as i64 * 16,
            Value::Method(a) => p(a),
            Value::Class(a) => p(a),
            Value::Instance(a) => p(a),
            Value::Module(a) => p(a),
            Value::Iter(a) => p(a),
            Value::View(a) => p(a),
            Value::Super(a) => p(a),
            Value::Cell(a) => p(a),
            Value::Native(a) => p(a),
        }
    }
}

/// The `__name__` of a built-in type.
pub fn base_type_name(t: BaseType) -> &'static str {
    match t {
        BaseType::Object => "object",
        BaseType::Int => "int",
        BaseType::Float => "float",
        BaseType::Bool => "bool",
        BaseType::Str => "str",
        BaseType::List => "list",
        BaseType::Tuple => "tuple",
        BaseType::Dict => "dict",
        BaseType::Set => "set",
        BaseType::FrozenSet => "frozenset",
        BaseType::Range => "range",
        BaseType::NoneType => "NoneType",
        BaseType::Type => "type",
        BaseType::Function => "function",
        BaseType::BuiltinFunction => "builtin_function_or_method",
        BaseType::Method => "method",
        BaseType::Module => "module",
        BaseType::Slice => "slice",
        BaseType::Iterator => "iterator",
        BaseType::DictKeys => "dict_keys",
        BaseType::DictValues => "dict_values",
        BaseType::DictItems => "dict_items",
        BaseType::Datetime => "datetime",
        BaseType::Timedelta => "timedelta",
        BaseType::Super => "super",
        BaseType::Cell => "cell",
        BaseType::Native => "object",
    }
}

/// Bytes charged for a container's element array.
pub fn slots_bytes(cap: usize) -> usize {
    64usize.saturating_add(cap.saturating_mul(std::mem::size_of::<Value>()))
}

/// A `tuple`.
pub struct Tuple {
    /// The elements.
    pub items: Box<[Value]>,
    _charge: Charge,
}

impl Tuple {
    /// A new tuple (charged).
    pub fn new(items: Vec<Value>) -> Result<Tuple, OutOfMemory> {
        let charge = Charge::new(slots_bytes(items.len()))?;
        Ok(Tuple {
            items: items.into_boxed_slice(),
            _charge: charge,
        })
    }

    /// A constant tuple (not charged).
    pub fn constant(items: Vec<Value>) -> Tuple {
        Tuple {
            items: items.into_boxed_slice(),
            _charge: Charge::none(),
        }
    }
}

/// A `list`: its elements behind a mutex, held for one operation at a time.
pub struct List {
    data: Mutex<ListData>,
}

/// The inside of a list.
pub struct ListData {
    /// The elements.
    pub items: Vec<Value>,
    charge: Charge,
}

impl ListData {
    /// Makes room for `extra` more elements, charging the heap (doubling, like `Vec`).
    pub fn reserve(&mut self, extra: usize) -> Result<(), OutOfMemory> {
        let need = self.items.len().checked_add(extra).ok_or(OutOfMemory)?;
        if need <= self.items.capacity() {
            return Ok(());
        }
        let cap = need.max(self.items.capacity().saturating_mul(2)).max(4);
        self.charge.set(slots_bytes(cap))?;
        self.items.reserve_exact(cap - self.items.len());
        Ok(())
    }

    /// Appends one element.
    #[inline]
    pub fn push(&mut self, v: Value) -> Result<(), OutOfMemory> {
        if self.items.len() == self.items.capacity() {
            self.reserve(1)?;
        }
        self.items.push(v);
        Ok(())
    }

    /// Re-charges after a change that may have moved the capacity (shrinking, replacing).
    pub fn recharge(&mut self) -> Result<(), OutOfMemory> {
        self.charge.set(slots_bytes(self.items.capacity()))
    }
}

impl List {
    /// A new list (charged).
    pub fn new(items: Vec<Value>) -> Result<List, OutOfMemory> {
        let charge = Charge::new(slots_bytes(items.capacity()))?;
        Ok(List {
            data: Mutex::new(ListData { items, charge }),
        })
    }

    /// Locks the list for one operation.
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, ListData> {
        lock(&self.data)
    }

    /// A copy of the elements (to work on without holding the lock).
    pub fn snapshot(&self) -> Vec<Value> {
        self.lock().items.clone()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A `range`.
pub struct RangeObj {
    /// First value.
    pub start: i64,
    /// End (exclusive).
    pub stop: i64,
    /// Step (never 0).
    pub step: i64,
}

impl RangeObj {
    /// The number of values.
    pub fn len(&self) -> i64 {
        let (start, stop, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let n = if step > 0 {
            if stop > start {
                (stop - start + step - 1) / step
            } else {
                0
            }
        } else if start > stop {
            (start - stop - step - 1) / (-step)
        } else {
            0
        };
        n.clamp(0, i64::MAX as i128) as i64
    }

    /// Whether the range is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`th value (0 <= i < len).
    pub fn at(&self, i: i64) -> i64 {
        self.start.wrapping_add(i.wrapping_mul(self.step))
    }
}

/// A `slice`.
pub struct SliceObj {
    /// `start` (None when omitted).
    pub start: Value,
    /// `stop`.
    pub stop: Value,
    /// `step`.
    pub step: Value,
}

/// A closure cell.
pub struct CellObj {
    /// The value (`Null` while empty).
    pub value: Mutex<Value>,
}

impl CellObj {
    /// A new cell.
    pub fn new(v: Value) -> CellObj {
        CellObj {
            value: Mutex::new(v),
        }
    }
    /// The value.
    pub fn get(&self) -> Value {
        lock(&self.value).clone()
    }
    /// Replaces the value.
    pub fn set(&self, v: Value) {
        let old = std::mem::replace(&mut *lock(&self.value), v);
        drop(old);
    }
}

/// A function defined by the program.
pub struct Function {
    /// Its code.
    pub code: Arc<Code>,
    /// Default values of the last positional parameters.
    pub defaults: Box<[Value]>,
    /// Default values of keyword-only parameters.
    pub kwdefaults: Box<[(Arc<PyStr>, Value)]>,
    /// Cells of the free variables.
    pub closure: Box<[Arc<CellObj>]>,
    /// The class whose body defined it (for `super()`), set when the class is made.
    pub owner: OnceLock<Weak<Class>>,
    /// Attributes set on the function (`f.cache = {}`).
    pub attrs: Mutex<Vec<(Arc<PyStr>, Value)>>,
    _charge: Charge,
}

impl Function {
    /// A new function.
    pub fn new(
        code: Arc<Code>,
        defaults: Box<[Value]>,
        kwdefaults: Box<[(Arc<PyStr>, Value)]>,
        closure: Box<[Arc<CellObj>]>,
    ) -> Result<Function, OutOfMemory> {
        let charge = Charge::new(128 + 16 * (defaults.len() + closure.len()))?;
        Ok(Function {
            code,
            defaults,
            kwdefaults,
            closure,
            owner: OnceLock::new(),
            attrs: Mutex::new(Vec::new()),
            _charge: charge,
        })
    }
}

/// A bound method: a callable with its receiver.
pub struct BoundMethod {
    /// The function (a `Func`, a `NativeMethod` or a `Builtin`).
    pub func: Value,
    /// The receiver.
    pub this: Value,
}

/// What kind of class a class is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ClassKind {
    /// A built-in type (`int`, `list`...).
    Builtin(BaseType),
    /// A built-in exception class, or a class of the program.
    Plain,
}

/// A class: built-in types, built-in exceptions and the program's classes.
pub struct Class {
    /// `__name__`.
    pub name: Arc<PyStr>,
    /// `__qualname__`.
    pub qualname: String,
    /// The base class (single inheritance), `None` only for `object`.
    pub base: Option<Arc<Class>>,
    /// The class attributes (methods included), in definition order.
    pub attrs: RwLock<Vec<(Arc<PyStr>, Value)>>,
    /// Built-in type or not.
    pub kind: ClassKind,
    /// Whether it derives from `BaseException`.
    pub is_exception: bool,
    /// Whether it was defined by the program.
    pub user: bool,
    /// Whether the class (or a base) has a `property` attribute, decided when the class
    /// is made (stores to instance attributes check for setters only then).
    pub has_properties: bool,
}

impl Class {
    /// Looks a name up along the inheritance chain.
    pub fn lookup(&self, name: &Arc<PyStr>) -> Option<Value> {
        {
            let attrs = read(&self.attrs);
            for (k, v) in attrs.iter() {
                if name_eq(k, name) {
                    return Some(v.clone());
                }
            }
        }
        let mut c = self.base.clone();
        while let Some(cls) = c {
            {
                let attrs = read(&cls.attrs);
                for (k, v) in attrs.iter() {
                    if name_eq(k, name) {
                        return Some(v.clone());
                    }
                }
            }
            c = cls.base.clone();
        }
        None
    }

    /// Looks a well-known dunder up along the chain, in program classes only.
    pub fn lookup_wk(self: &Arc<Class>, wk: Wk) -> Option<Value> {
        let mut c = Some(self.clone());
        while let Some(cls) = c {
            if !cls.user {
                return None;
            }
            {
                let attrs = read(&cls.attrs);
                for (k, v) in attrs.iter() {
                    if k.wk == wk && k.as_str() == wk.text() {
                        return Some(v.clone());
                    }
                }
            }
            c = cls.base.clone();
        }
        None
    }

    /// Whether `self` is `other` or derives from it.
    pub fn is_subclass(self: &Arc<Class>, other: &Arc<Class>) -> bool {
        let mut c = Some(self.clone());
        while let Some(cls) = c {
            if Arc::ptr_eq(&cls, other) {
                return true;
            }
            c = cls.base.clone();
        }
        false
    }

    /// The built-in type this class is, or derives from.
    pub fn builtin_base(self: &Arc<Class>) -> Option<BaseType> {
        let mut c = Some(self.clone());
        while let Some(cls) = c {
            if let ClassKind::Builtin(t) = cls.kind {
                if t != BaseType::Object {
                    return Some(t);
                }
            }
            c = cls.base.clone();
        }
        None
    }
}

/// A frame's place in a traceback.
#[derive(Clone)]
pub struct TbEntry {
    /// The code that was running.
    pub code: Arc<Code>,
    /// The line.
    pub line: u32,
}

/// The exception part of an exception instance.
#[derive(Default)]
pub struct ExcData {
    /// `args` (a tuple).
    pub args: Value,
    /// Traceback entries, innermost first.
    pub tb: Vec<TbEntry>,
    /// `__cause__` (`raise ... from ...`).
    pub cause: Option<Value>,
    /// `__context__` (raised while handling another).
    pub context: Option<Value>,
    /// `__suppress_context__`.
    pub suppress_context: bool,
}

/// An instance of a class.
pub struct Instance {
    /// Its class.
    pub class: Arc<Class>,
    /// Its attributes (`__dict__`), in the order they were first set.
    pub attrs: Mutex<Vec<(Arc<PyStr>, Value)>>,
    /// Exception state, for instances of exception classes.
    pub exc: Option<Mutex<ExcData>>,
    /// A filter of the names ever set on the instance (bits only ever added, under the
    /// `attrs` lock and before the name is added): a name whose bit is clear is not an
    /// instance attribute, known without taking the lock.
    names: AtomicU64,
    _charge: Charge,
}

impl Instance {
    /// A new instance (charged).
    pub fn new(class: Arc<Class>) -> Result<Instance, OutOfMemory> {
        let exc = if class.is_exception {
            Some(Mutex::new(ExcData::default()))
        } else {
            None
        };
        Ok(Instance {
            class,
            attrs: Mutex::new(Vec::new()),
            exc,
            names: AtomicU64::new(0),
            _charge: Charge::new(160)?,
        })
    }

    /// A new instance that is not charged (exceptions made when the heap is full).
    pub fn uncharged(class: Arc<Class>) -> Instance {
        let exc = if class.is_exception {
            Some(Mutex::new(ExcData::default()))
        } else {
            None
        };
        Instance {
            class,
            attrs: Mutex::new(Vec::new()),
            exc,
            names: AtomicU64::new(0),
            _charge: Charge::none(),
        }
    }

    /// Reads an instance attribute (not the class's).
    pub fn get_attr(&self, name: &Arc<PyStr>) -> Option<Value> {
        if !self.may_have(name) {
            return None;
        }
        let attrs = lock(&self.attrs);
        for (k, v) in attrs.iter() {
            if name_eq(k, name) {
                return Some(v.clone());
            }
        }
        None
    }

    /// Sets an instance attribute.
    #[inline]
    pub fn set_attr(&self, name: &Arc<PyStr>, value: Value) {
        self.set_attr_then(name, value, || ());
    }

    /// Sets an instance attribute, doing `then` while no other thread can touch the
    /// attributes (a traced run numbers the write there).
    pub fn set_attr_then(&self, name: &Arc<PyStr>, value: Value, then: impl FnOnce()) {
        let old;
        {
            let mut attrs = lock(&self.attrs);
            then();
            for (k, v) in attrs.iter_mut() {
                if name_eq(k, name) {
                    old = std::mem::replace(v, value);
                    drop(attrs);
                    drop(old);
                    return;
                }
            }
            self.names.fetch_or(name_bit(name), Ordering::Release);
            attrs.push((name.clone(), value));
        }
    }

    /// An instance attribute, given to `then` while no other thread can change it (a
    /// traced run numbers the read there).
    pub fn get_attr_then(&self, name: &Arc<PyStr>, then: impl FnOnce(&Value)) -> Option<Value> {
        if !self.may_have(name) {
            return None;
        }
        let attrs = lock(&self.attrs);
        let v = attrs.iter().find(|(k, _)| name_eq(k, name))?.1.clone();
        then(&v);
        Some(v)
    }

    /// Whether `name` may be an instance attribute (`false`: it certainly is not).
    #[inline]
    pub fn may_have(&self, name: &PyStr) -> bool {
        self.names.load(Ordering::Acquire) & name_bit(name) != 0
    }

    /// Deletes an instance attribute; says whether it was there.
    pub fn del_attr(&self, name: &Arc<PyStr>) -> bool {
        let removed;
        {
            let mut attrs = lock(&self.attrs);
            match attrs.iter().position(|(k, _)| name_eq(k, name)) {
                Some(i) => removed = attrs.remove(i),
                None => return false,
            }
        }
        drop(removed);
        true
    }

    /// The exception's `args`, for exception instances.
    pub fn exc_args(&self) -> Vec<Value> {
        match &self.exc {
            Some(e) => match &lock(e).args {
                Value::Tuple(t) => t.items.to_vec(),
                _ => Vec::new(),
            },
            None => Vec::new(),
        }
    }
}

/// The modules a program can import.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[allow(missing_docs)]
pub enum ModuleKind {
    Time,
    Random,
    Datetime,
    Racelab,
    Threading,
    Queue,
    ConcurrentFutures,
    Concurrent,
}

/// An imported module.
pub struct Module {
    /// Which one.
    pub kind: ModuleKind,
    /// Its `__name__`.
    pub name: &'static str,
}

/// Which view of a dict.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[allow(missing_docs)]
pub enum ViewKind {
    Keys,
    Values,
    Items,
}

/// A dict view.
pub struct DictView {
    /// The dict.
    pub dict: Arc<Dict>,
    /// Which view.
    pub kind: ViewKind,
}

/// `super()`: look attributes up after `class` in `this`'s class chain.
pub struct SuperObj {
    /// The class whose method called `super()`.
    pub class: Arc<Class>,
    /// The receiver.
    pub this: Value,
}

/// What a method decorator made.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Deco {
    /// `@staticmethod`.
    Static,
    /// `@classmethod`.
    Class,
}

/// Native objects of the modules.
pub enum NativeObj {
    /// A `datetime.datetime`: microseconds since the Unix epoch (UTC).
    Datetime(i64),
    /// A `datetime.timedelta`: microseconds.
    Timedelta(i64),
    /// `staticmethod(f)` / `classmethod(f)`.
    Decorated(Deco, Value),
    /// `property(getter)`, with its setter once `@x.setter` gave one.
    Property(Value, Option<Value>),
    /// A `threading.Thread`.
    Thread(super::threads::PyThread),
    /// A `threading.Lock` or `RLock`.
    Lock(super::threads::PyLock),
    /// A `threading.Semaphore` (or `BoundedSemaphore`: true).
    Semaphore(racelab::sync::py::Semaphore, bool),
    /// A `threading.Event`.
    Event(racelab::sync::py::Event),
    /// A `threading.Condition`.
    Condition(racelab::sync::py::Condition),
    /// A `threading.Barrier`, with its default timeout.
    Barrier(racelab::sync::py::Barrier, Option<std::time::Duration>),
    /// A `queue.Queue`.
    Queue(racelab::sync::py::Queue<Value>),
    /// A `concurrent.futures.ThreadPoolExecutor`.
    Executor(Arc<super::sync::PoolState>),
    /// A `concurrent.futures.Future`.
    Future(Arc<super::sync::FutureState>),
    /// `racelab.invalid()`: `with invalid():` marks where the program's shared data is
    /// temporarily invalid (money debited, not yet credited), for the trace's timeline.
    Invalid,
}

/// An iterator.
pub struct IterObj {
    /// Its state.
    pub state: Mutex<IterState>,
}

/// What an iterator walks.
pub enum IterState {
    /// Over a list, by index (sees appends, like CPython).
    List(Arc<List>, usize),
    /// Over a list backwards (`reversed(xs)`).
    ListRev(Arc<List>, usize),
    /// Over a tuple.
    Tuple(Arc<Tuple>, usize),
    /// Over a snapshot of values (sets, generator expressions, `reversed` of others).
    Values(Vec<Value>, usize),
    /// Over a range: current, remaining count, step.
    Range(i64, i64, i64),
    /// Over a string's characters, by byte offset.
    Str(Arc<PyStr>, usize),
    /// Over a dict (entry index, size at start), yielding keys, values or items.
    Dict(Arc<Dict>, usize, usize, ViewKind),
    /// `enumerate`.
    Enumerate(Value, i64),
    /// `zip`.
    Zip(Vec<Value>),
    /// `map`.
    Map(Value, Vec<Value>),
    /// `filter`.
    Filter(Value, Value),
    /// Exhausted.
    Done,
}

impl IterObj {
    /// A new iterator.
    pub fn new(state: IterState) -> IterObj {
        IterObj {
            state: Mutex::new(state),
        }
    }

    /// `type(it).__name__`.
    pub fn type_name(&self) -> &'static str {
        match &*lock(&self.state) {
            IterState::List(..) => "list_iterator",
            IterState::ListRev(..) => "list_reverseiterator",
            IterState::Tuple(..) => "tuple_iterator",
            IterState::Values(..) => "list_iterator",
            IterState::Range(..) => "range_iterator",
            IterState::Str(..) => "str_ascii_iterator",
            IterState::Dict(_, _, _, ViewKind::Keys) => "dict_keyiterator",
            IterState::Dict(_, _, _, ViewKind::Values) => "dict_valueiterator",
            IterState::Dict(_, _, _, ViewKind::Items) => "dict_itemiterator",
            IterState::Enumerate(..) => "enumerate",
            IterState::Zip(..) => "zip",
            IterState::Map(..) => "map",
            IterState::Filter(..) => "filter",
            IterState::Done => "iterator",
        }
    }
}

/// Whether dropping these values can recurse (they hold containers or objects).
#[inline]
fn may_nest(items: &[Value]) -> bool {
    items.iter().any(|v| {
        !matches!(
            v,
            Value::Null
                | Value::None
                | Value::Bool(_)
                | Value::Int(_)
                | Value::Float(_)
                | Value::Str(_)
                | Value::Builtin(_)
                | Value::NativeMethod(..)
                | Value::Class(_)
                | Value::Module(_)
                | Value::Range(_)
        )
    })
}

impl Drop for Tuple {
    fn drop(&mut self) {
        if may_nest(&self.items) {
            super::heap::release(std::mem::take(&mut self.items));
        }
    }
}

impl Drop for ListData {
    fn drop(&mut self) {
        if may_nest(&self.items) {
            super::heap::release(std::mem::take(&mut self.items));
        }
    }
}

impl Drop for CellObj {
    fn drop(&mut self) {
        let v = std::mem::take(self.value.get_mut().unwrap_or_else(|e| e.into_inner()));
        if !matches!(
            v,
            Value::Null | Value::None | Value::Int(_) | Value::Bool(_) | Value::Float(_)
        ) {
            super::heap::release(v);
        }
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let attrs = std::mem::take(self.attrs.get_mut().unwrap_or_else(|e| e.into_inner()));
        if !self.defaults.is_empty() || !self.closure.is_empty() || !attrs.is_empty() {
            super::heap::release((
                std::mem::take(&mut self.defaults),
                std::mem::take(&mut self.closure),
                attrs,
            ));
        }
    }
}

impl Drop for BoundMethod {
    fn drop(&mut self) {
        super::heap::release((
            std::mem::take(&mut self.func),
            std::mem::take(&mut self.this),
        ));
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let attrs = std::mem::take(self.attrs.get_mut().unwrap_or_else(|e| e.into_inner()));
        let exc = self
            .exc
            .take()
            .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()));
        if !attrs.is_empty() || exc.is_some() {
            super::heap::release((attrs, exc));
        }
    }
}

impl Drop for IterObj {
    fn drop(&mut self) {
        let st = std::mem::replace(
            self.state.get_mut().unwrap_or_else(|e| e.into_inner()),
            IterState::Done,
        );
        super::heap::release(st);
    }
}

impl Drop for SuperObj {
    fn drop(&mut self) {
        super::heap::release(std::mem::take(&mut self.this));
    }
}
