//! The built-in classes: the types (`int`, `str`, `list`...) and the exception hierarchy,
//! made once per process and shared by every run (they are immutable).

use std::sync::{Arc, OnceLock, RwLock};

use super::names::Wk;
use super::value::{BaseType, Class, ClassKind, PyStr};

macro_rules! exc_types {
    ($($id:ident : $parent:ident,)*) => {
        /// The built-in exception classes.
        #[allow(missing_docs)]
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        pub enum ExcType { BaseException, $($id,)* }

        impl ExcType {
            /// All of them, parents before children.
            pub const ALL: &'static [ExcType] = &[ExcType::BaseException, $(ExcType::$id,)*];
            fn ident(self) -> &'static str {
                match self { ExcType::BaseException => "BaseException", $(ExcType::$id => stringify!($id),)* }
            }
            fn parent(self) -> Option<ExcType> {
                match self { ExcType::BaseException => None, $(ExcType::$id => Some(ExcType::$parent),)* }
            }
        }
    };
}

exc_types! {
    SystemExit: BaseException,
    KeyboardInterrupt: BaseException,
    GeneratorExit: BaseException,
    Exception: BaseException,
    ArithmeticError: Exception,
    FloatingPointError: ArithmeticError,
    OverflowError: ArithmeticError,
    ZeroDivisionError: ArithmeticError,
    AssertionError: Exception,
    AttributeError: Exception,
    BufferError: Exception,
    EOFError: Exception,
    ImportError: Exception,
    ModuleNotFoundError: ImportError,
    LookupError: Exception,
    IndexError: LookupError,
    KeyError: LookupError,
    MemoryError: Exception,
    NameError: Exception,
    UnboundLocalError: NameError,
    OSError: Exception,
    TimeoutError: OSError,
    ReferenceError: Exception,
    RuntimeError: Exception,
    NotImplementedError: RuntimeError,
    RecursionError: RuntimeError,
    StopIteration: Exception,
    SystemError: Exception,
    TypeError: Exception,
    ValueError: Exception,
    UnicodeError: ValueError,
    Warning: Exception,
    UserWarning: Warning,
    DeprecationWarning: Warning,
    RuntimeWarning: Warning,
    // Classes of modules, not built-in names.
    QueueEmpty: Exception,
    QueueFull: Exception,
    BrokenBarrierError: RuntimeError,
}

impl ExcType {
    /// The class name (`__name__`).
    pub fn name(self) -> &'static str {
        match self {
            ExcType::QueueEmpty => "Empty",
            ExcType::QueueFull => "Full",
            other => other.ident(),
        }
    }

    /// The module of a class that is not a built-in name (`queue.Empty`), as CPython
    /// names it in a traceback.
    pub fn module(self) -> Option<&'static str> {
        match self {
            ExcType::QueueEmpty | ExcType::QueueFull => Some("_queue"),
            ExcType::BrokenBarrierError => Some("threading"),
            _ => None,
        }
    }
}

/// The built-in classes.
pub struct Types {
    /// Built-in types, by [`BaseType`] order.
    pub base: Vec<Arc<Class>>,
    /// Exception classes, by [`ExcType`] order.
    pub exc: Vec<Arc<Class>>,
}

const BASE_TYPES: &[BaseType] = &[
    BaseType::Object,
    BaseType::Int,
    BaseType::Float,
    BaseType::Bool,
    BaseType::Str,
    BaseType::List,
    BaseType::Tuple,
    BaseType::Dict,
    BaseType::Set,
    BaseType::FrozenSet,
    BaseType::Range,
    BaseType::NoneType,
    BaseType::Type,
    BaseType::Function,
    BaseType::BuiltinFunction,
    BaseType::Method,
    BaseType::Module,
    BaseType::Slice,
    BaseType::Iterator,
    BaseType::DictKeys,
    BaseType::DictValues,
    BaseType::DictItems,
    BaseType::Datetime,
    BaseType::Timedelta,
    BaseType::Super,
    BaseType::Cell,
    BaseType::Native,
];

fn make_class(
    name: &str,
    base: Option<Arc<Class>>,
    kind: ClassKind,
    is_exception: bool,
) -> Arc<Class> {
    Arc::new(Class {
        name: Arc::new(PyStr::name(name, Wk::Other, false)),
        qualname: name.to_string(),
        base,
        attrs: RwLock::new(Vec::new()),
        kind,
        is_exception,
        user: false,
        has_properties: false,
    })
}

/// The built-in classes (made on first use).
pub fn types() -> &'static Types {
    static TYPES: OnceLock<Types> = OnceLock::new();
    TYPES.get_or_init(|| {
        let object = make_class("object", None, ClassKind::Builtin(BaseType::Object), false);
        let mut base = Vec::new();
        let mut int_class = None;
        for t in BASE_TYPES {
            if *t == BaseType::Object {
                base.push(object.clone());
                continue;
            }
            let parent = if *t == BaseType::Bool {
                int_class.clone()
            } else {
                Some(object.clone())
            };
            let c = make_class(
                super::value::base_type_name(*t),
                parent,
                ClassKind::Builtin(*t),
                false,
            );
            if *t == BaseType::Int {
                int_class = Some(c.clone());
            }
            base.push(c);
        }
        let mut exc: Vec<Arc<Class>> = Vec::new();
        for e in ExcType::ALL {
            let parent = match e.parent() {
                Some(p) => exc[p as usize].clone(),
                None => object.clone(),
            };
            let mut class = make_class(e.name(), Some(parent), ClassKind::Plain, true);
            if let (Some(module), Some(c)) = (e.module(), Arc::get_mut(&mut class)) {
                // Tracebacks name a module's class with its module (`_queue.Empty`).
                c.qualname = format!("{module}.{}", e.name());
            }
            exc.push(class);
        }
        Types { base, exc }
    })
}

/// The class of a built-in type.
pub fn base_class(t: BaseType) -> Arc<Class> {
    let ts = types();
    let i = BASE_TYPES.iter().position(|b| *b == t).unwrap_or(0);
    ts.base[i].clone()
}

/// The class of a built-in exception.
pub fn exc_class(e: ExcType) -> Arc<Class> {
    types().exc[e as usize].clone()
}

/// The built-in exception class named `name`.
pub fn exc_by_name(name: &str) -> Option<ExcType> {
    ExcType::ALL
        .iter()
        .copied()
        .find(|e| e.module().is_none() && e.name() == name)
}
