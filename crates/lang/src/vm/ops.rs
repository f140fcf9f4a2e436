//! Operators, truth, equality, ordering, hashing and iteration.

use std::cmp::Ordering;
use std::sync::Arc;

use super::dict::{hash_value, Dict, HashError};
use super::exceptions::{new_exc, type_error, value_error, Flow, PResult};
use super::interp::Interp;
use super::names::Wk;
use super::set::Set;
use super::types::{base_class, ExcType};
use super::value::{lock, BaseType, IterObj, IterState, RangeObj, Value, ViewKind};
use crate::bytecode::{BinOp, CmpOp, UnOp};
use crate::num;

/// The deepest structure equality, ordering and repr walk before `RecursionError`.
const MAX_WALK: u32 = 200;

fn num_of(v: &Value) -> Option<num::Num> {
    match v {
        Value::Int(i) => Some(num::Num::Int(*i)),
        Value::Bool(b) => Some(num::Num::Int(*b as i64)),
        Value::Float(f) => Some(num::Num::Float(*f)),
        _ => None,
    }
}

fn num_value(n: num::Num) -> Value {
    match n {
        num::Num::Int(i) => Value::Int(i),
        num::Num::Float(f) => Value::Float(f),
    }
}

fn dunder_for(op: BinOp) -> (Wk, Wk) {
    match op {
        BinOp::Add => (Wk::__add__, Wk::__radd__),
        BinOp::Sub => (Wk::__sub__, Wk::__rsub__),
        BinOp::Mul => (Wk::__mul__, Wk::__rmul__),
        BinOp::TrueDiv => (Wk::__truediv__, Wk::Other),
        BinOp::FloorDiv => (Wk::__floordiv__, Wk::Other),
        BinOp::Mod => (Wk::__mod__, Wk::Other),
        BinOp::Pow => (Wk::__pow__, Wk::Other),
        _ => (Wk::Other, Wk::Other),
    }
}

impl Interp {
    /// `a op b` for two numbers.
    pub(crate) fn num_binary(&self, op: BinOp, a: num::Num, b: num::Num) -> PResult<Option<Value>> {
        use num::Num::{Float, Int};
        Ok(Some(match (a, b) {
            (Int(x), Int(y)) => match op {
                BinOp::Add => Value::Int(num::int_add(x, y)?),
                BinOp::Sub => Value::Int(num::int_sub(x, y)?),
                BinOp::Mul => Value::Int(num::int_mul(x, y)?),
                BinOp::TrueDiv => Value::Float(num::int_truediv(x, y)?),
                BinOp::FloorDiv => Value::Int(num::int_floordiv(x, y)?),
                BinOp::Mod => Value::Int(num::int_mod(x, y)?),
                BinOp::Pow => num_value(num::int_pow(x, y)?),
                BinOp::LShift => Value::Int(num::int_lshift(x, y)?),
                BinOp::RShift => Value::Int(num::int_rshift(x, y)?),
                BinOp::BitAnd => Value::Int(num::int_and(x, y)),
                BinOp::BitOr => Value::Int(num::int_or(x, y)),
                BinOp::BitXor => Value::Int(num::int_xor(x, y)),
                BinOp::MatMul => return Ok(None),
            },
            _ => {
                let x = match a {
                    Int(i) => num::int_to_float(i),
                    Float(f) => f,
                };
                let y = match b {
                    Int(i) => num::int_to_float(i),
                    Float(f) => f,
                };
                Value::Float(match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::TrueDiv => num::float_div(x, y)?,
                    BinOp::FloorDiv => num::float_floordiv(x, y)?,
                    BinOp::Mod => num::float_mod(x, y)?,
                    BinOp::Pow => num::float_pow(x, y)?,
                    _ => return Ok(None),
                })
            }
        }))
    }

    fn unsupported(op: BinOp, a: &Value, b: &Value) -> Flow {
        type_error(format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op.symbol(),
            a.type_name(),
            b.type_name()
        ))
    }

    /// `a op b`.
    pub fn binary(&mut self, op: BinOp, a: Value, b: Value) -> PResult<Value> {
        if let (Value::Bool(x), Value::Bool(y)) = (&a, &b) {
            match op {
                BinOp::BitAnd => return Ok(Value::Bool(*x & *y)),
                BinOp::BitOr => return Ok(Value::Bool(*x | *y)),
                BinOp::BitXor => return Ok(Value::Bool(*x ^ *y)),
                _ => {}
            }
        }
        if let (Some(x), Some(y)) = (num_of(&a), num_of(&b)) {
            if let Some(v) = self.num_binary(op, x, y)? {
                return Ok(v);
            }
            return Err(Self::unsupported(op, &a, &b));
        }
        match (&a, &b, op) {
            (Value::Str(x), Value::Str(y), BinOp::Add) => {
                let mut s = String::with_capacity(x.as_str().len() + y.as_str().len());
                s.push_str(x.as_str());
                s.push_str(y.as_str());
                return Ok(Value::str(s)?);
            }
            (Value::Str(_), _, BinOp::Add) => {
                return Err(type_error(format!(
                    "can only concatenate str (not \"{}\") to str",
                    b.type_name()
                )))
            }
            (Value::Str(s), _, BinOp::Mul) | (_, Value::Str(s), BinOp::Mul)
                if !matches!(a, Value::List(_) | Value::Tuple(_) | Value::Instance(_)) =>
            {
                let n = match (&a, &b) {
                    (Value::Str(_), Value::Int(n)) | (Value::Int(n), Value::Str(_)) => *n,
                    (Value::Str(_), Value::Bool(n)) | (Value::Bool(n), Value::Str(_)) => *n as i64,
                    (Value::Str(_), other) | (other, Value::Str(_)) => {
                        return Err(type_error(format!(
                            "can't multiply sequence by non-int of type '{}'",
                            other.type_name()
                        )))
                    }
                    _ => 0,
                };
                let n = n.max(0) as usize;
                let total = s
                    .as_str()
                    .len()
                    .checked_mul(n)
                    .ok_or(super::heap::OutOfMemory)?;
                super::heap::check(total)?;
                return Ok(Value::str(s.as_str().repeat(n))?);
            }
            (Value::Str(s), _, BinOp::Mod) => return self.percent_format(s.as_str(), &b),
            (Value::List(x), Value::List(y), BinOp::Add) => {
                let mut items = x.snapshot();
                let other = y.snapshot();
                super::heap::check((items.len() + other.len()) * 16)?;
                items.extend(other);
                return Ok(Value::list(items)?);
            }
            (Value::List(_), _, BinOp::Add) => {
                return Err(type_error(format!(
                    "can only concatenate list (not \"{}\") to list",
                    b.type_name()
                )))
            }
            (Value::Tuple(x), Value::Tuple(y), BinOp::Add) => {
                let mut items = x.items.to_vec();
                items.extend(y.items.iter().cloned());
                return Ok(Value::tuple(items)?);
            }
            (Value::Tuple(_), _, BinOp::Add) => {
                return Err(type_error(format!(
                    "can only concatenate tuple (not \"{}\") to tuple",
                    b.type_name()
                )))
            }
            (Value::List(_) | Value::Tuple(_), _, BinOp::Mul)
            | (_, Value::List(_) | Value::Tuple(_), BinOp::Mul)
                if !matches!(a, Value::Instance(_)) && !matches!(b, Value::Instance(_)) =>
            {
                let (seq, n) = match (&a, &b) {
                    (Value::List(_) | Value::Tuple(_), Value::Int(n)) => (&a, *n),
                    (Value::List(_) | Value::Tuple(_), Value::Bool(n)) => (&a, *n as i64),
                    (Value::Int(n), Value::List(_) | Value::Tuple(_)) => (&b, *n),
                    (Value::Bool(n), Value::List(_) | Value::Tuple(_)) => (&b, *n as i64),
                    (Value::List(_) | Value::Tuple(_), other) | (other, _) => {
                        return Err(type_error(format!(
                            "can't multiply sequence by non-int of type '{}'",
                            other.type_name()
                        )))
                    }
                };
                let items = match seq {
                    Value::List(l) => l.snapshot(),
                    Value::Tuple(t) => t.items.to_vec(),
                    _ => Vec::new(),
                };
                let n = n.max(0) as usize;
                let total = items.len().checked_mul(n).ok_or(super::heap::OutOfMemory)?;
                super::heap::check(total.checked_mul(16).ok_or(super::heap::OutOfMemory)?)?;
                let mut out = Vec::with_capacity(total);
                for _ in 0..n {
                    out.extend(items.iter().cloned());
                }
                return match seq {
                    Value::List(_) => Ok(Value::list(out)?),
                    _ => Ok(Value::tuple(out)?),
                };
            }
            (
                Value::Set(x),
                Value::Set(y),
                BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor,
            ) => {
                let frozen = x.frozen;
                let r = self.set_op(op, x, y, frozen)?;
                return Ok(r);
            }
            (Value::Dict(x), Value::Dict(y), BinOp::BitOr) => {
                let d = Arc::new(Dict::new()?);
                self.dict_update_from(&d, &Value::Dict(x.clone()), false)?;
                self.dict_update_from(&d, &Value::Dict(y.clone()), false)?;
                return Ok(Value::Dict(d));
            }
            (Value::Native(_), _, _) | (_, Value::Native(_), _) => {
                if let Some(v) = super::modules::native_binary(op, &a, &b)? {
                    return Ok(v);
                }
            }
            _ => {}
        }
        let (dunder, rdunder) = dunder_for(op);
        if let Value::Instance(i) = &a {
            if dunder != Wk::Other {
                if let Some(f) = i.class.lookup_wk(dunder) {
                    return self.call_value(&f, vec![a.clone(), b], Vec::new());
                }
            }
        }
        if let Value::Instance(i) = &b {
            if rdunder != Wk::Other {
                if let Some(f) = i.class.lookup_wk(rdunder) {
                    return self.call_value(&f, vec![b.clone(), a], Vec::new());
                }
            }
        }
        Err(Self::unsupported(op, &a, &b))
    }

    /// `a op= b`: lists, sets and dicts change in place.
    pub fn inplace(&mut self, op: BinOp, a: Value, b: Value) -> PResult<Value> {
        match (&a, op) {
            (Value::List(l), BinOp::Add) => {
                let items = self.collect(&b)?;
                let mut g = l.lock();
                g.reserve(items.len())?;
                g.items.extend(items);
                drop(g);
                Ok(a)
            }
            (Value::Set(s), BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor)
                if !s.frozen =>
            {
                if !matches!(b, Value::Set(_)) {
                    return Err(Self::unsupported(op, &a, &b));
                }
                self.set_inplace(s, op, &b)?;
                Ok(a)
            }
            (Value::Dict(d), BinOp::BitOr) => {
                self.dict_update_from(d, &b, true)?;
                Ok(a)
            }
            _ => self.binary(op, a, b),
        }
    }

    /// `op a`.
    pub fn unary(&mut self, op: UnOp, a: Value) -> PResult<Value> {
        match (op, &a) {
            (UnOp::Neg, Value::Int(i)) => Ok(Value::Int(num::int_neg(*i)?)),
            (UnOp::Neg, Value::Bool(b)) => Ok(Value::Int(-(*b as i64))),
            (UnOp::Neg, Value::Float(f)) => Ok(Value::Float(-*f)),
            (UnOp::Pos, Value::Int(_) | Value::Float(_)) => Ok(a),
            (UnOp::Pos, Value::Bool(b)) => Ok(Value::Int(*b as i64)),
            (UnOp::Invert, Value::Int(i)) => Ok(Value::Int(num::int_invert(*i))),
            (UnOp::Invert, Value::Bool(b)) => Ok(Value::Int(num::int_invert(*b as i64))),
            (_, Value::Instance(i)) => {
                let wk = match op {
                    UnOp::Neg => Wk::__neg__,
                    UnOp::Pos => Wk::__pos__,
                    UnOp::Invert => Wk::Other,
                };
                match i.class.lookup_wk(wk) {
                    Some(f) if wk != Wk::Other => self.call_value(&f, vec![a.clone()], Vec::new()),
                    _ => Err(bad_unary(op, &a)),
                }
            }
            _ => Err(bad_unary(op, &a)),
        }
    }

    /// Truth value (`bool(v)`).
    pub fn truthy(&mut self, v: &Value) -> PResult<bool> {
        Ok(match v {
            Value::Null | Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.as_str().is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Tuple(t) => !t.items.is_empty(),
            Value::Dict(d) => !d.is_empty(),
            Value::Set(s) => !s.is_empty(),
            Value::Range(r) => !r.is_empty(),
            Value::View(vw) => !vw.dict.is_empty(),
            Value::Native(n) => match &**n {
                super::value::NativeObj::Timedelta(us) => *us != 0,
                _ => true,
            },
            Value::Instance(i) => {
                if let Some(f) = i.class.lookup_wk(Wk::__bool__) {
                    let r = self.call_value(&f, vec![v.clone()], Vec::new())?;
                    match r {
                        Value::Bool(b) => b,
                        other => {
                            return Err(type_error(format!(
                                "__bool__ should return bool, returned {}",
                                other.type_name()
                            )))
                        }
                    }
                } else if let Some(f) = i.class.lookup_wk(Wk::__len__) {
                    let r = self.call_value(&f, vec![v.clone()], Vec::new())?;
                    match r {
                        Value::Int(n) => n != 0,
                        Value::Bool(b) => b,
                        other => {
                            return Err(type_error(format!(
                                "'{}' object cannot be interpreted as an integer",
                                other.type_name()
                            )))
                        }
                    }
                } else {
                    true
                }
            }
            _ => true,
        })
    }

    /// `hash(v)` (the `TypeError` for unhashable values).
    pub fn hash(&self, v: &Value) -> PResult<i64> {
        match v {
            Value::Int(i) => Ok(super::dict::hash_int(*i)),
            Value::Str(s) => Ok(super::dict::hash_str(s.as_str())),
            _ => hash_value(v).map_err(|e| match e {
                HashError::Unhashable(t) => type_error(format!("unhashable type: '{t}'")),
                HashError::TooDeep => {
                    new_exc(ExcType::RecursionError, "maximum recursion depth exceeded")
                }
            }),
        }
    }

    /// `a == b`.
    pub fn eq(&mut self, a: &Value, b: &Value) -> PResult<bool> {
        self.eq_depth(a, b, 0)
    }

    fn eq_depth(&mut self, a: &Value, b: &Value, depth: u32) -> PResult<bool> {
        if depth > 8 {
            self.check_stack("maximum recursion depth exceeded in comparison")?;
        }
        if depth > MAX_WALK {
            return Err(new_exc(
                ExcType::RecursionError,
                "maximum recursion depth exceeded in comparison",
            ));
        }
        use Value::*;
        Ok(match (a, b) {
            (Int(x), Int(y)) => x == y,
            (Str(x), Str(y)) => Arc::ptr_eq(x, y) || x.as_str() == y.as_str(),
            (Float(x), Float(y)) => x == y,
            (Int(_) | Bool(_) | Float(_), Int(_) | Bool(_) | Float(_)) => {
                match (num_of(a), num_of(b)) {
                    (Some(x), Some(y)) => num_cmp(x, y) == Some(Ordering::Equal),
                    _ => false,
                }
            }
            (None, None) => true,
            (List(x), List(y)) => {
                if Arc::ptr_eq(x, y) {
                    return Ok(true);
                }
                let xs = x.snapshot();
                let ys = y.snapshot();
                self.seq_eq(&xs, &ys, depth)?
            }
            (Tuple(x), Tuple(y)) => {
                if Arc::ptr_eq(x, y) {
                    return Ok(true);
                }
                let (xs, ys) = (x.items.clone(), y.items.clone());
                self.seq_eq(&xs, &ys, depth)?
            }
            (Dict(x), Dict(y)) => {
                if Arc::ptr_eq(x, y) {
                    return Ok(true);
                }
                let xs = x.snapshot();
                if xs.len() != y.len() {
                    return Ok(false);
                }
                for e in xs {
                    let other = y.lock().get(e.hash, &e.key).cloned();
                    match other {
                        Some(v) => {
                            if !(v.is(&e.value) || self.eq_depth(&e.value, &v, depth + 1)?) {
                                return Ok(false);
                            }
                        }
                        Option::None => return Ok(false),
                    }
                }
                true
            }
            (Set(x), Set(y)) => Arc::ptr_eq(x, y) || x.set_eq(y),
            (Range(x), Range(y)) => {
                let (lx, ly) = (x.len(), y.len());
                lx == ly && (lx == 0 || (x.start == y.start && (lx == 1 || x.step == y.step)))
            }
            (View(x), Set(_)) | (Set(_), View(x)) if x.kind == ViewKind::Keys => {
                let (view, set) = if matches!(a, View(_)) { (a, b) } else { (b, a) };
                let keys = self.collect(view)?;
                let fs = self.make_set(keys, true)?;
                self.eq_depth(&fs, set, depth + 1)?
            }
            (View(x), View(y)) if x.kind == ViewKind::Keys && y.kind == ViewKind::Keys => {
                let xs = x.dict.snapshot();
                xs.len() == y.dict.len()
                    && xs.iter().all(|e| y.dict.lock().contains(e.hash, &e.key))
            }
            (Native(_), Native(_)) => super::modules::native_cmp(a, b) == Some(Ordering::Equal),
            (Instance(i), _) => {
                if let Some(f) = i.class.lookup_wk(Wk::__eq__) {
                    let r = self.call_value(&f, vec![a.clone(), b.clone()], Vec::new())?;
                    return self.truthy(&r);
                }
                if let Instance(j) = b {
                    if let Some(f) = j.class.lookup_wk(Wk::__eq__) {
                        let r = self.call_value(&f, vec![b.clone(), a.clone()], Vec::new())?;
                        return self.truthy(&r);
                    }
                }
                a.is(b)
            }
            (_, Instance(j)) => {
                if let Some(f) = j.class.lookup_wk(Wk::__eq__) {
                    let r = self.call_value(&f, vec![b.clone(), a.clone()], Vec::new())?;
                    return self.truthy(&r);
                }
                false
            }
            _ => a.is(b),
        })
    }

    fn seq_eq(&mut self, xs: &[Value], ys: &[Value], depth: u32) -> PResult<bool> {
        if xs.len() != ys.len() {
            return Ok(false);
        }
        for (x, y) in xs.iter().zip(ys.iter()) {
            if !(x.is(y) || self.eq_depth(x, y, depth + 1)?) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// `a < b` and friends; `Err` with CPython's `TypeError` when not comparable.
    pub fn compare_order(&mut self, op: CmpOp, a: &Value, b: &Value) -> PResult<bool> {
        self.order_depth(op, a, b, 0)
    }

    fn order_depth(&mut self, op: CmpOp, a: &Value, b: &Value, depth: u32) -> PResult<bool> {
        if depth > 8 {
            self.check_stack("maximum recursion depth exceeded in comparison")?;
        }
        if depth > MAX_WALK {
            return Err(new_exc(
                ExcType::RecursionError,
                "maximum recursion depth exceeded in comparison",
            ));
        }
        let ord_result = |o: Ordering| match op {
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::Le => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            CmpOp::Ge => o != Ordering::Less,
            _ => false,
        };
        if let (Some(x), Some(y)) = (num_of(a), num_of(b)) {
            return Ok(match num_cmp(x, y) {
                Some(o) => ord_result(o),
                None => false,
            });
        }
        match (a, b) {
            (Value::Str(x), Value::Str(y)) => return Ok(ord_result(x.as_str().cmp(y.as_str()))),
            (Value::List(_), Value::List(_)) | (Value::Tuple(_), Value::Tuple(_)) => {
                let (xs, ys) = match (a, b) {
                    (Value::List(x), Value::List(y)) => (x.snapshot(), y.snapshot()),
                    (Value::Tuple(x), Value::Tuple(y)) => (x.items.to_vec(), y.items.to_vec()),
                    _ => (Vec::new(), Vec::new()),
                };
                for (x, y) in xs.iter().zip(ys.iter()) {
                    if x.is(y) || self.eq_depth(x, y, depth + 1)? {
                        continue;
                    }
                    return self.order_depth(op, x, y, depth + 1);
                }
                return Ok(ord_result(xs.len().cmp(&ys.len())));
            }
            (Value::Set(x), Value::Set(y)) => {
                let sub = |p: &Set, q: &Set| -> bool {
                    let ps = p.entries();
                    let g = q.lock();
                    ps.iter().all(|(h, k)| g.contains(*h, k))
                };
                let (lx, ly) = (x.len(), y.len());
                return Ok(match op {
                    CmpOp::Le => sub(x, y),
                    CmpOp::Lt => lx < ly && sub(x, y),
                    CmpOp::Ge => sub(y, x),
                    CmpOp::Gt => lx > ly && sub(y, x),
                    _ => false,
                });
            }
            (Value::Native(_), Value::Native(_)) => {
                if let Some(o) = super::modules::native_cmp(a, b) {
                    return Ok(ord_result(o));
                }
            }
            _ => {}
        }
        let (wk, rwk) = match op {
            CmpOp::Lt => (Wk::__lt__, Wk::__gt__),
            CmpOp::Le => (Wk::__le__, Wk::__ge__),
            CmpOp::Gt => (Wk::__gt__, Wk::__lt__),
            CmpOp::Ge => (Wk::__ge__, Wk::__le__),
            _ => (Wk::Other, Wk::Other),
        };
        if let Value::Instance(i) = a {
            if let Some(f) = i.class.lookup_wk(wk) {
                let r = self.call_value(&f, vec![a.clone(), b.clone()], Vec::new())?;
                return self.truthy(&r);
            }
        }
        if let Value::Instance(j) = b {
            if let Some(f) = j.class.lookup_wk(rwk) {
                let r = self.call_value(&f, vec![b.clone(), a.clone()], Vec::new())?;
                return self.truthy(&r);
            }
        }
        Err(type_error(format!(
            "'{}' not supported between instances of '{}' and '{}'",
            op.symbol(),
            a.type_name(),
            b.type_name()
        )))
    }

    /// `a cmp b` as a value.
    pub fn compare(&mut self, op: CmpOp, a: Value, b: Value) -> PResult<Value> {
        Ok(Value::Bool(match op {
            CmpOp::Eq => self.eq(&a, &b)?,
            CmpOp::Ne => {
                if let Value::Instance(i) = &a {
                    if let Some(f) = i.class.lookup_wk(Wk::__ne__) {
                        let r = self.call_value(&f, vec![a.clone(), b.clone()], Vec::new())?;
                        return Ok(Value::Bool(self.truthy(&r)?));
                    }
                }
                !self.eq(&a, &b)?
            }
            CmpOp::Is => a.is(&b),
            CmpOp::IsNot => !a.is(&b),
            CmpOp::In => self.contains(&b, &a)?,
            CmpOp::NotIn => !self.contains(&b, &a)?,
            _ => self.compare_order(op, &a, &b)?,
        }))
    }

    /// `item in container`.
    pub fn contains(&mut self, container: &Value, item: &Value) -> PResult<bool> {
        match container {
            Value::Str(s) => match item {
                Value::Str(sub) => Ok(s.as_str().contains(sub.as_str())),
                _ => Err(type_error(format!(
                    "'in <string>' requires string as left operand, not {}",
                    item.type_name()
                ))),
            },
            Value::List(l) => {
                let items = l.snapshot();
                self.seq_contains(&items, item)
            }
            Value::Tuple(t) => {
                let items = t.items.clone();
                self.seq_contains(&items, item)
            }
            Value::Dict(d) => {
                let h = self.hash(item)?;
                Ok(d.lock().contains(h, item))
            }
            Value::View(v) => match v.kind {
                ViewKind::Keys => {
                    let h = self.hash(item)?;
                    Ok(v.dict.lock().contains(h, item))
                }
                _ => {
                    let items = self.collect(container)?;
                    self.seq_contains(&items, item)
                }
            },
            Value::Set(s) => {
                let h = match item {
                    Value::Set(inner) if !inner.frozen => {
                        // `set in set` looks for the frozenset of the same elements.
                        let fs = self.make_set(
                            inner.entries().into_iter().map(|(_, k)| k).collect(),
                            true,
                        )?;
                        return self.contains(container, &fs);
                    }
                    _ => self.hash(item)?,
                };
                Ok(s.lock().contains(h, item))
            }
            Value::Range(r) => match item {
                Value::Int(_) | Value::Bool(_) => {
                    let i = match item {
                        Value::Int(i) => *i,
                        Value::Bool(b) => *b as i64,
                        _ => 0,
                    };
                    Ok(range_contains(r, i))
                }
                Value::Float(f) if f.fract() == 0.0 && f.abs() < 9e18 => {
                    Ok(range_contains(r, *f as i64))
                }
                _ => {
                    let items = self.collect(container)?;
                    self.seq_contains(&items, item)
                }
            },
            Value::Instance(i) => {
                if let Some(f) = i.class.lookup_wk(Wk::__contains__) {
                    let r =
                        self.call_value(&f, vec![container.clone(), item.clone()], Vec::new())?;
                    return self.truthy(&r);
                }
                if i.class.lookup_wk(Wk::__iter__).is_some() {
                    let items = self.collect(container)?;
                    return self.seq_contains(&items, item);
                }
                Err(type_error(format!(
                    "argument of type '{}' is not iterable",
                    container.type_name()
                )))
            }
            Value::Iter(_) => {
                let it = container.clone();
                while let Some(v) = self.iter_next(&it)? {
                    if v.is(item) || self.eq(&v, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            _ => Err(type_error(format!(
                "argument of type '{}' is not iterable",
                container.type_name()
            ))),
        }
    }

    fn seq_contains(&mut self, items: &[Value], item: &Value) -> PResult<bool> {
        for v in items {
            if v.is(item) || self.eq(v, item)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// `type(v)`.
    pub fn type_of(&self, v: &Value) -> Value {
        match v {
            Value::Instance(i) => Value::Class(i.class.clone()),
            _ => Value::Class(base_class(v.base_type())),
        }
    }

    /// `iter(v)`.
    pub fn get_iter(&mut self, v: Value) -> PResult<Value> {
        let state = match v {
            Value::List(l) => IterState::List(l, 0),
            Value::Tuple(t) => IterState::Tuple(t, 0),
            Value::Str(s) => IterState::Str(s, 0),
            Value::Range(r) => IterState::Range(r.start, r.len(), r.step),
            Value::Dict(d) => {
                let n = d.len();
                IterState::Dict(d, 0, n, ViewKind::Keys)
            }
            Value::View(vw) => {
                let n = vw.dict.len();
                IterState::Dict(vw.dict.clone(), 0, n, vw.kind)
            }
            Value::Set(s) => IterState::Values(s.lock().keys(), 0),
            Value::Iter(_) => return Ok(v),
            Value::Instance(ref i) => {
                if let Some(f) = i.class.lookup_wk(Wk::__iter__) {
                    let r = self.call_value(&f, vec![v.clone()], Vec::new())?;
                    return match &r {
                        Value::Instance(ri) => {
                            if ri.class.lookup_wk(Wk::__next__).is_some() {
                                Ok(Value::Iter(Arc::new(IterObj::new(IterState::Values(
                                    vec![r.clone()],
                                    usize::MAX,
                                )))))
                            } else {
                                Err(type_error(format!(
                                    "iter() returned non-iterator of type '{}'",
                                    r.type_name()
                                )))
                            }
                        }
                        Value::Iter(_) => Ok(r),
                        _ => self.get_iter(r),
                    };
                }
                if i.class.lookup_wk(Wk::__getitem__).is_some() {
                    // The old sequence protocol: index until IndexError.
                    let mut items = Vec::new();
                    let mut k = 0i64;
                    loop {
                        match self.get_item(&v, &Value::Int(k)) {
                            Ok(x) => items.push(x),
                            Err(Flow::Exc(e))
                                if e.class
                                    .is_subclass(&super::types::exc_class(ExcType::IndexError)) =>
                            {
                                break
                            }
                            Err(e) => return Err(e),
                        }
                        k += 1;
                    }
                    IterState::Values(items, 0)
                } else {
                    return Err(type_error(format!(
                        "'{}' object is not iterable",
                        v.type_name()
                    )));
                }
            }
            _ => {
                return Err(type_error(format!(
                    "'{}' object is not iterable",
                    v.type_name()
                )))
            }
        };
        Ok(Value::Iter(Arc::new(IterObj::new(state))))
    }

    /// `next(it)`: `None` when exhausted.
    pub fn iter_next(&mut self, it: &Value) -> PResult<Option<Value>> {
        let Value::Iter(obj) = it else {
            if let Value::Instance(i) = it {
                if let Some(f) = i.class.lookup_wk(Wk::__next__) {
                    return match self.call_value(&f, vec![it.clone()], Vec::new()) {
                        Ok(v) => Ok(Some(v)),
                        Err(Flow::Exc(e))
                            if e.class
                                .is_subclass(&super::types::exc_class(ExcType::StopIteration)) =>
                        {
                            Ok(None)
                        }
                        Err(e) => Err(e),
                    };
                }
            }
            return Err(type_error(format!(
                "'{}' object is not an iterator",
                it.type_name()
            )));
        };
        // Simple states: under the iterator's lock.
        let mut g = lock(&obj.state);
        let composite = match &mut *g {
            IterState::List(l, i) => {
                let v = {
                    let items = l.lock();
                    items.items.get(*i).cloned()
                };
                match v {
                    Some(v) => {
                        *i += 1;
                        return Ok(Some(v));
                    }
                    None => {
                        *g = IterState::Done;
                        return Ok(None);
                    }
                }
            }
            IterState::ListRev(l, i) => {
                if *i == 0 {
                    *g = IterState::Done;
                    return Ok(None);
                }
                let v = {
                    let items = l.lock();
                    items.items.get(*i - 1).cloned()
                };
                *i -= 1;
                match v {
                    Some(v) => return Ok(Some(v)),
                    None => {
                        *g = IterState::Done;
                        return Ok(None);
                    }
                }
            }
            IterState::Tuple(t, i) => match t.items.get(*i) {
                Some(v) => {
                    *i += 1;
                    return Ok(Some(v.clone()));
                }
                None => {
                    *g = IterState::Done;
                    return Ok(None);
                }
            },
            IterState::Values(vs, i) => {
                if *i == usize::MAX {
                    // A Python iterator object (has `__next__`).
                    let target = vs.first().cloned().unwrap_or_default();
                    drop(g);
                    return self.iter_next(&target);
                }
                match vs.get(*i) {
                    Some(v) => {
                        let v = v.clone();
                        *i += 1;
                        return Ok(Some(v));
                    }
                    None => {
                        *g = IterState::Done;
                        return Ok(None);
                    }
                }
            }
            IterState::Range(cur, left, step) => {
                if *left > 0 {
                    let v = *cur;
                    *left -= 1;
                    *cur = cur.wrapping_add(*step);
                    return Ok(Some(Value::Int(v)));
                }
                return Ok(None);
            }
            IterState::Str(s, pos) => {
                let text = s.as_str();
                match text[(*pos).min(text.len())..].chars().next() {
                    Some(c) => {
                        *pos += c.len_utf8();
                        drop(g);
                        return Ok(Some(Value::str(c.to_string())?));
                    }
                    None => return Ok(None),
                }
            }
            IterState::Dict(d, pos, len0, kind) => {
                let dg = d.lock();
                if dg.len() != *len0 {
                    drop(dg);
                    *len0 = usize::MAX;
                    return Err(new_exc(
                        ExcType::RuntimeError,
                        "dictionary changed size during iteration",
                    ));
                }
                match dg.next_from(*pos) {
                    Some((p, e)) => {
                        *pos = p + 1;
                        let (k, v) = (e.key.clone(), e.value.clone());
                        let kind = *kind;
                        drop(dg);
                        drop(g);
                        return Ok(Some(match kind {
                            ViewKind::Keys => k,
                            ViewKind::Values => v,
                            ViewKind::Items => Value::tuple(vec![k, v])?,
                        }));
                    }
                    None => return Ok(None),
                }
            }
            IterState::Done => return Ok(None),
            IterState::Enumerate(inner, n) => {
                let c = (1u8, inner.clone(), Vec::new(), *n);
                *n += 1;
                c
            }
            IterState::Zip(inners) => (2u8, Value::Null, inners.clone(), 0),
            IterState::Map(f, inners) => (3u8, f.clone(), inners.clone(), 0),
            IterState::Filter(f, inner) => (4u8, f.clone(), vec![inner.clone()], 0),
        };
        drop(g);
        let (kind, a, inners, n) = composite;
        match kind {
            1 => match self.iter_next(&a)? {
                Some(v) => Ok(Some(Value::tuple(vec![Value::Int(n), v])?)),
                None => Ok(None),
            },
            2 => {
                if inners.is_empty() {
                    return Ok(None);
                }
                let mut items = Vec::with_capacity(inners.len());
                for i in &inners {
                    match self.iter_next(i)? {
                        Some(v) => items.push(v),
                        None => {
                            *lock(&obj.state) = IterState::Done;
                            return Ok(None);
                        }
                    }
                }
                Ok(Some(Value::tuple(items)?))
            }
            3 => {
                let mut args = Vec::with_capacity(inners.len());
                for i in &inners {
                    match self.iter_next(i)? {
                        Some(v) => args.push(v),
                        None => {
                            *lock(&obj.state) = IterState::Done;
                            return Ok(None);
                        }
                    }
                }
                Ok(Some(self.call_value(&a, args, Vec::new())?))
            }
            _ => loop {
                let Some(inner) = inners.first() else {
                    return Ok(None);
                };
                match self.iter_next(inner)? {
                    Some(v) => {
                        let keep = if matches!(a, Value::None) {
                            self.truthy(&v)?
                        } else {
                            let r = self.call_value(&a, vec![v.clone()], Vec::new())?;
                            self.truthy(&r)?
                        };
                        if keep {
                            return Ok(Some(v));
                        }
                    }
                    None => return Ok(None),
                }
            },
        }
    }

    /// Every value an iterable gives.
    pub fn collect(&mut self, v: &Value) -> PResult<Vec<Value>> {
        match v {
            Value::List(l) => Ok(l.snapshot()),
            Value::Tuple(t) => Ok(t.items.to_vec()),
            Value::Set(s) => Ok(s.lock().keys()),
            Value::Dict(d) => Ok(d.lock().iter().map(|e| e.key.clone()).collect()),
            Value::Range(r) => {
                let n = r.len().max(0) as usize;
                super::heap::check(n.saturating_mul(16))?;
                Ok((0..n as i64).map(|i| Value::Int(r.at(i))).collect())
            }
            _ => {
                let it = self.get_iter(v.clone())?;
                let mut out = Vec::new();
                while let Some(x) = self.iter_next(&it)? {
                    if out.len() == out.capacity() {
                        super::heap::check(out.len().saturating_mul(32).max(64))?;
                    }
                    out.push(x);
                }
                Ok(out)
            }
        }
    }

    /// Unpacks `v` onto the stack (first item on top), with a starred target when
    /// `after` is given.
    pub(crate) fn unpack(&mut self, v: Value, before: usize, after: Option<usize>) -> PResult<()> {
        // Fast path: a tuple of the right size, pushed straight from its items.
        if let (Value::Tuple(t), None) = (&v, after) {
            if t.items.len() == before {
                for x in t.items.iter().rev() {
                    self.stack.push(super::interp::fast_clone(x));
                }
                return Ok(());
            }
        }
        // A list of the right size: its items pushed under its lock, without a copy.
        if let (Value::List(l), None) = (&v, after) {
            let data = l.lock();
            if data.items.len() == before {
                for x in data.items.iter().rev() {
                    self.stack.push(super::interp::fast_clone(x));
                }
                return Ok(());
            }
        }
        let items = match &v {
            Value::Tuple(t) => t.items.to_vec(),
            Value::List(l) => l.snapshot(),
            _ => {
                if self.get_iter(v.clone()).is_err() {
                    return Err(type_error(format!(
                        "cannot unpack non-iterable {} object",
                        v.type_name()
                    )));
                }
                self.collect(&v)?
            }
        };
        match after {
            None => {
                if items.len() < before {
                    return Err(value_error(format!(
                        "not enough values to unpack (expected {before}, got {})",
                        items.len()
                    )));
                }
                if items.len() > before {
                    return Err(value_error(format!(
                        "too many values to unpack (expected {before})"
                    )));
                }
                for x in items.into_iter().rev() {
                    self.stack.push(x);
                }
            }
            Some(after) => {
                if items.len() < before + after {
                    return Err(value_error(format!(
                        "not enough values to unpack (expected at least {}, got {})",
                        before + after,
                        items.len()
                    )));
                }
                let mut items = items;
                let tail = items.split_off(items.len() - after);
                let middle = items.split_off(before);
                for x in tail.into_iter().rev() {
                    self.stack.push(x);
                }
                self.stack.push(Value::list(middle)?);
                for x in items.into_iter().rev() {
                    self.stack.push(x);
                }
            }
        }
        Ok(())
    }

    /// A new set of these values.
    pub fn make_set(&mut self, items: Vec<Value>, frozen: bool) -> PResult<Value> {
        let s = Arc::new(Set::new(frozen)?);
        for v in items {
            self.set_add(&s, v)?;
        }
        Ok(Value::Set(s))
    }

    /// Adds to a set.
    pub fn set_add(&mut self, s: &Arc<Set>, v: Value) -> PResult<()> {
        let h = self.hash(&v)?;
        s.lock().add(h, v)?;
        Ok(())
    }

    /// `d[k] = v`.
    pub fn dict_set(&mut self, d: &Arc<Dict>, k: Value, v: Value) -> PResult<()> {
        let h = self.hash(&k)?;
        let old = d.lock().insert(h, k, v)?;
        drop(old);
        Ok(())
    }

    /// `d.update(src)`: a mapping, or (when `pairs`) an iterable of pairs.
    pub fn dict_update_from(&mut self, d: &Arc<Dict>, src: &Value, pairs: bool) -> PResult<()> {
        match src {
            Value::Dict(s) => {
                let entries = s.snapshot();
                let mut g = d.lock();
                for e in entries {
                    let old = g.insert(e.hash, e.key, e.value)?;
                    drop(old);
                }
                Ok(())
            }
            _ if !pairs => Err(type_error(format!(
                "'{}' object is not a mapping",
                src.type_name()
            ))),
            _ => {
                let items = self.collect(src)?;
                for (n, item) in items.into_iter().enumerate() {
                    let kv = match &item {
                        Value::Tuple(t) => t.items.to_vec(),
                        Value::List(l) => l.snapshot(),
                        Value::Str(_) | Value::Iter(_) => self.collect(&item)?,
                        _ => {
                            return Err(type_error(format!(
                            "cannot convert dictionary update sequence element #{n} to a sequence"
                        )))
                        }
                    };
                    if kv.len() != 2 {
                        return Err(value_error(format!(
                            "dictionary update sequence element #{n} has length {}; 2 is required",
                            kv.len()
                        )));
                    }
                    let mut it = kv.into_iter();
                    if let (Some(k), Some(v)) = (it.next(), it.next()) {
                        self.dict_set(d, k, v)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// `s op= other` in place, as CPython changes the table (`|=`, `&=`, `-=`, `^=`).
    pub(crate) fn set_inplace(&mut self, s: &Arc<Set>, op: BinOp, other: &Value) -> PResult<()> {
        match op {
            BinOp::BitOr => self.set_update_from(s, other),
            BinOp::Sub => {
                let items: Vec<(i64, Value)> = match other {
                    Value::Set(o) => o.entries(),
                    _ => {
                        let mut v = Vec::new();
                        for x in self.collect(other)? {
                            v.push((self.hash(&x)?, x));
                        }
                        v
                    }
                };
                let mut g = s.lock();
                let mut old = Vec::new();
                for (h, k) in items {
                    if let Some(x) = g.discard(h, &k) {
                        old.push(x);
                    }
                }
                drop(g);
                drop(old);
                Ok(())
            }
            BinOp::BitXor => {
                let o = match other {
                    Value::Set(o) => o.clone(),
                    _ => match self.set_from(other, false)? {
                        Value::Set(o) => o,
                        _ => return Ok(()),
                    },
                };
                if Arc::ptr_eq(&o, s) {
                    let old = s.lock().clear();
                    drop(old);
                    return Ok(());
                }
                let items = o.entries();
                let mut g = s.lock();
                let mut old = Vec::new();
                for (h, k) in items {
                    match g.discard(h, &k) {
                        Some(x) => old.push(x),
                        None => {
                            g.add(h, k)?;
                        }
                    }
                }
                drop(g);
                drop(old);
                Ok(())
            }
            _ => {
                let r = match other {
                    Value::Set(o) => self.set_op(BinOp::BitAnd, s, o, s.frozen)?,
                    _ => {
                        let out = Arc::new(Set::new(s.frozen)?);
                        for x in self.collect(other)? {
                            let h = self.hash(&x)?;
                            if s.lock().contains(h, &x) {
                                out.lock().add(h, x)?;
                            }
                        }
                        Value::Set(out)
                    }
                };
                if let Value::Set(r) = r {
                    let mut theirs = r.lock();
                    let mut mine = s.lock();
                    mine.swap_with(&mut theirs);
                }
                Ok(())
            }
        }
    }

    /// Set algebra, with CPython's insertion orders.
    pub(crate) fn set_op(
        &mut self,
        op: BinOp,
        x: &Arc<Set>,
        y: &Arc<Set>,
        frozen: bool,
    ) -> PResult<Value> {
        let out = Arc::new(Set::new(frozen)?);
        match op {
            BinOp::BitOr => {
                {
                    let xs = clone_set_data(x);
                    out.lock().merge(&xs)?;
                }
                let ys = clone_set_data(y);
                out.lock().merge(&ys)?;
            }
            BinOp::BitAnd => {
                let (mut a, mut b) = (x.clone(), y.clone());
                if Arc::ptr_eq(&a, &b) {
                    let xs = clone_set_data(x);
                    out.lock().merge(&xs)?;
                    return Ok(Value::Set(out));
                }
                if b.len() > a.len() {
                    std::mem::swap(&mut a, &mut b);
                }
                // iterate the smaller (`b`), keep what `a` has
                let bs = b.entries();
                let ag = clone_set_data(&a);
                let mut og = out.lock();
                for (h, k) in bs {
                    if ag.contains(h, &k) {
                        og.add(h, k)?;
                    }
                }
            }
            BinOp::Sub => {
                let xs = x.entries();
                let ylen = y.len();
                if (xs.len() >> 2) > ylen {
                    let xd = clone_set_data(x);
                    let mut og = out.lock();
                    og.merge(&xd)?;
                    for (h, k) in y.entries() {
                        og.discard(h, &k);
                    }
                } else {
                    let yd = clone_set_data(y);
                    let mut og = out.lock();
                    for (h, k) in xs {
                        if !yd.contains(h, &k) {
                            og.add(h, k)?;
                        }
                    }
                }
            }
            _ => {
                // symmetric difference: copy of y, then toggle each of x
                let yd = clone_set_data(y);
                let mut og = out.lock();
                og.merge(&yd)?;
                for (h, k) in x.entries() {
                    if og.discard(h, &k).is_none() {
                        og.add(h, k)?;
                    }
                }
            }
        }
        Ok(Value::Set(out))
    }
}

/// A private copy of a set's table (so two sets are never locked at once).
pub(crate) fn clone_set_data(s: &Arc<Set>) -> super::set::SetData {
    s.lock().clone_table()
}

fn range_contains(r: &RangeObj, i: i64) -> bool {
    let (start, stop, step) = (r.start as i128, r.stop as i128, r.step as i128);
    let i = i as i128;
    if step > 0 {
        i >= start && i < stop && (i - start) % step == 0
    } else {
        i <= start && i > stop && (start - i) % (-step) == 0
    }
}

fn bad_unary(op: UnOp, a: &Value) -> Flow {
    let sym = match op {
        UnOp::Neg => "-",
        UnOp::Pos => "+",
        UnOp::Invert => "~",
    };
    type_error(format!(
        "bad operand type for unary {sym}: '{}'",
        a.type_name()
    ))
}

/// Compares two numbers exactly (int vs float without rounding).
pub fn num_cmp(a: num::Num, b: num::Num) -> Option<Ordering> {
    use num::Num::{Float, Int};
    match (a, b) {
        (Int(x), Int(y)) => Some(x.cmp(&y)),
        (Float(x), Float(y)) => x.partial_cmp(&y),
        (Int(x), Float(y)) => num::cmp_int_float(x, y),
        (Float(x), Int(y)) => num::cmp_int_float(y, x).map(|o| o.reverse()),
    }
}

/// Whether a value is a number (for `BaseType` checks).
pub fn is_number(v: &Value) -> bool {
    matches!(
        v.base_type(),
        BaseType::Int | BaseType::Float | BaseType::Bool
    )
}
