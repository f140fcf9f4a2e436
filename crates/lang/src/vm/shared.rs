//! The seam for shared operations.
//!
//! In racelab's threads, every read and write of a **global**, an **attribute** or a
//! **list/dict element** is one shared operation, which a scheduler may interleave with
//! other threads (`x += 1` is a load and a store with a gap). All of them go through the
//! methods of this module, and only them:
//!
//! | operation                      | method                                   |
//! |--------------------------------|------------------------------------------|
//! | read / write / delete a global | [`Interp::load_global`], [`Interp::store_global`], [`Interp::delete_global`] |
//! | read / write / delete attribute| [`Interp::get_attr`], [`Interp::set_attr`], [`Interp::del_attr`] |
//! | read / write / delete element  | [`Interp::get_item`], [`Interp::set_item`], [`Interp::del_item`] |
//!
//! Each of them first calls [`Interp::before_shared`] with a [`SharedOp`]. In a real run
//! that hook does nothing; in a stepped run the thread takes its turn there (it blocks
//! until the scheduler picks it). The instruction that performs the operation saves the
//! frame's `pc` before calling in, so the step is reported at the operation's line.
//!
//! Built-in container methods (`list.append`, `dict.pop`...) are each one atomic
//! operation, as in CPython: they lock the container once.
//!
//! A method call's lookup (`obj.name(...)`) is a read of an attribute too:
//! `Interp::load_method_cached` (a per-thread cache of methods found on instances'
//! classes) calls the hook before reading.

use std::sync::{Arc, Mutex};

use super::exceptions::{new_exc, new_exc_args, type_error, Flow, PResult};
use super::interp::Interp;
use super::names::Wk;
use super::stepview::{key_suffix, owner_of};
use super::types::ExcType;
use super::value::{lock, name_eq, BaseType, ClassKind, NativeObj, PyStr, Value};

/// The shared operation about to happen (a stepped run's step says what it is; a trace
/// records where, and what a write writes).
#[derive(Clone, Copy)]
pub enum SharedOp<'a> {
    /// Read of global slot `n`.
    LoadGlobal(usize),
    /// Write of global slot `n` (`None`: `del`).
    StoreGlobal(usize, Option<&'a Value>),
    /// Read of an attribute of an object.
    GetAttr(&'a Value, &'a Arc<PyStr>),
    /// Write of an attribute (`None`: `del`).
    SetAttr(&'a Value, &'a Arc<PyStr>, Option<&'a Value>),
    /// Read of an element: the container and the key.
    GetItem(&'a Value, &'a Value),
    /// Write of an element (`None`: `del`).
    SetItem(&'a Value, &'a Value, Option<&'a Value>),
}

/// The module's globals: one slot per name, resolved at compile time.
pub struct Globals {
    slots: Vec<Mutex<Value>>,
}

impl Globals {
    /// `n` unbound globals.
    pub fn new(n: usize) -> Globals {
        Globals {
            slots: (0..n).map(|_| Mutex::new(Value::Null)).collect(),
        }
    }

    /// The value in slot `i` (`Null` when unbound).
    #[inline]
    pub fn load(&self, i: usize) -> Value {
        match self.slots.get(i) {
            Some(m) => lock(m).clone(),
            None => Value::Null,
        }
    }

    /// Sets slot `i`.
    #[inline]
    pub fn store(&self, i: usize, v: Value) {
        self.store_then(i, v, || ());
    }

    /// Sets slot `i`, doing `then` while no other thread can touch it.
    #[inline]
    pub fn store_then(&self, i: usize, v: Value, then: impl FnOnce()) {
        if let Some(m) = self.slots.get(i) {
            let mut slot = lock(m);
            then();
            let old = std::mem::replace(&mut *slot, v);
            drop(slot);
            drop(old);
        }
    }

    /// The value in slot `i`, given to `then` while no other thread can change it.
    pub fn load_then(&self, i: usize, then: impl FnOnce(&Value)) -> Value {
        match self.slots.get(i) {
            Some(m) => {
                let slot = lock(m);
                then(&slot);
                slot.clone()
            }
            None => Value::Null,
        }
    }

    /// Unbinds slot `i`, returning the old value.
    pub fn take(&self, i: usize) -> Value {
        match self.slots.get(i) {
            Some(m) => std::mem::take(&mut *lock(m)),
            None => Value::Null,
        }
    }
}

/// Where a thread finds the module's globals: a plain vector while the program has one
/// thread (no lock on the hot path), [`Globals`] behind an `Arc` once threads share them
/// ([`Interp::share_globals`], when the first thread starts).
pub enum GlobalStore {
    /// Only this thread runs: plain slots.
    Local(Vec<Value>),
    /// Shared with other threads: one mutex per slot.
    Shared(Arc<Globals>),
}

impl GlobalStore {
    /// The value in slot `i` (`Null` when unbound).
    #[inline]
    pub fn load(&self, i: usize) -> Value {
        match self {
            GlobalStore::Local(v) => v.get(i).cloned().unwrap_or_default(),
            GlobalStore::Shared(g) => g.load(i),
        }
    }

    /// The value in slot `i`, given to `then` where no other thread can change it.
    pub fn load_then(&self, i: usize, then: impl FnOnce(&Value)) -> Value {
        match self {
            GlobalStore::Local(v) => {
                let v = v.get(i).cloned().unwrap_or_default();
                then(&v);
                v
            }
            GlobalStore::Shared(g) => g.load_then(i, then),
        }
    }

    /// Sets slot `i`, doing `then` where no other thread can touch it.
    pub fn store_then(&mut self, i: usize, value: Value, then: impl FnOnce()) {
        match self {
            GlobalStore::Local(_) => {
                then();
                self.store(i, value);
            }
            GlobalStore::Shared(g) => g.store_then(i, value, then),
        }
    }

    /// Sets slot `i`.
    #[inline]
    pub fn store(&mut self, i: usize, value: Value) {
        match self {
            GlobalStore::Local(v) => {
                if let Some(slot) = v.get_mut(i) {
                    let old = std::mem::replace(slot, value);
                    drop(old);
                }
            }
            GlobalStore::Shared(g) => g.store(i, value),
        }
    }

    /// Unbinds slot `i`, returning the old value.
    pub fn take(&mut self, i: usize) -> Value {
        match self {
            GlobalStore::Local(v) => v.get_mut(i).map(std::mem::take).unwrap_or_default(),
            GlobalStore::Shared(g) => g.take(i),
        }
    }
}

/// One entry of a thread's method cache: the function `LoadMethod` found on `class` at
/// class epoch `epoch` ([`super::value::class_epoch`]).
#[derive(Default)]
pub struct MethodCache {
    class: Option<Arc<super::value::Class>>,
    epoch: u64,
    func: Option<Arc<super::value::Function>>,
}

fn norm_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let j = if i < 0 { i + len } else { i };
    if j >= 0 && j < len {
        Some(j as usize)
    } else {
        None
    }
}

impl Interp {
    /// Moves the globals into shared storage (for a second thread) and returns it.
    pub fn share_globals(&mut self) -> Arc<Globals> {
        match &mut self.globals {
            GlobalStore::Shared(g) => g.clone(),
            GlobalStore::Local(v) => {
                let g = Arc::new(Globals::new(v.len()));
                for (i, x) in std::mem::take(v).into_iter().enumerate() {
                    g.store(i, x);
                }
                self.globals = GlobalStore::Shared(g.clone());
                g
            }
        }
    }

    /// The hook before a shared operation: in a stepped run, the thread gives the turn
    /// back here and goes on when the scheduler picks it (see `racelab::exec::turns`); in
    /// a traced run, the operation is recorded; otherwise nothing.
    #[inline(always)]
    pub fn before_shared(&mut self, op: SharedOp<'_>) -> PResult<()> {
        if self.hooked {
            return self.shared_hook(op);
        }
        Ok(())
    }

    #[cold]
    fn shared_hook(&mut self, op: SharedOp<'_>) -> PResult<()> {
        if let Some(t) = &self.tracer {
            t.flush_pending();
        }
        if self.stepped {
            if self.turns_to_skip > 0 {
                // Taken (and recorded) before this instruction yielded and started over.
                self.turns_to_skip -= 1;
                self.turns_taken += 1;
                return Ok(());
            }
            if let Err(e) = self.take_turn(op) {
                if let Flow::Yield = e {
                    self.turns_to_skip = self.turns_taken;
                }
                return Err(e);
            }
            if self.yield_ok {
                self.turns_taken += 1;
            }
        }
        if let Some(t) = &self.tracer {
            t.shared(&op, self.current_line());
        }
        Ok(())
    }

    /// After a read through the hook: the value it got, for the trace (if the read was
    /// not numbered where it happened already).
    #[inline(always)]
    pub(crate) fn read_done(&self, v: &PResult<Value>) {
        if self.hooked {
            if let (Some(index), Ok(v)) = (self.step_read.take(), v) {
                lock(&self.shared.step_notes).read(index, v);
            }
            if let (Some(t), Ok(v)) = (&self.tracer, v) {
                t.read_value(v);
            }
        }
    }

    /// After a write through the hook succeeded: numbers it, if it was not numbered where
    /// it happened already.
    #[inline(always)]
    fn write_done(&self, r: PResult<()>) -> PResult<()> {
        if self.hooked && r.is_ok() {
            if let Some(t) = &self.tracer {
                t.write_done();
            }
        }
        r
    }

    /// A stepped run's turn. An attribute's step is named by the attribute (`.balance`:
    /// of whichever object; exploration then knows that different attributes never
    /// conflict); an element's by nothing (it may conflict with any).
    #[cold]
    fn take_turn(&mut self, op: SharedOp<'_>) -> PResult<()> {
        use racelab::exec::StepKind;
        let attr = |name: &Arc<PyStr>| Some(format!(".{}", name.as_str()));
        let (kind, obj) = match op {
            SharedOp::LoadGlobal(i) => (StepKind::Read, Some(self.global_name(i))),
            SharedOp::StoreGlobal(i, _) => (StepKind::Write, Some(self.global_name(i))),
            SharedOp::GetAttr(_, name) => (StepKind::Read, attr(name)),
            SharedOp::SetAttr(_, name, _) => (StepKind::Write, attr(name)),
            SharedOp::GetItem(..) => (StepKind::Read, None),
            SharedOp::SetItem(..) => (StepKind::Write, None),
        };
        let line = Some(self.current_line() as usize);
        let quiet = self.is_quiet(&op);
        let (owner, written) = match op {
            SharedOp::GetAttr(o, name) => (owner_of(o, format!(".{}", name.as_str())), None),
            SharedOp::SetAttr(o, name, v) => (owner_of(o, format!(".{}", name.as_str())), v),
            SharedOp::GetItem(o, key) => (owner_of(o, key_suffix(key)), None),
            SharedOp::SetItem(o, key, v) => (owner_of(o, key_suffix(key)), v),
            SharedOp::LoadGlobal(_) => (None, None),
            SharedOp::StoreGlobal(_, v) => (None, v),
        };
        let written = match written {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        };
        let shared = self.shared.clone();
        lock(&shared.step_notes).waits(self.thread, owner);
        let stepped = shared.control.turns.step(
            self.thread,
            kind,
            obj,
            line,
            quiet,
            &shared.control,
            self.can_yield(),
        );
        if stepped.is_ok() {
            let index = shared.control.turns.taken().saturating_sub(1);
            lock(&shared.step_notes).granted(self.thread, index, written);
            if kind == StepKind::Read {
                self.step_read.set(Some(index));
            }
        }
        self.waited(stepped)
    }

    /// Whether no other thread's operation can conflict with `op`, because nothing can
    /// write what it reads any more: a global bound once and for all, and bound already
    /// (see [`crate::compiler::stable`]), or a method or function of a module, a built-in
    /// type or a built-in object, which no program can change. Such a step is quiet: step
    /// mode and exploration take it without offering a choice.
    fn is_quiet(&self, op: &SharedOp<'_>) -> bool {
        match *op {
            SharedOp::LoadGlobal(i) => {
                self.module.stable_globals.get(i).copied().unwrap_or(false)
                    && !self.globals.load(i).is_null()
            }
            SharedOp::GetAttr(obj, name) => match obj {
                Value::Module(_) => true,
                Value::Class(c) => !c.user,
                Value::Native(n) => {
                    super::modules::native_attr(n, name.wk).is_none()
                        && super::modules::native_has_method(n, name.wk)
                }
                Value::Instance(_)
                | Value::Func(_)
                | Value::Super(_)
                | Value::Method(_)
                | Value::Builtin(_)
                | Value::NativeMethod(..) => false,
                _ => super::methods::has_method(obj.base_type(), name.wk),
            },
            SharedOp::StoreGlobal(..)
            | SharedOp::SetAttr(..)
            | SharedOp::GetItem(..)
            | SharedOp::SetItem(..) => false,
        }
    }

    fn global_name(&self, i: usize) -> String {
        self.module
            .globals
            .get(i)
            .map(|n| n.as_str().to_string())
            .unwrap_or_default()
    }

    /// Reads global slot `i` (falling back to the built-in of that name).
    pub fn load_global(&mut self, i: usize) -> PResult<Value> {
        self.before_shared(SharedOp::LoadGlobal(i))?;
        let v = self.global_value(i);
        self.read_done(&v);
        v
    }

    fn global_value(&mut self, i: usize) -> PResult<Value> {
        let v = match &self.tracer {
            Some(t) => self.globals.load_then(i, |v| t.read_value(v)),
            None => self.globals.load(i),
        };
        if !v.is_null() {
            self.remember_stable(i, &v);
            return Ok(v);
        }
        if let Some(Some(b)) = self.module.global_builtins.get(i) {
            return Ok(super::builtins::builtin_value(*b as usize));
        }
        let name = self.global_name(i);
        Err(self.name_error(name))
    }

    /// Keeps this thread's copy of global `i`, just read bound from the shared slots, if it
    /// is stable (see `Interp::stable_seen`). Not while hooked: a stepped or traced run
    /// sees every read through the hook.
    fn remember_stable(&mut self, i: usize, v: &Value) {
        if self.hooked
            || !matches!(self.globals, GlobalStore::Shared(_))
            || !self.module.stable_globals.get(i).copied().unwrap_or(false)
        {
            return;
        }
        if self.stable_seen.is_empty() {
            self.stable_seen = vec![Value::Null; self.module.globals.len()];
        }
        if let Some(slot) = self.stable_seen.get_mut(i) {
            *slot = v.clone();
        }
    }

    /// A `NameError` for `name`, remembering what a suggestion can use.
    pub(crate) fn name_error(&self, name: String) -> Flow {
        let e = new_exc(ExcType::NameError, format!("name '{name}' is not defined"));
        if let Flow::Exc(inst) = &e {
            inst.set_attr(
                &self.module.interner.known(Wk::name),
                super::exceptions::str_lossy(name),
            );
        }
        e
    }

    /// Writes global slot `i`.
    pub fn store_global(&mut self, i: usize, v: Value) -> PResult<()> {
        self.before_shared(SharedOp::StoreGlobal(i, Some(&v)))?;
        match &self.tracer {
            Some(t) => self.globals.store_then(i, v, || t.write_done()),
            None => self.globals.store(i, v),
        }
        Ok(())
    }

    /// Deletes global slot `i`.
    pub fn delete_global(&mut self, i: usize) -> PResult<()> {
        self.before_shared(SharedOp::StoreGlobal(i, None))?;
        let old = self.globals.take(i);
        if old.is_null() {
            let name = self.global_name(i);
            return Err(self.name_error(name));
        }
        self.write_done(Ok(()))
    }

    fn attr_error(&self, obj: &Value, name: &Arc<PyStr>) -> Flow {
        let msg = match obj {
            Value::Module(m) => format!("module '{}' has no attribute '{}'", m.name, name.as_str()),
            Value::Class(c) => format!(
                "type object '{}' has no attribute '{}'",
                c.name.as_str(),
                name.as_str()
            ),
            _ => format!(
                "'{}' object has no attribute '{}'",
                obj.type_name(),
                name.as_str()
            ),
        };
        let e = new_exc(ExcType::AttributeError, msg);
        if let Flow::Exc(inst) = &e {
            inst.set_attr(
                &self.module.interner.known(Wk::name),
                Value::Str(name.clone()),
            );
            inst.set_attr(&self.module.interner.intern("obj"), obj.clone());
        }
        e
    }

    /// A class attribute seen through an instance (or class): functions bind, static and
    /// class methods unwrap, properties call their getter.
    fn bind_class_attr(&mut self, v: Value, obj: &Value, via_class: bool) -> PResult<Value> {
        match v {
            Value::Func(_) if !via_class => Interp::bind(v, obj.clone()),
            Value::Native(n) => match &*n {
                NativeObj::Decorated(super::value::Deco::Static, f) => Ok(f.clone()),
                NativeObj::Decorated(super::value::Deco::Class, f) => {
                    let cls = match obj {
                        Value::Instance(i) => Value::Class(i.class.clone()),
                        other => other.clone(),
                    };
                    Interp::bind(f.clone(), cls)
                }
                NativeObj::Property(f, _) if !via_class => {
                    self.call_value(f, vec![obj.clone()], Vec::new())
                }
                _ => Ok(Value::Native(n.clone())),
            },
            other => Ok(other),
        }
    }

    /// The method-call pair for `obj.name(...)` at the instruction with cache entry
    /// `cache`: a method of an instance's class comes from the cache while neither the
    /// class epoch nor the instance's class changed and the instance has no attribute of
    /// that name.
    pub(crate) fn load_method_cached(
        &mut self,
        obj: Value,
        name: &Arc<PyStr>,
        cache: usize,
    ) -> PResult<(Value, Value)> {
        if let Value::Instance(inst) = &obj {
            if !inst.may_have(name) {
                self.before_shared(SharedOp::GetAttr(&obj, name))?;
                let epoch = super::value::class_epoch();
                if let Some(MethodCache {
                    class: Some(c),
                    epoch: e,
                    func: Some(f),
                }) = self.method_cache.get(cache)
                {
                    if *e == epoch && Arc::ptr_eq(c, &inst.class) {
                        let method = Ok(Value::Func(f.clone()));
                        self.read_done(&method);
                        return Ok((method?, obj));
                    }
                }
                if let Some(Value::Func(f)) = inst.class.lookup(name) {
                    if self.method_cache.is_empty() {
                        let n = self.module.codes.iter().map(|c| c.ops.len()).sum();
                        self.method_cache.resize_with(n, MethodCache::default);
                    }
                    if let Some(entry) = self.method_cache.get_mut(cache) {
                        *entry = MethodCache {
                            class: Some(inst.class.clone()),
                            epoch,
                            func: Some(f.clone()),
                        };
                    }
                    let method = Ok(Value::Func(f));
                    self.read_done(&method);
                    return Ok((method?, obj));
                }
            }
        }
        self.load_method(obj, name)
    }

    /// `obj.name`.
    #[inline]
    pub fn get_attr(&mut self, obj: &Value, name: &Arc<PyStr>) -> PResult<Value> {
        if self.hooked {
            return self.get_attr_hooked(obj, name);
        }
        // Inline fast path: an attribute of the instance itself.
        if let Value::Instance(inst) = obj {
            if inst.may_have(name) {
                let attrs = lock(&inst.attrs);
                for (k, v) in attrs.iter() {
                    if name_eq(k, name) {
                        return Ok(super::interp::fast_clone(v));
                    }
                }
            }
        }
        self.get_attr_general(obj, name)
    }

    #[cold]
    fn get_attr_hooked(&mut self, obj: &Value, name: &Arc<PyStr>) -> PResult<Value> {
        self.shared_hook(SharedOp::GetAttr(obj, name))?;
        if let (Some(t), Value::Instance(inst)) = (&self.tracer, obj) {
            if let Some(v) = inst.get_attr_then(name, |v| t.read_value(v)) {
                return Ok(v);
            }
        }
        let v = self.get_attr_general(obj, name);
        self.read_done(&v);
        v
    }

    /// `obj.name`, every case (the hook has been called).
    fn get_attr_general(&mut self, obj: &Value, name: &Arc<PyStr>) -> PResult<Value> {
        match obj {
            Value::Instance(inst) => {
                if let Some(v) = inst.get_attr(name) {
                    return Ok(v);
                }
                if let Some(v) = inst.class.lookup(name) {
                    return self.bind_class_attr(v, obj, false);
                }
                match name.wk {
                    Wk::__class__ => return Ok(Value::Class(inst.class.clone())),
                    Wk::__dict__ => {
                        let d = Arc::new(super::dict::Dict::new()?);
                        let attrs = lock(&inst.attrs).clone();
                        for (k, v) in attrs {
                            self.dict_set(&d, Value::Str(k), v)?;
                        }
                        return Ok(Value::Dict(d));
                    }
                    _ => {}
                }
                if let Some(e) = &inst.exc {
                    match name.wk {
                        Wk::args => return Ok(lock(e).args.clone()),
                        Wk::__cause__ => return Ok(lock(e).cause.clone().unwrap_or(Value::None)),
                        Wk::__context__ => {
                            return Ok(lock(e).context.clone().unwrap_or(Value::None))
                        }
                        Wk::__suppress_context__ => {
                            return Ok(Value::Bool(lock(e).suppress_context))
                        }
                        Wk::__traceback__ => return Ok(Value::None),
                        _ => {}
                    }
                }
                if name.wk == Wk::__init__ || name.wk == Wk::__str__ || name.wk == Wk::__repr__ {
                    let b = super::builtins::object_method(name.wk, inst.class.is_exception);
                    if let Some(b) = b {
                        return Interp::bind(Value::Builtin(b), obj.clone());
                    }
                }
                Err(self.attr_error(obj, name))
            }
            Value::Class(c) => {
                if let Some(v) = c.lookup(name) {
                    return self.bind_class_attr(v, obj, true);
                }
                match name.wk {
                    Wk::__name__ => return Ok(Value::Str(c.name.clone())),
                    Wk::__qualname__ => {
                        return Ok(super::exceptions::str_lossy(c.qualname.clone()))
                    }
                    Wk::__module__ => {
                        return Ok(super::exceptions::str_lossy(if c.user {
                            "__main__"
                        } else {
                            "builtins"
                        }))
                    }
                    Wk::__doc__ => return Ok(Value::None),
                    Wk::__base__ => {
                        return Ok(match &c.base {
                            Some(b) => Value::Class(b.clone()),
                            None => Value::None,
                        })
                    }
                    Wk::__bases__ => {
                        let items = match &c.base {
                            Some(b) => vec![Value::Class(b.clone())],
                            None => vec![],
                        };
                        return Ok(Value::tuple(items)?);
                    }
                    Wk::__mro__ => {
                        let mut items = Vec::new();
                        let mut cur = Some(c.clone());
                        while let Some(k) = cur {
                            items.push(Value::Class(k.clone()));
                            cur = k.base.clone();
                        }
                        return Ok(Value::tuple(items)?);
                    }
                    _ => {}
                }
                if let Some(t) = c.builtin_base() {
                    if let ClassKind::Builtin(_) = c.kind {
                        if let Some(b) = super::builtins::class_attr(t, name.wk) {
                            return Ok(b);
                        }
                        if super::methods::has_method(t, name.wk) {
                            return Ok(Value::NativeMethod(t, name.wk));
                        }
                    }
                }
                if name.wk == Wk::__init__ || name.wk == Wk::__str__ || name.wk == Wk::__repr__ {
                    if let Some(b) = super::builtins::object_method(name.wk, c.is_exception) {
                        return Ok(Value::Builtin(b));
                    }
                }
                Err(self.attr_error(obj, name))
            }
            Value::Super(s) => {
                if let Some(v) = self.super_lookup(s, name) {
                    let this = s.this.clone();
                    return self.bind_class_attr(v, &this, false);
                }
                let is_exc = s.class.is_exception;
                if let Some(b) = super::builtins::object_method(name.wk, is_exc) {
                    return Interp::bind(Value::Builtin(b), s.this.clone());
                }
                Err(new_exc(
                    ExcType::AttributeError,
                    format!("'super' object has no attribute '{}'", name.as_str()),
                ))
            }
            Value::Module(m) => match super::modules::module_attr(m.kind, name) {
                Some(v) => Ok(v),
                None => Err(self.attr_error(obj, name)),
            },
            Value::Func(f) => match name.wk {
                Wk::__name__ => Ok(Value::Str(f.code.name.clone())),
                Wk::__qualname__ => Ok(super::exceptions::str_lossy(f.code.qualname.clone())),
                Wk::__module__ => Ok(super::exceptions::str_lossy("__main__")),
                Wk::__doc__ => Ok(Value::None),
                _ => {
                    let found = lock(&f.attrs)
                        .iter()
                        .find(|(k, _)| name_eq(k, name))
                        .map(|(_, v)| v.clone());
                    match found {
                        Some(v) => Ok(v),
                        None => Err(self.attr_error(obj, name)),
                    }
                }
            },
            Value::Method(m) => match name.wk {
                Wk::__self__ => Ok(m.this.clone()),
                Wk::__func__ => Ok(m.func.clone()),
                _ => {
                    let f = m.func.clone();
                    self.get_attr(&f, name)
                }
            },
            Value::Builtin(b) => match name.wk {
                Wk::__name__ => Ok(super::exceptions::str_lossy(b.name())),
                Wk::__qualname__ => Ok(super::exceptions::str_lossy(b.name())),
                _ => Err(self.attr_error(obj, name)),
            },
            Value::NativeMethod(_, wk) => match name.wk {
                Wk::__name__ => Ok(super::exceptions::str_lossy(wk.text())),
                _ => Err(self.attr_error(obj, name)),
            },
            Value::Native(n) => match super::modules::native_attr(n, name.wk) {
                Some(Ok(v)) => Ok(v),
                Some(Err(e)) => Err(e),
                None => {
                    if super::modules::native_has_method(n, name.wk) {
                        return Interp::bind(
                            Value::NativeMethod(BaseType::Native, name.wk),
                            obj.clone(),
                        );
                    }
                    Err(self.attr_error(obj, name))
                }
            },
            _ => {
                let t = obj.base_type();
                if super::methods::has_method(t, name.wk) {
                    return Interp::bind(Value::NativeMethod(t, name.wk), obj.clone());
                }
                if let Some(v) = super::methods::value_attr(obj, name.wk) {
                    return Ok(v);
                }
                if name.wk == Wk::__class__ {
                    return Ok(self.type_of(obj));
                }
                Err(self.attr_error(obj, name))
            }
        }
    }

    /// `obj.name = value`.
    pub fn set_attr(&mut self, obj: &Value, name: &Arc<PyStr>, value: Value) -> PResult<()> {
        self.before_shared(SharedOp::SetAttr(obj, name, Some(&value)))?;
        let r = self.set_attr_hooked(obj, name, value);
        self.write_done(r)
    }

    /// `obj.name = value` once the hook has been called.
    fn set_attr_hooked(&mut self, obj: &Value, name: &Arc<PyStr>, value: Value) -> PResult<()> {
        match obj {
            Value::Instance(inst) => {
                if let Some(e) = &inst.exc {
                    match name.wk {
                        Wk::args => {
                            let items = self.collect(&value)?;
                            lock(e).args = Value::tuple(items)?;
                            return Ok(());
                        }
                        Wk::__cause__ => {
                            let mut d = lock(e);
                            d.cause = if matches!(value, Value::None) {
                                None
                            } else {
                                Some(value)
                            };
                            d.suppress_context = true;
                            return Ok(());
                        }
                        Wk::__context__ => {
                            lock(e).context = if matches!(value, Value::None) {
                                None
                            } else {
                                Some(value)
                            };
                            return Ok(());
                        }
                        Wk::__suppress_context__ => {
                            let t = self.truthy(&value)?;
                            lock(e).suppress_context = t;
                            return Ok(());
                        }
                        _ => {}
                    }
                }
                if let Some(Value::Native(n)) = inst
                    .class
                    .has_properties
                    .then(|| inst.class.lookup(name))
                    .flatten()
                {
                    if let NativeObj::Property(_, setter) = &*n {
                        if let Some(s) = setter {
                            self.call_value(s, vec![obj.clone(), value], Vec::new())?;
                            return Ok(());
                        }
                        return Err(new_exc(
                            ExcType::AttributeError,
                            format!(
                                "property '{}' of '{}' object has no setter",
                                name.as_str(),
                                inst.class.name.as_str()
                            ),
                        ));
                    }
                }
                match &self.tracer {
                    Some(t) => inst.set_attr_then(name, value, || t.write_done()),
                    None => inst.set_attr(name, value),
                }
                Ok(())
            }
            Value::Native(n) if matches!(&**n, NativeObj::Thread(_)) => {
                if let NativeObj::Thread(t) = &**n {
                    if self.set_thread_attr(t, name.wk, &value)? {
                        return Ok(());
                    }
                }
                Err(new_exc(
                    ExcType::AttributeError,
                    format!("'Thread' object has no attribute '{}'", name.as_str()),
                ))
            }
            Value::Class(c) if c.user => {
                let old;
                {
                    let mut attrs = super::value::write(&c.attrs);
                    match attrs.iter_mut().find(|(k, _)| name_eq(k, name)) {
                        Some(slot) => old = Some(std::mem::replace(&mut slot.1, value)),
                        None => {
                            attrs.push((name.clone(), value));
                            old = None;
                        }
                    }
                    super::value::bump_class_epoch();
                }
                drop(old);
                Ok(())
            }
            Value::Func(f) => {
                let old;
                {
                    let mut attrs = lock(&f.attrs);
                    match attrs.iter_mut().find(|(k, _)| name_eq(k, name)) {
                        Some(slot) => old = Some(std::mem::replace(&mut slot.1, value)),
                        None => {
                            attrs.push((name.clone(), value));
                            old = None;
                        }
                    }
                }
                drop(old);
                Ok(())
            }
            Value::Class(c) => Err(type_error(format!(
                "cannot set '{}' attribute of immutable type '{}'",
                name.as_str(),
                c.name.as_str()
            ))),
            _ => Err(self.attr_error(obj, name)),
        }
    }

    /// `del obj.name`.
    pub fn del_attr(&mut self, obj: &Value, name: &Arc<PyStr>) -> PResult<()> {
        self.before_shared(SharedOp::SetAttr(obj, name, None))?;
        let r = self.del_attr_hooked(obj, name);
        self.write_done(r)
    }

    fn del_attr_hooked(&mut self, obj: &Value, name: &Arc<PyStr>) -> PResult<()> {
        match obj {
            Value::Instance(inst) => {
                if inst.del_attr(name) {
                    Ok(())
                } else {
                    Err(self.attr_error(obj, name))
                }
            }
            Value::Class(c) if c.user => {
                let removed;
                {
                    let mut attrs = super::value::write(&c.attrs);
                    match attrs.iter().position(|(k, _)| name_eq(k, name)) {
                        Some(p) => removed = attrs.remove(p),
                        None => {
                            drop(attrs);
                            return Err(self.attr_error(obj, name));
                        }
                    }
                    super::value::bump_class_epoch();
                }
                drop(removed);
                Ok(())
            }
            _ => Err(self.attr_error(obj, name)),
        }
    }

    /// An index as an `i64` (ints, bools), or the `TypeError` for `what`.
    fn index_of(&self, key: &Value, what: &str) -> PResult<Option<i64>> {
        match key {
            Value::Int(i) => Ok(Some(*i)),
            Value::Bool(b) => Ok(Some(*b as i64)),
            Value::Slice(_) => Ok(None),
            _ => Err(type_error(format!(
                "{what} indices must be integers or slices, not {}",
                key.type_name()
            ))),
        }
    }

    /// `obj[key]`.
    #[inline]
    pub fn get_item(&mut self, obj: &Value, key: &Value) -> PResult<Value> {
        if self.hooked {
            return self.get_item_hooked(obj, key);
        }
        // Inline fast paths: an element of a list or tuple at an int index in range, a
        // dict value under a str or int key that is there.
        match (obj, key) {
            (Value::List(l), Value::Int(i)) => {
                let g = l.lock();
                if let Some(j) = norm_index(*i, g.items.len()) {
                    return Ok(super::interp::fast_clone(&g.items[j]));
                }
            }
            (Value::Tuple(t), Value::Int(i)) => {
                if let Some(j) = norm_index(*i, t.items.len()) {
                    return Ok(super::interp::fast_clone(&t.items[j]));
                }
            }
            (Value::Dict(d), Value::Str(s)) => {
                let h = super::dict::hash_str(s.as_str());
                if let Some(v) = d.lock().get(h, key) {
                    return Ok(super::interp::fast_clone(v));
                }
            }
            (Value::Dict(d), Value::Int(i)) => {
                let h = super::dict::hash_int(*i);
                if let Some(v) = d.lock().get(h, key) {
                    return Ok(super::interp::fast_clone(v));
                }
            }
            _ => {}
        }
        self.get_item_general(obj, key)
    }

    #[cold]
    fn get_item_hooked(&mut self, obj: &Value, key: &Value) -> PResult<Value> {
        self.shared_hook(SharedOp::GetItem(obj, key))?;
        // A list's element and a dict's value under a str or int key are numbered while
        // the container is locked; other reads once done.
        if let Some(t) = &self.tracer {
            match (obj, key) {
                (Value::List(l), Value::Int(i)) => {
                    let g = l.lock();
                    if let Some(j) = norm_index(*i, g.items.len()) {
                        let v = g.items[j].clone();
                        t.read_value(&v);
                        return Ok(v);
                    }
                }
                (Value::Dict(d), Value::Str(s)) => {
                    let h = super::dict::hash_str(s.as_str());
                    let g = d.lock();
                    if let Some(v) = g.get(h, key) {
                        let v = v.clone();
                        t.read_value(&v);
                        return Ok(v);
                    }
                }
                (Value::Dict(d), Value::Int(i)) => {
                    let h = super::dict::hash_int(*i);
                    let g = d.lock();
                    if let Some(v) = g.get(h, key) {
                        let v = v.clone();
                        t.read_value(&v);
                        return Ok(v);
                    }
                }
                _ => {}
            }
        }
        let v = self.get_item_general(obj, key);
        self.read_done(&v);
        v
    }

    /// `obj[key]`, every case (the hook has been called).
    fn get_item_general(&mut self, obj: &Value, key: &Value) -> PResult<Value> {
        match obj {
            Value::List(l) => match self.index_of(key, "list")? {
                Some(i) => {
                    let g = l.lock();
                    match norm_index(i, g.items.len()) {
                        Some(j) => Ok(g.items[j].clone()),
                        None => Err(new_exc(ExcType::IndexError, "list index out of range")),
                    }
                }
                None => {
                    let Value::Slice(s) = key else {
                        return Ok(Value::None);
                    };
                    let items = l.snapshot();
                    let (start, stop, step) = self.slice_indices(s, items.len())?;
                    let out = slice_pick(&items, start, stop, step);
                    Ok(Value::list(out)?)
                }
            },
            Value::Tuple(t) => match self.index_of(key, "tuple")? {
                Some(i) => match norm_index(i, t.items.len()) {
                    Some(j) => Ok(t.items[j].clone()),
                    None => Err(new_exc(ExcType::IndexError, "tuple index out of range")),
                },
                None => {
                    let Value::Slice(s) = key else {
                        return Ok(Value::None);
                    };
                    let (start, stop, step) = self.slice_indices(s, t.items.len())?;
                    let out = slice_pick(&t.items, start, stop, step);
                    Ok(Value::tuple(out)?)
                }
            },
            Value::Str(s) => match key {
                Value::Int(_) | Value::Bool(_) => {
                    let i = match key {
                        Value::Int(i) => *i,
                        Value::Bool(b) => *b as i64,
                        _ => 0,
                    };
                    match norm_index(i, s.nchars()) {
                        Some(j) => {
                            let c = if s.is_ascii() {
                                s.as_str()[j..j + 1].to_string()
                            } else {
                                s.as_str()
                                    .chars()
                                    .nth(j)
                                    .map(|c| c.to_string())
                                    .unwrap_or_default()
                            };
                            Ok(Value::str(c)?)
                        }
                        None => Err(new_exc(ExcType::IndexError, "string index out of range")),
                    }
                }
                Value::Slice(sl) => {
                    let (start, stop, step) = self.slice_indices(sl, s.nchars())?;
                    let out: String = if s.is_ascii() && step == 1 {
                        if start < stop {
                            s.as_str()[start as usize..stop as usize].to_string()
                        } else {
                            String::new()
                        }
                    } else {
                        let chars: Vec<char> = s.as_str().chars().collect();
                        slice_pick(&chars, start, stop, step).into_iter().collect()
                    };
                    Ok(Value::str(out)?)
                }
                _ => Err(type_error(format!(
                    "string indices must be integers, not '{}'",
                    key.type_name()
                ))),
            },
            Value::Dict(d) => {
                let h = self.hash(key)?;
                let found = d.lock().get(h, key).cloned();
                match found {
                    Some(v) => Ok(v),
                    None => Err(new_exc_args(ExcType::KeyError, vec![key.clone()])),
                }
            }
            Value::Range(r) => match self.index_of(key, "range")? {
                Some(i) => {
                    let len = r.len();
                    let j = if i < 0 { i + len } else { i };
                    if j < 0 || j >= len {
                        return Err(new_exc(
                            ExcType::IndexError,
                            "range object index out of range",
                        ));
                    }
                    Ok(Value::Int(r.at(j)))
                }
                None => {
                    let Value::Slice(s) = key else {
                        return Ok(Value::None);
                    };
                    let len = r.len().max(0) as usize;
                    let (start, stop, step) = self.slice_indices(s, len)?;
                    let new_step = r
                        .step
                        .checked_mul(step)
                        .ok_or_else(|| Flow::from(crate::num::PyError::int_overflow()))?;
                    let new_start = r.start.saturating_add(start.saturating_mul(r.step));
                    let new_stop = r.start.saturating_add(stop.saturating_mul(r.step));
                    Ok(Value::Range(Arc::new(super::value::RangeObj {
                        start: new_start,
                        stop: new_stop,
                        step: new_step,
                    })))
                }
            },
            Value::Instance(inst) => match inst.class.lookup_wk(Wk::__getitem__) {
                Some(f) => self.call_value(&f, vec![obj.clone(), key.clone()], Vec::new()),
                None => Err(type_error(format!(
                    "'{}' object is not subscriptable",
                    obj.type_name()
                ))),
            },
            Value::Class(c) if !c.user => {
                // `list[int]` in annotations: a no-op alias.
                Ok(obj.clone())
            }
            _ => Err(type_error(format!(
                "'{}' object is not subscriptable",
                obj.type_name()
            ))),
        }
    }

    /// `obj[key] = value`.
    pub fn set_item(&mut self, obj: &Value, key: Value, value: Value) -> PResult<()> {
        self.before_shared(SharedOp::SetItem(obj, &key, Some(&value)))?;
        let r = self.set_item_hooked(obj, key, value);
        self.write_done(r)
    }

    /// `obj[key] = value` once the hook has been called.
    fn set_item_hooked(&mut self, obj: &Value, key: Value, value: Value) -> PResult<()> {
        match obj {
            Value::List(l) => match self.index_of(&key, "list")? {
                Some(i) => {
                    let old;
                    {
                        let mut g = l.lock();
                        if let Some(t) = &self.tracer {
                            t.write_done();
                        }
                        match norm_index(i, g.items.len()) {
                            Some(j) => old = std::mem::replace(&mut g.items[j], value),
                            None => {
                                return Err(new_exc(
                                    ExcType::IndexError,
                                    "list assignment index out of range",
                                ))
                            }
                        }
                    }
                    drop(old);
                    Ok(())
                }
                None => {
                    let Value::Slice(s) = &key else { return Ok(()) };
                    let new_items = self.collect(&value)?;
                    let len = l.len();
                    let (start, stop, step) = self.slice_indices(s, len)?;
                    let mut g = l.lock();
                    let len_now = g.items.len();
                    if step == 1 {
                        let start = (start.max(0) as usize).min(len_now);
                        let stop = (stop.max(start as i64) as usize).min(len_now).max(start);
                        g.reserve(new_items.len())?;
                        let removed: Vec<Value> = g.items.splice(start..stop, new_items).collect();
                        drop(g);
                        drop(removed);
                        Ok(())
                    } else {
                        let n = slice_len(start, stop, step);
                        if n != new_items.len() {
                            return Err(value_error_fmt(format!(
                                "attempt to assign sequence of size {} to extended slice of size {}",
                                new_items.len(),
                                n
                            )));
                        }
                        let mut olds = Vec::with_capacity(n);
                        for (k, v) in new_items.into_iter().enumerate() {
                            let idx = start + (k as i64) * step;
                            if idx >= 0 && (idx as usize) < g.items.len() {
                                olds.push(std::mem::replace(&mut g.items[idx as usize], v));
                            }
                        }
                        drop(g);
                        drop(olds);
                        Ok(())
                    }
                }
            },
            Value::Dict(d) => self.dict_set(d, key, value),
            Value::Instance(inst) => match inst.class.lookup_wk(Wk::__setitem__) {
                Some(f) => {
                    self.call_value(&f, vec![obj.clone(), key, value], Vec::new())?;
                    Ok(())
                }
                None => Err(type_error(format!(
                    "'{}' object does not support item assignment",
                    obj.type_name()
                ))),
            },
            _ => Err(type_error(format!(
                "'{}' object does not support item assignment",
                obj.type_name()
            ))),
        }
    }

    /// `del obj[key]`.
    pub fn del_item(&mut self, obj: &Value, key: &Value) -> PResult<()> {
        self.before_shared(SharedOp::SetItem(obj, key, None))?;
        let r = self.del_item_hooked(obj, key);
        self.write_done(r)
    }

    fn del_item_hooked(&mut self, obj: &Value, key: &Value) -> PResult<()> {
        match obj {
            Value::List(l) => match self.index_of(key, "list")? {
                Some(i) => {
                    let old;
                    {
                        let mut g = l.lock();
                        match norm_index(i, g.items.len()) {
                            Some(j) => old = g.items.remove(j),
                            None => {
                                return Err(new_exc(
                                    ExcType::IndexError,
                                    "list assignment index out of range",
                                ))
                            }
                        }
                    }
                    drop(old);
                    Ok(())
                }
                None => {
                    let Value::Slice(s) = key else { return Ok(()) };
                    let len = l.len();
                    let (start, stop, step) = self.slice_indices(s, len)?;
                    let n = slice_len(start, stop, step);
                    let mut idx: Vec<usize> =
                        (0..n).map(|k| (start + k as i64 * step) as usize).collect();
                    idx.sort_unstable();
                    let mut removed = Vec::new();
                    {
                        let mut g = l.lock();
                        for &j in idx.iter().rev() {
                            if j < g.items.len() {
                                removed.push(g.items.remove(j));
                            }
                        }
                    }
                    drop(removed);
                    Ok(())
                }
            },
            Value::Dict(d) => {
                let h = self.hash(key)?;
                let removed = d.lock().remove(h, key);
                match removed {
                    Some(kv) => {
                        drop(kv);
                        Ok(())
                    }
                    None => Err(new_exc_args(ExcType::KeyError, vec![key.clone()])),
                }
            }
            Value::Instance(inst) => match inst.class.lookup_wk(Wk::__delitem__) {
                Some(f) => {
                    self.call_value(&f, vec![obj.clone(), key.clone()], Vec::new())?;
                    Ok(())
                }
                None => Err(type_error(format!(
                    "'{}' object does not support item deletion",
                    obj.type_name()
                ))),
            },
            _ => Err(type_error(format!(
                "'{}' object doesn't support item deletion",
                obj.type_name()
            ))),
        }
    }

    /// CPython's `PySlice_GetIndicesEx`: start, stop, step for a sequence of `len`.
    pub(crate) fn slice_indices(
        &mut self,
        s: &super::value::SliceObj,
        len: usize,
    ) -> PResult<(i64, i64, i64)> {
        let len = len as i64;
        let get = |v: &Value| -> PResult<Option<i64>> {
            match v {
                Value::None => Ok(None),
                Value::Int(i) => Ok(Some(*i)),
                Value::Bool(b) => Ok(Some(*b as i64)),
                _ => Err(type_error(
                    "slice indices must be integers or None or have an __index__ method",
                )),
            }
        };
        let step = get(&s.step)?.unwrap_or(1);
        if step == 0 {
            return Err(value_error_fmt("slice step cannot be zero".to_string()));
        }
        let (lower, upper) = if step < 0 { (-1, len - 1) } else { (0, len) };
        let start = match get(&s.start)? {
            None => {
                if step < 0 {
                    upper
                } else {
                    lower
                }
            }
            Some(v) => {
                if v < 0 {
                    (v.saturating_add(len)).max(lower)
                } else {
                    v.min(upper)
                }
            }
        };
        let stop = match get(&s.stop)? {
            None => {
                if step < 0 {
                    lower
                } else {
                    upper
                }
            }
            Some(v) => {
                if v < 0 {
                    (v.saturating_add(len)).max(lower)
                } else {
                    v.min(upper)
                }
            }
        };
        Ok((start, stop, step))
    }
}

fn value_error_fmt(msg: String) -> Flow {
    super::exceptions::value_error(msg)
}

/// The number of items a slice selects.
pub(crate) fn slice_len(start: i64, stop: i64, step: i64) -> usize {
    if step > 0 {
        if stop > start {
            ((stop - start - 1) / step + 1) as usize
        } else {
            0
        }
    } else if stop < start {
        ((start - stop - 1) / (-step) + 1) as usize
    } else {
        0
    }
}

/// The items a slice selects.
pub(crate) fn slice_pick<T: Clone>(items: &[T], start: i64, stop: i64, step: i64) -> Vec<T> {
    let n = slice_len(start, stop, step);
    let mut out = Vec::with_capacity(n);
    let mut i = start;
    for _ in 0..n {
        if i >= 0 && (i as usize) < items.len() {
            out.push(items[i as usize].clone());
        }
        i += step;
    }
    out
}
