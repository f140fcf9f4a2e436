//! Interned names and the well-known ones the VM dispatches on.
//!
//! Every attribute, keyword and global name a program uses is interned once per program,
//! so attribute dictionaries compare names by pointer. Names the VM itself knows (method
//! names of the built-in types, dunder methods, module members) carry a [`Wk`] tag, so
//! dispatching `xs.append(v)` is a match on a small integer, not on a string.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::value::PyStr;

macro_rules! well_known {
    ($($id:ident = $s:literal,)*) => {
        /// A name the VM knows (methods of built-in types, dunders, module members).
        #[allow(non_camel_case_types, missing_docs)]
        #[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
        #[repr(u16)]
        pub enum Wk { Other, $($id,)* }

        impl Wk {
            /// The well-known tag of a name, or `Wk::Other`.
            pub fn of(s: &str) -> Wk {
                match s { $($s => Wk::$id,)* _ => Wk::Other }
            }
            /// The tag with this number (`Other` past the end).
            pub fn from_u16(i: u16) -> Wk {
                const ALL: &[Wk] = &[Wk::Other, $(Wk::$id,)*];
                ALL.get(i as usize).copied().unwrap_or(Wk::Other)
            }
            /// The name as written.
            pub fn text(self) -> &'static str {
                match self { Wk::Other => "", $(Wk::$id => $s,)* }
            }
        }
    };
}

well_known! {
    // str
    join = "join", split = "split", rsplit = "rsplit", strip = "strip", lstrip = "lstrip",
    rstrip = "rstrip", upper = "upper", lower = "lower", title = "title",
    capitalize = "capitalize", startswith = "startswith", endswith = "endswith",
    find = "find", rfind = "rfind", index = "index", rindex = "rindex", count = "count",
    replace = "replace", format = "format", center = "center", ljust = "ljust",
    rjust = "rjust", zfill = "zfill", isdigit = "isdigit", isalpha = "isalpha",
    isalnum = "isalnum", isspace = "isspace", isupper = "isupper", islower = "islower",
    isnumeric = "isnumeric", isdecimal = "isdecimal", istitle = "istitle",
    isidentifier = "isidentifier",
    splitlines = "splitlines", partition = "partition", rpartition = "rpartition",
    encode = "encode", swapcase = "swapcase", casefold = "casefold",
    removeprefix = "removeprefix", removesuffix = "removesuffix", expandtabs = "expandtabs",
    format_map = "format_map", maketrans = "maketrans", translate = "translate",
    // list
    append = "append", extend = "extend", insert = "insert", pop = "pop", remove = "remove",
    sort = "sort", reverse = "reverse", copy = "copy", clear = "clear",
    // dict
    get = "get", keys = "keys", values = "values", items = "items", setdefault = "setdefault",
    update = "update", popitem = "popitem", fromkeys = "fromkeys",
    // set
    add = "add", discard = "discard", union = "union", intersection = "intersection",
    difference = "difference", symmetric_difference = "symmetric_difference",
    issubset = "issubset", issuperset = "issuperset", isdisjoint = "isdisjoint",
    intersection_update = "intersection_update", difference_update = "difference_update",
    symmetric_difference_update = "symmetric_difference_update",
    // numbers
    bit_length = "bit_length", is_integer = "is_integer", conjugate = "conjugate",
    real = "real", imag = "imag", numerator = "numerator", denominator = "denominator",
    as_integer_ratio = "as_integer_ratio", bit_count = "bit_count", hex = "hex",
    // range / slice
    start = "start", stop = "stop", step = "step",
    // dunders
    __init__ = "__init__", __repr__ = "__repr__", __str__ = "__str__", __eq__ = "__eq__",
    __ne__ = "__ne__", __lt__ = "__lt__", __le__ = "__le__", __gt__ = "__gt__",
    __ge__ = "__ge__", __hash__ = "__hash__", __len__ = "__len__",
    __contains__ = "__contains__", __iter__ = "__iter__", __next__ = "__next__",
    __enter__ = "__enter__", __exit__ = "__exit__", __call__ = "__call__",
    __getitem__ = "__getitem__", __setitem__ = "__setitem__", __delitem__ = "__delitem__",
    __bool__ = "__bool__", __add__ = "__add__", __sub__ = "__sub__", __mul__ = "__mul__",
    __truediv__ = "__truediv__", __floordiv__ = "__floordiv__", __mod__ = "__mod__",
    __pow__ = "__pow__", __neg__ = "__neg__", __pos__ = "__pos__", __abs__ = "__abs__",
    __radd__ = "__radd__", __rsub__ = "__rsub__", __rmul__ = "__rmul__",
    __name__ = "__name__", __qualname__ = "__qualname__", __class__ = "__class__",
    __dict__ = "__dict__", __doc__ = "__doc__", __module__ = "__module__",
    __bases__ = "__bases__", __mro__ = "__mro__", __base__ = "__base__",
    __cause__ = "__cause__", __context__ = "__context__", __traceback__ = "__traceback__",
    __suppress_context__ = "__suppress_context__", __format__ = "__format__",
    __new__ = "__new__", __setattr__ = "__setattr__", __getattr__ = "__getattr__",
    __index__ = "__index__", __int__ = "__int__", __float__ = "__float__",
    __closure__ = "__closure__", __defaults__ = "__defaults__", __code__ = "__code__",
    __self__ = "__self__", __func__ = "__func__", __wrapped__ = "__wrapped__",
    args = "args", with_traceback = "with_traceback", add_note = "add_note",
    // modules
    time = "time", perf_counter = "perf_counter", monotonic = "monotonic", sleep = "sleep",
    time_ns = "time_ns", perf_counter_ns = "perf_counter_ns", monotonic_ns = "monotonic_ns",
    process_time = "process_time",
    randint = "randint", random = "random", uniform = "uniform", choice = "choice",
    sample = "sample", shuffle = "shuffle", seed = "seed", randrange = "randrange",
    choices = "choices", gauss = "gauss", getrandbits = "getrandbits",
    datetime = "datetime", timedelta = "timedelta", now = "now",
    total_seconds = "total_seconds", seconds = "seconds", days = "days",
    microseconds = "microseconds", isoformat = "isoformat", strftime = "strftime",
    timestamp = "timestamp", year = "year", month = "month", day = "day", hour = "hour",
    minute = "minute", second = "second", microsecond = "microsecond",
    check = "check", invalid = "invalid",
    // threading
    is_alive = "is_alive", run = "run", name = "name", daemon = "daemon", ident = "ident",
    native_id = "native_id", acquire = "acquire", release = "release", locked = "locked",
    set = "set", is_set = "is_set", wait = "wait", wait_for = "wait_for", notify = "notify",
    notify_all = "notify_all", parties = "parties", n_waiting = "n_waiting", broken = "broken",
    reset = "reset", abort = "abort", put = "put", put_nowait = "put_nowait",
    get_nowait = "get_nowait", task_done = "task_done", empty = "empty", full = "full",
    qsize = "qsize", maxsize = "maxsize", submit = "submit", map = "map",
    shutdown = "shutdown", result = "result", done = "done", exception = "exception",
    running = "running", cancelled = "cancelled",
}

/// A program's table of interned names.
pub struct Interner {
    map: Mutex<HashMap<Box<str>, Arc<PyStr>>>,
    /// The well-known names, indexed by tag, each interned the first time the VM asks for
    /// it: `with` asks for `__enter__` and a call for `__init__` while a program runs, and
    /// this answers without the map's lock (which all of a program's threads share).
    known: Box<[OnceLock<Arc<PyStr>>]>,
}

impl Default for Interner {
    fn default() -> Interner {
        let count = (1..).find(|&i| Wk::from_u16(i) == Wk::Other).unwrap_or(1);
        Interner {
            map: Mutex::default(),
            known: (0..count).map(|_| OnceLock::new()).collect(),
        }
    }
}

impl Interner {
    /// The interned well-known name (`Wk::Other` gives an empty name).
    #[inline]
    pub fn known(&self, wk: Wk) -> Arc<PyStr> {
        match self.known.get(wk as usize) {
            Some(slot) => slot.get_or_init(|| self.intern(wk.text())).clone(),
            None => Arc::new(PyStr::name("", Wk::Other, false)),
        }
    }

    /// The one `PyStr` for this name.
    pub fn intern(&self, s: &str) -> Arc<PyStr> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = map.get(s) {
            return found.clone();
        }
        let v = Arc::new(PyStr::name(s, Wk::of(s), true));
        map.insert(s.into(), v.clone());
        v
    }

    /// The interned name when the program has it; otherwise a new, uninterned name (so a
    /// program calling `getattr` with made-up names does not grow the table).
    pub fn lookup(&self, s: &str) -> Arc<PyStr> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(s) {
            Some(v) => v.clone(),
            None => Arc::new(PyStr::name(s, Wk::of(s), false)),
        }
    }
}
