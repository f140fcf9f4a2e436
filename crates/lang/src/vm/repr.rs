//! `repr()`, `str()`, `format()`, f-string fields and `%`-formatting.

use std::sync::Arc;

use super::exceptions::{new_exc, type_error, Flow, PResult};
use super::interp::Interp;
use super::names::Wk;
use super::types::ExcType;
use super::value::{lock, Deco, IterState, NativeObj, Value, ViewKind};
use crate::format::{self, FormatSpec, FormatValue, PercentArg, PercentArgs, SpecKind};
use crate::num::{self, PyError};

const MAX_REPR_DEPTH: u32 = 200;

/// Appends the decimal digits of `i` (no formatting machinery).
pub(crate) fn push_int(out: &mut String, i: i64) {
    let mut buf = [0u8; 20];
    let mut n = i.unsigned_abs();
    let mut pos = buf.len();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    for &b in &buf[pos..] {
        out.push(b as char);
    }
}

fn addr(v: &Value) -> String {
    format!("0x{:012x}", v.id())
}

impl Interp {
    /// `repr(v)`.
    pub fn repr(&mut self, v: &Value) -> PResult<String> {
        let mut out = String::new();
        self.repr_into(v, &mut out)?;
        Ok(out)
    }

    /// `str(v)`.
    pub fn to_str(&mut self, v: &Value) -> PResult<String> {
        match v {
            Value::Str(s) => Ok(s.as_str().to_string()),
            Value::Int(i) => {
                let mut out = String::with_capacity(20);
                push_int(&mut out, *i);
                Ok(out)
            }
            Value::Instance(inst) => {
                if let Some(f) = inst.class.lookup_wk(Wk::__str__) {
                    let r = self.call_value(&f, vec![v.clone()], Vec::new())?;
                    return match r {
                        Value::Str(s) => Ok(s.as_str().to_string()),
                        other => Err(type_error(format!(
                            "__str__ returned non-string (type {})",
                            other.type_name()
                        ))),
                    };
                }
                if inst.class.lookup_wk(Wk::__repr__).is_some() {
                    return self.repr(v);
                }
                if inst.exc.is_some() {
                    let args = inst.exc_args();
                    return match args.len() {
                        0 => Ok(String::new()),
                        1 => {
                            if inst
                                .class
                                .is_subclass(&super::types::exc_class(ExcType::KeyError))
                            {
                                self.repr(&args[0])
                            } else {
                                self.to_str(&args[0])
                            }
                        }
                        _ => self.repr(&Value::tuple(args)?),
                    };
                }
                self.repr(v)
            }
            Value::Native(n) => match &**n {
                NativeObj::Datetime(us) => Ok(super::modules::datetime_str(*us)),
                NativeObj::Timedelta(us) => Ok(super::modules::timedelta_str(*us)),
                _ => self.repr(v),
            },
            _ => self.repr(v),
        }
    }

    fn enter_repr(&mut self) -> PResult<()> {
        self.check_stack("maximum recursion depth exceeded while getting the repr of an object")?;
        if self.repr_depth >= MAX_REPR_DEPTH {
            return Err(new_exc(
                ExcType::RecursionError,
                "maximum recursion depth exceeded while getting the repr of an object",
            ));
        }
        self.repr_depth += 1;
        Ok(())
    }

    fn repr_seq(
        &mut self,
        items: &[Value],
        open: &str,
        close: &str,
        out: &mut String,
    ) -> PResult<()> {
        out.push_str(open);
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.repr_into(x, out)?;
        }
        out.push_str(close);
        Ok(())
    }

    /// Appends `repr(v)`.
    pub fn repr_into(&mut self, v: &Value, out: &mut String) -> PResult<()> {
        match v {
            Value::Null => out.push_str("<NULL>"),
            Value::None => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => push_int(out, *i),
            Value::Float(f) => out.push_str(&num::float_repr(*f)),
            Value::Str(s) => out.push_str(&num::str_repr(s.as_str())),
            Value::List(l) => {
                let id = v.id();
                if self.repr_active.contains(&id) {
                    out.push_str("[...]");
                    return Ok(());
                }
                let items = l.snapshot();
                self.enter_repr()?;
                self.repr_active.push(id);
                let r = self.repr_seq(&items, "[", "]", out);
                self.repr_active.pop();
                self.repr_depth -= 1;
                r?;
            }
            Value::Tuple(t) => {
                let items = t.items.clone();
                self.enter_repr()?;
                let r = if items.len() == 1 {
                    out.push('(');
                    let r = self.repr_into(&items[0], out);
                    out.push_str(",)");
                    r
                } else {
                    self.repr_seq(&items, "(", ")", out)
                };
                self.repr_depth -= 1;
                r?;
            }
            Value::Dict(d) => {
                let id = v.id();
                if self.repr_active.contains(&id) {
                    out.push_str("{...}");
                    return Ok(());
                }
                let entries = d.snapshot();
                self.enter_repr()?;
                self.repr_active.push(id);
                let mut r = Ok(());
                out.push('{');
                for (i, e) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    r = self.repr_into(&e.key, out);
                    if r.is_err() {
                        break;
                    }
                    out.push_str(": ");
                    r = self.repr_into(&e.value, out);
                    if r.is_err() {
                        break;
                    }
                }
                out.push('}');
                self.repr_active.pop();
                self.repr_depth -= 1;
                r?;
            }
            Value::Set(s) => {
                let items = s.lock().keys();
                if items.is_empty() {
                    out.push_str(if s.frozen { "frozenset()" } else { "set()" });
                    return Ok(());
                }
                self.enter_repr()?;
                if s.frozen {
                    out.push_str("frozenset(");
                }
                let r = self.repr_seq(&items, "{", "}", out);
                if s.frozen {
                    out.push(')');
                }
                self.repr_depth -= 1;
                r?;
            }
            Value::Range(r) => {
                if r.step == 1 {
                    out.push_str(&format!("range({}, {})", r.start, r.stop));
                } else {
                    out.push_str(&format!("range({}, {}, {})", r.start, r.stop, r.step));
                }
            }
            Value::Slice(s) => {
                out.push_str("slice(");
                self.repr_into(&s.start, out)?;
                out.push_str(", ");
                self.repr_into(&s.stop, out)?;
                out.push_str(", ");
                self.repr_into(&s.step, out)?;
                out.push(')');
            }
            Value::Func(f) => {
                out.push_str(&format!("<function {} at {}>", f.code.qualname, addr(v)))
            }
            Value::Builtin(b) => out.push_str(&format!("<built-in function {}>", b.name())),
            Value::NativeMethod(t, wk) => out.push_str(&format!(
                "<method '{}' of '{}' objects>",
                wk.text(),
                super::value::base_type_name(*t)
            )),
            Value::Method(m) => {
                let fname = match &m.func {
                    Value::Func(f) => f.code.qualname.clone(),
                    Value::NativeMethod(_, wk) => wk.text().to_string(),
                    Value::Builtin(b) => b.name().to_string(),
                    _ => "?".into(),
                };
                match &m.func {
                    Value::Func(_) => {
                        out.push_str(&format!("<bound method {fname} of "));
                        self.enter_repr()?;
                        let r = self.repr_into(&m.this, out);
                        self.repr_depth -= 1;
                        r?;
                        out.push('>');
                    }
                    _ => out.push_str(&format!(
                        "<built-in method {fname} of {} object at {}>",
                        m.this.type_name(),
                        addr(&m.this)
                    )),
                }
            }
            Value::Class(c) => {
                if c.user {
                    out.push_str(&format!("<class '__main__.{}'>", c.qualname));
                } else {
                    out.push_str(&format!("<class '{}'>", c.name.as_str()));
                }
            }
            Value::Instance(inst) => {
                if let Some(f) = inst.class.lookup_wk(Wk::__repr__) {
                    self.enter_repr()?;
                    let r = self.call_value(&f, vec![v.clone()], Vec::new());
                    self.repr_depth -= 1;
                    return match r? {
                        Value::Str(s) => {
                            out.push_str(s.as_str());
                            Ok(())
                        }
                        other => Err(type_error(format!(
                            "__repr__ returned non-string (type {})",
                            other.type_name()
                        ))),
                    };
                }
                if inst.exc.is_some() {
                    let args = inst.exc_args();
                    out.push_str(inst.class.name.as_str());
                    self.enter_repr()?;
                    let r = if args.len() == 1 {
                        out.push('(');
                        let r = self.repr_into(&args[0], out);
                        out.push(')');
                        r
                    } else {
                        self.repr_seq(&args, "(", ")", out)
                    };
                    self.repr_depth -= 1;
                    return r;
                }
                out.push_str(&format!(
                    "<__main__.{} object at {}>",
                    inst.class.qualname,
                    addr(v)
                ));
            }
            Value::Module(m) => out.push_str(&format!("<module '{}' (built-in)>", m.name)),
            Value::Iter(it) => out.push_str(&format!("<{} object at {}>", it.type_name(), addr(v))),
            Value::View(view) => {
                let name = match view.kind {
                    ViewKind::Keys => "dict_keys",
                    ViewKind::Values => "dict_values",
                    ViewKind::Items => "dict_items",
                };
                let items = self.collect(v)?;
                out.push_str(name);
                out.push('(');
                self.enter_repr()?;
                let r = self.repr_seq(&items, "[", "]", out);
                self.repr_depth -= 1;
                r?;
                out.push(')');
            }
            Value::Super(s) => out.push_str(&format!(
                "<super: <class '{}'>, <{} object>>",
                s.class.name.as_str(),
                s.this.type_name()
            )),
            Value::Cell(_) => out.push_str(&format!("<cell at {}>", addr(v))),
            Value::Native(n) => match &**n {
                NativeObj::Datetime(us) => out.push_str(&super::modules::datetime_repr(*us)),
                NativeObj::Timedelta(us) => out.push_str(&super::modules::timedelta_repr(*us)),
                NativeObj::Decorated(Deco::Static, _) => {
                    out.push_str(&format!("<staticmethod object at {}>", addr(v)))
                }
                NativeObj::Decorated(Deco::Class, _) => {
                    out.push_str(&format!("<classmethod object at {}>", addr(v)))
                }
                NativeObj::Property(..) => {
                    out.push_str(&format!("<property object at {}>", addr(v)))
                }
                NativeObj::Thread(t) => out.push_str(&t.repr()),
                other @ (NativeObj::Semaphore(..)
                | NativeObj::Event(_)
                | NativeObj::Condition(_)
                | NativeObj::Barrier(..)
                | NativeObj::Queue(_)
                | NativeObj::Executor(_)
                | NativeObj::Future(_)
                | NativeObj::Invalid) => {
                    out.push_str(&super::sync::sync_repr(other, &addr(v)).unwrap_or_default())
                }
                NativeObj::Lock(l) => {
                    let holder = l.lock.holder();
                    let state = if holder.is_some() {
                        "locked"
                    } else {
                        "unlocked"
                    };
                    out.push_str(&match l.lock.kind() {
                        racelab::sync::LockKind::Plain => {
                            format!("<{state} _thread.lock object at {}>", addr(v))
                        }
                        racelab::sync::LockKind::Reentrant => {
                            let (owner, count) = holder.unwrap_or((0, 0));
                            format!(
                                "<{state} _thread.RLock object owner={owner} count={count} at {}>",
                                addr(v)
                            )
                        }
                    })
                }
            },
        }
        Ok(())
    }

    /// `format(v, spec)`.
    pub fn format_with_spec(&mut self, v: &Value, spec: &str) -> PResult<String> {
        let r: Result<String, PyError> = match v {
            Value::Int(i) => format::format_value(FormatValue::Int(*i), spec),
            Value::Bool(b) => format::format_value(FormatValue::Bool(*b), spec),
            Value::Float(f) => format::format_value(FormatValue::Float(*f), spec),
            Value::Str(s) => format::format_value(FormatValue::Str(s.as_str()), spec),
            Value::Instance(inst) => {
                if let Some(f) = inst.class.lookup_wk(Wk::__format__) {
                    let spec_v = super::exceptions::str_lossy(spec);
                    let r = self.call_value(&f, vec![v.clone(), spec_v], Vec::new())?;
                    return match r {
                        Value::Str(s) => Ok(s.as_str().to_string()),
                        other => Err(type_error(format!(
                            "__format__ must return a str, not {}",
                            other.type_name()
                        ))),
                    };
                }
                if spec.is_empty() {
                    return self.to_str(v);
                }
                return Err(type_error(format!(
                    "unsupported format string passed to {}.__format__",
                    v.type_name()
                )));
            }
            Value::Native(n) => match &**n {
                NativeObj::Datetime(us) if !spec.is_empty() => {
                    return Ok(super::modules::strftime(*us, spec));
                }
                _ => {
                    if spec.is_empty() {
                        return self.to_str(v);
                    }
                    return Err(type_error(format!(
                        "unsupported format string passed to {}.__format__",
                        v.type_name()
                    )));
                }
            },
            _ => {
                if spec.is_empty() {
                    return self.to_str(v);
                }
                return Err(type_error(format!(
                    "unsupported format string passed to {}.__format__",
                    v.type_name()
                )));
            }
        };
        r.map_err(Flow::from)
    }

    /// The f-string field instruction: conversion (0 none, 1 `!s`, 2 `!r`, 3 `!a`), then
    /// `format` with the spec.
    pub(crate) fn format_value_op(
        &mut self,
        v: Value,
        conv: u32,
        spec: Option<Value>,
    ) -> PResult<Value> {
        let spec_str = match &spec {
            Some(Value::Str(s)) => s.as_str().to_string(),
            _ => String::new(),
        };
        let v = match conv {
            1 => Value::str(self.to_str(&v)?)?,
            2 => Value::str(self.repr(&v)?)?,
            3 => Value::str(num::ascii_escape(&self.repr(&v)?))?,
            _ => v,
        };
        if spec_str.is_empty() {
            match &v {
                Value::Str(_) => return Ok(v),
                Value::Instance(i) if i.class.lookup_wk(Wk::__format__).is_some() => {}
                _ => return Ok(Value::str(self.to_str(&v)?)?),
            }
        }
        Ok(Value::str(self.format_with_spec(&v, &spec_str)?)?)
    }

    /// `template % args`.
    pub(crate) fn percent_format(&mut self, template: &str, args: &Value) -> PResult<Value> {
        let needs_map = template.contains("%(");
        let out = match args {
            Value::Tuple(t) => {
                let items: Vec<PArg> = t
                    .items
                    .iter()
                    .map(|x| self.parg(x, false))
                    .collect::<PResult<_>>()?;
                format::percent_format(template, PercentArgs::Tuple(&items))
            }
            other => {
                let a = self.parg(other, needs_map)?;
                format::percent_format(template, PercentArgs::Single(&a))
            }
        };
        Ok(Value::str(out.map_err(Flow::from)?)?)
    }

    fn parg(&mut self, v: &Value, with_map: bool) -> PResult<PArg> {
        let (s, r) = match v {
            Value::Int(_) | Value::Bool(_) | Value::Float(_) | Value::None => {
                let r = self.repr(v)?;
                (r.clone(), r)
            }
            Value::Str(x) => (x.as_str().to_string(), num::str_repr(x.as_str())),
            _ => (self.to_str(v)?, self.repr(v)?),
        };
        let mut map = None;
        if with_map {
            if let Value::Dict(d) = v {
                let mut m = Vec::new();
                for e in d.snapshot() {
                    if let Value::Str(k) = &e.key {
                        let pa = self.parg(&e.value, false)?;
                        m.push((k.as_str().to_string(), pa));
                    }
                }
                map = Some(m);
            }
        }
        let is_mapping = matches!(v, Value::Dict(_) | Value::List(_))
            || matches!(v, Value::Instance(i) if i.class.lookup_wk(Wk::__getitem__).is_some());
        Ok(PArg {
            v: v.clone(),
            s,
            r,
            tn: v.type_name(),
            map,
            is_mapping,
        })
    }

    /// `next()` on a `Values` iterator wrapping a Python iterator object.
    pub(crate) fn is_py_iter(state: &IterState) -> bool {
        matches!(state, IterState::Values(_, usize::MAX))
    }
}

/// A value as `%`-formatting sees it (its `str` and `repr` computed up front).
#[derive(Clone)]
struct PArg {
    v: Value,
    s: String,
    r: String,
    tn: String,
    map: Option<Vec<(String, PArg)>>,
    is_mapping: bool,
}

impl PercentArg for PArg {
    fn as_int(&self) -> Option<i64> {
        match self.v {
            Value::Int(i) => Some(i),
            Value::Bool(b) => Some(b as i64),
            _ => None,
        }
    }
    fn as_float(&self) -> Option<f64> {
        match self.v {
            Value::Float(f) => Some(f),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<&str> {
        match &self.v {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }
    fn to_str(&self) -> String {
        self.s.clone()
    }
    fn to_repr(&self) -> String {
        self.r.clone()
    }
    fn type_name(&self) -> &str {
        &self.tn
    }
    fn is_mapping(&self) -> bool {
        self.is_mapping
    }
    fn get_item(&self, key: &str) -> Result<Self, PyError> {
        match &self.map {
            Some(m) => match m.iter().find(|(k, _)| k == key) {
                Some((_, v)) => Ok(v.clone()),
                None => Err(PyError::new(crate::num::ExcKind::KeyError, key)),
            },
            None => match &self.v {
                Value::List(_) => Err(PyError::type_error(
                    "list indices must be integers or slices, not str",
                )),
                _ => Err(PyError::type_error("format requires a mapping")),
            },
        }
    }
}

/// Keeps `lock` in scope for readers of this module.
#[allow(dead_code)]
fn _unused(v: &Arc<super::value::IterObj>) -> bool {
    Interp::is_py_iter(&lock(&v.state))
}

/// Parses a spec for `format()` calls made by built-ins.
#[allow(dead_code)]
pub(crate) fn parse_spec(spec: &str, kind: SpecKind) -> PResult<FormatSpec> {
    FormatSpec::parse(spec, kind).map_err(Flow::from)
}
