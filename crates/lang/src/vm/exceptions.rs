//! Raising exceptions from Rust, and CPython's traceback text.

use std::sync::Arc;

use super::heap::OutOfMemory;
use super::interp::Interp;
use super::types::{exc_class, ExcType};
use super::value::{lock, Class, Instance, PyStr, Tuple, Value};
use crate::num::{ExcKind, PyError};

/// Why the loop stopped instead of returning a value.
pub enum Flow {
    /// A Python exception (an instance of an exception class).
    Exc(Arc<Instance>),
    /// The run was stopped (step budget); cannot be caught.
    Stop(String),
    /// A stepped run on one thread: this thread gave its turn back at the start of an
    /// instruction it can make again, and unwinds to its scheduler with its frames kept
    /// (see `vm::green`). Never seen by Python code.
    Yield,
}

/// Results of operations that can raise.
pub type PResult<T> = Result<T, Flow>;

/// A string value that never fails (falls back to an uncharged string).
pub fn str_lossy(s: impl Into<String>) -> Value {
    let s: String = s.into();
    match PyStr::new(s.clone()) {
        Ok(p) => Value::Str(Arc::new(p)),
        Err(_) => Value::Str(Arc::new(PyStr::constant(&s))),
    }
}

/// A new instance of an exception class with these args (never fails: out of memory, the
/// exception itself is not charged).
pub fn make_exc(class: Arc<Class>, args: Vec<Value>) -> Arc<Instance> {
    let inst = match Instance::new(class.clone()) {
        Ok(i) => i,
        Err(_) => Instance::uncharged(class),
    };
    if let Some(e) = &inst.exc {
        lock(e).args = Value::Tuple(Arc::new(Tuple::constant(args)));
    }
    Arc::new(inst)
}

/// A built-in exception with a message.
pub fn new_exc(t: ExcType, msg: impl Into<String>) -> Flow {
    Flow::Exc(make_exc(exc_class(t), vec![str_lossy(msg)]))
}

/// A built-in exception with these args.
pub fn new_exc_args(t: ExcType, args: Vec<Value>) -> Flow {
    Flow::Exc(make_exc(exc_class(t), args))
}

/// `TypeError(msg)`.
pub fn type_error(msg: impl Into<String>) -> Flow {
    new_exc(ExcType::TypeError, msg)
}

/// `ValueError(msg)`.
pub fn value_error(msg: impl Into<String>) -> Flow {
    new_exc(ExcType::ValueError, msg)
}

impl From<OutOfMemory> for Flow {
    fn from(_: OutOfMemory) -> Flow {
        new_exc_args(ExcType::MemoryError, Vec::new())
    }
}

impl From<PyError> for Flow {
    fn from(e: PyError) -> Flow {
        let t = match e.kind {
            ExcKind::ValueError => ExcType::ValueError,
            ExcKind::TypeError => ExcType::TypeError,
            ExcKind::OverflowError => ExcType::OverflowError,
            ExcKind::ZeroDivisionError => ExcType::ZeroDivisionError,
            ExcKind::IndexError => ExcType::IndexError,
            ExcKind::KeyError => ExcType::KeyError,
            #[allow(unreachable_patterns)]
            _ => exc_type_by_kind_name(e.kind.name()),
        };
        new_exc(t, e.message)
    }
}

fn exc_type_by_kind_name(name: &str) -> ExcType {
    super::types::exc_by_name(name).unwrap_or(ExcType::ValueError)
}

/// The class name as CPython prints it in a traceback (module prefix only outside
/// `__main__` and `builtins`, so never here).
pub fn exc_type_name(inst: &Instance) -> String {
    inst.class.qualname.clone()
}

impl Interp {
    /// `str(exc)` for an exception instance (calls a user `__str__`).
    pub fn exc_str(&mut self, inst: &Arc<Instance>) -> String {
        match self.to_str(&Value::Instance(inst.clone())) {
            Ok(s) => s,
            Err(_) => "<exception str() failed>".to_string(),
        }
    }

    fn format_one(&mut self, inst: &Arc<Instance>, out: &mut String) {
        let tb = match &inst.exc {
            Some(e) => lock(e).tb.clone(),
            None => Vec::new(),
        };
        if !tb.is_empty() {
            out.push_str("Traceback (most recent call last):\n");
            // CPython prints at most 1000 entries (the newest) and folds runs of the same
            // line after three.
            let entries: Vec<&super::value::TbEntry> = tb.iter().rev().collect();
            let skip = entries.len().saturating_sub(1000);
            let mut last: Option<(usize, u32)> = None;
            let mut cnt = 0usize;
            let repeated = |out: &mut String, cnt: usize| {
                if cnt > 3 {
                    let n = cnt - 3;
                    out.push_str(&format!(
                        "  [Previous line repeated {} more time{}]\n",
                        n,
                        if n > 1 { "s" } else { "" }
                    ));
                }
            };
            for entry in entries.into_iter().skip(skip) {
                let key = (Arc::as_ptr(&entry.code) as usize, entry.line);
                if last != Some(key) {
                    repeated(out, cnt);
                    last = Some(key);
                    cnt = 0;
                }
                cnt += 1;
                if cnt > 3 {
                    continue;
                }
                let name = entry.code.name.as_str().to_string();
                out.push_str(&format!(
                    "  File \"{}\", line {}, in {}\n",
                    self.module.filename, entry.line, name
                ));
                if let Some(text) = self
                    .module
                    .source
                    .lines()
                    .nth((entry.line as usize).wrapping_sub(1))
                {
                    let t = text.trim();
                    if !t.is_empty() {
                        out.push_str("    ");
                        out.push_str(t);
                        out.push('\n');
                    }
                }
            }
            repeated(out, cnt);
        }
        let tname = exc_type_name(inst);
        let msg = self.exc_str(inst);
        let suggestion = self.suggestion_for(inst);
        if msg.is_empty() {
            out.push_str(&tname);
        } else {
            out.push_str(&tname);
            out.push_str(": ");
            out.push_str(&msg);
        }
        if let Some(s) = suggestion {
            out.push_str(&format!(". Did you mean: '{s}'?"));
        }
        out.push('\n');
    }

    /// CPython's text for an uncaught exception, chained exceptions included.
    pub fn format_traceback(&mut self, inst: &Arc<Instance>) -> String {
        let mut chain: Vec<(Arc<Instance>, u8)> = Vec::new();
        let mut cur = Some(inst.clone());
        let mut how = 0u8;
        while let Some(e) = cur {
            if chain.iter().any(|(c, _)| Arc::ptr_eq(c, &e)) || chain.len() > 32 {
                break;
            }
            chain.push((e.clone(), how));
            let (cause, context, suppress) = match &e.exc {
                Some(d) => {
                    let d = lock(d);
                    (d.cause.clone(), d.context.clone(), d.suppress_context)
                }
                None => (None, None, false),
            };
            cur = None;
            if let Some(Value::Instance(c)) = cause {
                cur = Some(c);
                how = 1;
            } else if !suppress {
                if let Some(Value::Instance(c)) = context {
                    cur = Some(c);
                    how = 2;
                }
            }
        }
        let mut out = String::new();
        for i in (0..chain.len()).rev() {
            let (e, _) = chain[i].clone();
            self.format_one(&e, &mut out);
            if i > 0 {
                let link = chain[i - 1].1;
                if link == 1 {
                    out.push_str("\nThe above exception was the direct cause of the following exception:\n\n");
                } else {
                    out.push_str(
                        "\nDuring handling of the above exception, another exception occurred:\n\n",
                    );
                }
            }
        }
        out
    }
}

const MOVE_COST: usize = 2;
const CASE_COST: usize = 1;
const MAX_STRING_SIZE: usize = 40;

fn substitution_cost(a: u8, b: u8) -> usize {
    if (a & 31) != (b & 31) {
        return MOVE_COST;
    }
    if a == b {
        return 0;
    }
    if a.eq_ignore_ascii_case(&b) {
        CASE_COST
    } else {
        MOVE_COST
    }
}

/// CPython's `levenshtein_distance` (suggestions.c).
fn levenshtein(a: &[u8], b: &[u8], max_cost: usize) -> usize {
    let (mut a, mut b) = (a, b);
    while !a.is_empty() && !b.is_empty() && a[0] == b[0] {
        a = &a[1..];
        b = &b[1..];
    }
    while !a.is_empty() && !b.is_empty() && a[a.len() - 1] == b[b.len() - 1] {
        a = &a[..a.len() - 1];
        b = &b[..b.len() - 1];
    }
    if a.is_empty() || b.is_empty() {
        return (a.len() + b.len()) * MOVE_COST;
    }
    if a.len() > MAX_STRING_SIZE || b.len() > MAX_STRING_SIZE {
        return max_cost + 1;
    }
    if b.len() < a.len() {
        std::mem::swap(&mut a, &mut b);
    }
    if (b.len() - a.len()) * MOVE_COST > max_cost {
        return max_cost + 1;
    }
    let mut buffer: Vec<usize> = (1..=a.len()).map(|i| i * MOVE_COST).collect();
    let mut result = 0;
    for (b_index, &code) in b.iter().enumerate() {
        let mut distance = b_index * MOVE_COST;
        result = distance;
        let mut minimum = usize::MAX;
        for (index, &ac) in a.iter().enumerate() {
            let substitute = distance + substitution_cost(code, ac);
            distance = buffer[index];
            let insert_delete = result.min(distance) + MOVE_COST;
            result = insert_delete.min(substitute);
            buffer[index] = result;
            if result < minimum {
                minimum = result;
            }
        }
        if minimum > max_cost {
            return max_cost + 1;
        }
    }
    result
}

/// CPython's `calculate_suggestions`.
pub fn best_suggestion(candidates: &[String], name: &str) -> Option<String> {
    if candidates.len() >= 750 {
        return None;
    }
    let mut best: Option<&String> = None;
    let mut best_distance = usize::MAX;
    for item in candidates {
        if item == name {
            continue;
        }
        let max_distance = (name.len() + item.len() + 3) * MOVE_COST / 6;
        let max_distance = max_distance.min(best_distance.saturating_sub(1));
        let d = levenshtein(name.as_bytes(), item.as_bytes(), max_distance);
        if d > max_distance {
            continue;
        }
        if best.is_none() || d < best_distance {
            best = Some(item);
            best_distance = d;
        }
    }
    best.cloned()
}

/// The attributes `dir(object())` lists (for suggestions).
const OBJECT_DIR: &[&str] = &[
    "__class__",
    "__delattr__",
    "__dir__",
    "__doc__",
    "__eq__",
    "__format__",
    "__ge__",
    "__getattribute__",
    "__getstate__",
    "__gt__",
    "__hash__",
    "__init__",
    "__init_subclass__",
    "__le__",
    "__lt__",
    "__ne__",
    "__new__",
    "__reduce__",
    "__reduce_ex__",
    "__repr__",
    "__setattr__",
    "__sizeof__",
    "__str__",
    "__subclasshook__",
];

impl Interp {
    /// The "Did you mean" of CPython's traceback for `AttributeError` and `NameError`.
    pub fn suggestion_for(&mut self, inst: &Arc<Instance>) -> Option<String> {
        let is = |t: ExcType| inst.class.is_subclass(&exc_class(t));
        let name_key = self.module.interner.known(super::names::Wk::name);
        let name = match inst.get_attr(&name_key) {
            Some(Value::Str(s)) => s.as_str().to_string(),
            _ => return None,
        };
        if is(ExcType::AttributeError) {
            let obj = inst.get_attr(&self.module.interner.intern("obj"))?;
            let mut cands: Vec<String> = Vec::new();
            match &obj {
                Value::Instance(o) => {
                    for (k, _) in lock(&o.attrs).iter() {
                        cands.push(k.as_str().to_string());
                    }
                    let mut c = Some(o.class.clone());
                    while let Some(cls) = c {
                        for (k, _) in super::value::read(&cls.attrs).iter() {
                            cands.push(k.as_str().to_string());
                        }
                        c = cls.base.clone();
                    }
                    cands.extend(OBJECT_DIR.iter().map(|s| s.to_string()));
                    if o.class.is_exception {
                        cands.extend(
                            [
                                "args",
                                "with_traceback",
                                "add_note",
                                "__cause__",
                                "__context__",
                                "__suppress_context__",
                                "__traceback__",
                            ]
                            .iter()
                            .map(|s| s.to_string()),
                        );
                    }
                    cands.push("__dict__".into());
                    cands.push("__module__".into());
                    cands.push("__weakref__".into());
                }
                Value::Module(m) => {
                    for n in super::modules::module_member_names(m.kind) {
                        cands.push(n.to_string());
                    }
                }
                other => {
                    let t = other.base_type();
                    for wk in super::methods::all_methods(t) {
                        cands.push(wk.to_string());
                    }
                }
            }
            cands.sort();
            cands.dedup();
            return best_suggestion(&cands, &name);
        }
        if is(ExcType::NameError) {
            let mut cands: Vec<String> = Vec::new();
            let tb_code = inst
                .exc
                .as_ref()
                .and_then(|e| lock(e).tb.first().map(|t| t.code.clone()));
            if let Some(code) = tb_code {
                if code.kind != crate::bytecode::CodeKind::Module {
                    cands.extend(code.varnames.iter().map(|n| n.as_str().to_string()));
                    if let Some(s) = best_suggestion(&cands, &name) {
                        return Some(s);
                    }
                    cands.clear();
                }
            }
            for (i, n) in self.module.globals.iter().enumerate() {
                if !self.globals.load(i).is_null() {
                    cands.push(n.as_str().to_string());
                }
            }
            if let Some(s) = best_suggestion(&cands, &name) {
                return Some(s);
            }
            let builtins = super::builtins::all_builtin_names();
            return best_suggestion(&builtins, &name);
        }
        None
    }
}
