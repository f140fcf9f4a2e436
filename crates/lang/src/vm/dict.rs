//! `dict`: insertion-ordered hash table, and the hashing and key equality shared with `set`.
//!
//! Keys are compared natively only (numbers, strings, tuples, frozensets by value; other
//! objects by identity), so a lookup never runs Python code while the dict's lock is held.
//! Instances of classes that define `__eq__` are unhashable (as in CPython when they do not
//! also define `__hash__`; a user `__hash__` is not supported).
//!
//! Hashes of ints, floats, bools and tuples of them are CPython's, so sets of small ints
//! iterate in CPython's order; strings hash differently (CPython randomizes them anyway).

use std::sync::{Arc, Mutex, MutexGuard};

use super::heap::{Charge, OutOfMemory};
use super::value::{lock, Value};

const MODULUS: u64 = (1u64 << 61) - 1;

/// Why a value cannot be hashed.
pub enum HashError {
    /// `TypeError: unhashable type: '...'`.
    Unhashable(String),
    /// Nested too deeply (`RecursionError`).
    TooDeep,
}

const MAX_KEY_DEPTH: u32 = 100;

/// CPython's hash of an int.
#[inline]
pub fn hash_int(i: i64) -> i64 {
    // `%` on `i64` truncates toward zero: the sign of `i` times `|i| mod m`, as CPython
    // (and no 128-bit division, which is a library call).
    let h = i % MODULUS as i64;
    if h == -1 {
        -2
    } else {
        h
    }
}

fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // subnormal: scale up first
        let (m, e) = frexp(x * f64::from_bits(0x4350_0000_0000_0000)); // 2^54
        return (m, e - 54);
    }
    let e = exp - 1022;
    let m = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (m, e)
}

/// CPython's hash of a float.
pub fn hash_float(v: f64) -> i64 {
    if v.is_nan() {
        return 0;
    }
    if v.is_infinite() {
        return if v > 0.0 { 314159 } else { -314159 };
    }
    let (mut m, mut e) = frexp(v);
    let mut sign: i64 = 1;
    if m < 0.0 {
        sign = -1;
        m = -m;
    }
    let mut x: u64 = 0;
    while m != 0.0 {
        x = ((x << 28) & MODULUS) | (x >> (61 - 28));
        m *= 268_435_456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        x += y;
        if x >= MODULUS {
            x -= MODULUS;
        }
    }
    let e = if e >= 0 {
        e % 61
    } else {
        61 - 1 - ((-1 - e) % 61)
    } as u32;
    x = ((x << e) & MODULUS) | (x >> (61 - e));
    let h = (x as i64).wrapping_mul(sign);
    if h == -1 {
        -2
    } else {
        h
    }
}

/// The hash of a string (FNV-1a; differs from CPython, whose string hashes are random).
pub fn hash_str(s: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    let h = (h >> 1) as i64;
    if h == -1 {
        -2
    } else {
        h
    }
}

/// The hash of a key, as `hash()` gives it.
pub fn hash_value(v: &Value) -> Result<i64, HashError> {
    hash_depth(v, 0)
}

fn hash_depth(v: &Value, depth: u32) -> Result<i64, HashError> {
    if depth > MAX_KEY_DEPTH {
        return Err(HashError::TooDeep);
    }
    Ok(match v {
        Value::Int(i) => hash_int(*i),
        Value::Bool(b) => *b as i64,
        Value::Float(f) => hash_float(*f),
        Value::Str(s) => hash_str(s.as_str()),
        Value::None | Value::Null => 0x1_0000_5a5a,
        Value::Tuple(t) => {
            const P1: u64 = 11400714785074694791;
            const P2: u64 = 14029467366897019727;
            const P5: u64 = 2870177450012600261;
            let mut acc: u64 = P5;
            for item in t.items.iter() {
                let lane = hash_depth(item, depth + 1)? as u64;
                acc = acc.wrapping_add(lane.wrapping_mul(P2));
                acc = acc.rotate_left(31);
                acc = acc.wrapping_mul(P1);
            }
            acc = acc.wrapping_add((t.items.len() as u64) ^ (P5 ^ 3527539));
            if acc == u64::MAX {
                1546275796
            } else {
                acc as i64
            }
        }
        Value::Set(s) if s.frozen => s.frozen_hash(),
        Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::View(_) => {
            return Err(HashError::Unhashable(v.type_name()))
        }
        Value::Instance(inst) => {
            if inst.class.lookup_wk(super::names::Wk::__eq__).is_some() {
                return Err(HashError::Unhashable(v.type_name()));
            }
            v.id() >> 4
        }
        Value::Slice(_) => return Err(HashError::Unhashable(v.type_name())),
        _ => v.id() >> 4,
    })
}

/// Key equality, computed natively (no Python `__eq__`).
pub fn key_eq(a: &Value, b: &Value) -> bool {
    key_eq_depth(a, b, 0)
}

fn key_eq_depth(a: &Value, b: &Value, depth: u32) -> bool {
    use Value::*;
    if depth > MAX_KEY_DEPTH {
        return false;
    }
    match (a, b) {
        (Int(x), Int(y)) => x == y,
        (Str(x), Str(y)) => Arc::ptr_eq(x, y) || x.as_str() == y.as_str(),
        (Float(x), Float(y)) => x == y,
        (Int(x), Float(y)) | (Float(y), Int(x)) => (*x as f64) == *y && (*y as i64) == *x,
        (Bool(x), Bool(y)) => x == y,
        (Bool(x), Int(y)) | (Int(y), Bool(x)) => (*x as i64) == *y,
        (Bool(x), Float(y)) | (Float(y), Bool(x)) => (*x as i64 as f64) == *y,
        (Tuple(x), Tuple(y)) => {
            Arc::ptr_eq(x, y)
                || (x.items.len() == y.items.len()
                    && x.items
                        .iter()
                        .zip(y.items.iter())
                        .all(|(p, q)| p.is(q) || key_eq_depth(p, q, depth + 1)))
        }
        (Set(x), Set(y)) => Arc::ptr_eq(x, y) || x.set_eq(y),
        _ => a.is(b),
    }
}

/// One entry; a deleted entry has a `Null` key.
#[derive(Clone)]
pub struct Entry {
    /// The key's hash.
    pub hash: i64,
    /// The key.
    pub key: Value,
    /// The value.
    pub value: Value,
}

const EMPTY: u32 = u32::MAX;
const DUMMY: u32 = u32::MAX - 1;
const SMALL: usize = 8;

/// The inside of a dict.
#[derive(Default)]
pub struct DictData {
    entries: Vec<Entry>,
    indices: Vec<u32>,
    used: usize,
    charge: Charge,
}

impl DictData {
    /// The number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.used
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// The entries, in order, deleted ones included (with `Null` keys).
    pub fn raw_entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Live entries in order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| !e.key.is_null())
    }

    fn find(&self, hash: i64, key: &Value) -> Option<(usize, usize)> {
        if self.indices.is_empty() {
            return self
                .entries
                .iter()
                .position(|e| e.hash == hash && !e.key.is_null() && key_eq(&e.key, key))
                .map(|i| (usize::MAX, i));
        }
        let mask = self.indices.len() - 1;
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            let ix = self.indices[i];
            if ix == EMPTY {
                return None;
            }
            if ix != DUMMY {
                let e = &self.entries[ix as usize];
                if e.hash == hash && key_eq(&e.key, key) {
                    return Some((i, ix as usize));
                }
            }
            perturb >>= 5;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(perturb as usize)
                .wrapping_add(1))
                & mask;
        }
    }

    /// The value for a key.
    pub fn get(&self, hash: i64, key: &Value) -> Option<&Value> {
        self.find(hash, key).map(|(_, ix)| &self.entries[ix].value)
    }

    /// Whether the key is there.
    pub fn contains(&self, hash: i64, key: &Value) -> bool {
        self.find(hash, key).is_some()
    }

    fn recharge(&mut self) -> Result<(), OutOfMemory> {
        let bytes =
            64 + self.entries.capacity() * std::mem::size_of::<Entry>() + self.indices.len() * 4;
        self.charge.set(bytes)
    }

    fn insert_index(&mut self, hash: i64, ix: u32) {
        let mask = self.indices.len() - 1;
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            let slot = self.indices[i];
            if slot == EMPTY || slot == DUMMY {
                self.indices[i] = ix;
                return;
            }
            perturb >>= 5;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(perturb as usize)
                .wrapping_add(1))
                & mask;
        }
    }

    fn rebuild(&mut self) -> Result<(), OutOfMemory> {
        if self.entries.len() != self.used {
            self.entries.retain(|e| !e.key.is_null());
        }
        if self.entries.len() <= SMALL {
            self.indices = Vec::new();
            return self.recharge();
        }
        let mut size = 16usize;
        while size * 2 < self.entries.len() * 3 + 3 {
            size = size.checked_mul(2).ok_or(OutOfMemory)?;
        }
        super::heap::check(size * 4)?;
        self.indices = vec![EMPTY; size];
        for i in 0..self.entries.len() {
            let h = self.entries[i].hash;
            self.insert_index(h, i as u32);
        }
        self.recharge()
    }

    /// Sets a key's value; returns the old value, if any.
    pub fn insert(
        &mut self,
        hash: i64,
        key: Value,
        value: Value,
    ) -> Result<Option<Value>, OutOfMemory> {
        if let Some((_, ix)) = self.find(hash, &key) {
            return Ok(Some(std::mem::replace(&mut self.entries[ix].value, value)));
        }
        if self.entries.len() == self.entries.capacity() {
            let cap = (self.entries.capacity() * 2).max(4);
            super::heap::check((cap - self.entries.len()) * std::mem::size_of::<Entry>())?;
            self.entries.reserve_exact(cap - self.entries.len());
            self.recharge()?;
        }
        if self.entries.len() >= u32::MAX as usize - 2 {
            return Err(OutOfMemory);
        }
        let ix = self.entries.len();
        self.entries.push(Entry { hash, key, value });
        self.used += 1;
        if self.indices.is_empty() {
            if self.entries.len() > SMALL {
                self.rebuild()?;
            }
        } else if self.entries.len() * 3 >= self.indices.len() * 2 {
            self.rebuild()?;
        } else {
            self.insert_index(hash, ix as u32);
        }
        Ok(None)
    }

    /// Removes a key; returns its key and value.
    pub fn remove(&mut self, hash: i64, key: &Value) -> Option<(Value, Value)> {
        let (slot, ix) = self.find(hash, key)?;
        if slot != usize::MAX {
            self.indices[slot] = DUMMY;
        }
        let e = &mut self.entries[ix];
        let k = std::mem::take(&mut e.key);
        let v = std::mem::take(&mut e.value);
        self.used -= 1;
        if self.indices.is_empty() {
            self.entries.remove(ix);
        } else if self.entries.len() > 2 * self.used + 16 {
            let _ = self.rebuild();
        }
        Some((k, v))
    }

    /// Removes the last item (`popitem`).
    pub fn pop_last(&mut self) -> Option<(Value, Value)> {
        let e = self.entries.iter().rev().find(|e| !e.key.is_null())?;
        let (h, k) = (e.hash, e.key.clone());
        let r = self.remove(h, &k);
        // trailing deleted entries can go
        while matches!(self.entries.last(), Some(e) if e.key.is_null()) {
            self.entries.pop();
        }
        r
    }

    /// Removes everything.
    pub fn clear(&mut self) -> Vec<Entry> {
        self.indices = Vec::new();
        self.used = 0;
        let old = std::mem::take(&mut self.entries);
        let _ = self.recharge();
        old
    }

    /// The live entry at or after raw position `pos`: its position and the entry.
    pub fn next_from(&self, pos: usize) -> Option<(usize, &Entry)> {
        let mut p = pos;
        while p < self.entries.len() {
            let e = &self.entries[p];
            if !e.key.is_null() {
                return Some((p, e));
            }
            p += 1;
        }
        None
    }
}

impl Drop for DictData {
    fn drop(&mut self) {
        if !self.entries.is_empty() {
            super::heap::release(std::mem::take(&mut self.entries));
        }
    }
}

/// A `dict`.
#[derive(Default)]
pub struct Dict {
    data: Mutex<DictData>,
}

impl Dict {
    /// A new, empty dict.
    pub fn new() -> Result<Dict, OutOfMemory> {
        let mut d = DictData::default();
        d.recharge()?;
        Ok(Dict {
            data: Mutex::new(d),
        })
    }

    /// Locks the dict for one operation.
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, DictData> {
        lock(&self.data)
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the live entries.
    pub fn snapshot(&self) -> Vec<Entry> {
        self.lock().iter().cloned().collect()
    }
}
