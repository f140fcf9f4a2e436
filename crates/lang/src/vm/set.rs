//! `set` and `frozenset`: CPython's open-addressing table (linear probes, then perturbed
//! jumps; the same resize rule; `pop` from a finger), so sets of ints, floats and tuples of
//! them iterate in exactly CPython's order.

use std::sync::{Mutex, MutexGuard};

use super::dict::key_eq;
use super::heap::{Charge, OutOfMemory};
use super::value::{lock, Value};

const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;
const MINSIZE: usize = 8;

/// One slot of the table.
#[derive(Clone, Default)]
pub enum Slot {
    /// Never used.
    #[default]
    Empty,
    /// Used once, now deleted.
    Dummy,
    /// A key and its hash.
    Active(i64, Value),
}

/// The inside of a set.
pub struct SetData {
    table: Vec<Slot>,
    fill: usize,
    used: usize,
    finger: usize,
    charge: Charge,
}

fn is_empty_slot(s: &Slot) -> bool {
    matches!(s, Slot::Empty)
}

impl SetData {
    fn new() -> Result<SetData, OutOfMemory> {
        let charge = Charge::new(64 + MINSIZE * 24)?;
        Ok(SetData {
            table: vec![Slot::Empty; MINSIZE],
            fill: 0,
            used: 0,
            finger: 0,
            charge,
        })
    }

    fn mask(&self) -> usize {
        self.table.len() - 1
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.used
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// The live slots, in table order (CPython's iteration order).
    pub fn iter(&self) -> impl Iterator<Item = (i64, &Value)> {
        self.table.iter().filter_map(|s| match s {
            Slot::Active(h, k) => Some((*h, k)),
            _ => None,
        })
    }

    /// The elements in iteration order.
    pub fn keys(&self) -> Vec<Value> {
        self.iter().map(|(_, k)| k.clone()).collect()
    }

    fn lookup(&self, hash: i64, key: &Value) -> Option<usize> {
        let mask = self.mask();
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            let probes = if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            };
            for j in i..=i + probes {
                match &self.table[j] {
                    Slot::Empty => return None,
                    Slot::Active(h, k) if *h == hash && key_eq(k, key) => return Some(j),
                    _ => {}
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        }
    }

    /// Whether the key is in the set.
    pub fn contains(&self, hash: i64, key: &Value) -> bool {
        self.lookup(hash, key).is_some()
    }

    fn insert_clean(table: &mut [Slot], hash: i64, key: Value) {
        let mask = table.len() - 1;
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            if is_empty_slot(&table[i]) {
                table[i] = Slot::Active(hash, key);
                return;
            }
            if i + LINEAR_PROBES <= mask {
                if let Some(slot) = table[i + 1..=i + LINEAR_PROBES]
                    .iter_mut()
                    .find(|s| is_empty_slot(s))
                {
                    *slot = Slot::Active(hash, key);
                    return;
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        }
    }

    fn resize(&mut self, minused: usize) -> Result<(), OutOfMemory> {
        let mut newsize = MINSIZE;
        while newsize <= minused {
            newsize = newsize.checked_mul(2).ok_or(OutOfMemory)?;
        }
        self.charge.set(64 + newsize * 24)?;
        let old = std::mem::replace(&mut self.table, vec![Slot::Empty; newsize]);
        self.fill = self.used;
        for s in old {
            if let Slot::Active(h, k) = s {
                Self::insert_clean(&mut self.table, h, k);
            }
        }
        Ok(())
    }

    /// Adds a key (CPython's `set_add_entry`); says whether it was new.
    pub fn add(&mut self, hash: i64, key: Value) -> Result<bool, OutOfMemory> {
        let mask = self.mask();
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        let mut freeslot: Option<usize> = None;
        let found_unused;
        'outer: loop {
            let probes = if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            };
            for j in i..=i + probes {
                match &self.table[j] {
                    Slot::Empty => {
                        found_unused = j;
                        break 'outer;
                    }
                    Slot::Active(h, k) => {
                        if *h == hash && key_eq(k, &key) {
                            return Ok(false);
                        }
                    }
                    Slot::Dummy => {
                        if freeslot.is_none() {
                            freeslot = Some(j);
                        }
                    }
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        }
        if let Some(f) = freeslot {
            self.used += 1;
            self.table[f] = Slot::Active(hash, key);
            return Ok(true);
        }
        self.fill += 1;
        self.used += 1;
        self.table[found_unused] = Slot::Active(hash, key);
        if self.fill * 5 < mask * 3 {
            return Ok(true);
        }
        let target = if self.used > 50000 {
            self.used * 2
        } else {
            self.used * 4
        };
        self.resize(target)?;
        Ok(true)
    }

    /// Removes a key; returns it when it was there.
    pub fn discard(&mut self, hash: i64, key: &Value) -> Option<Value> {
        let j = self.lookup(hash, key)?;
        let old = std::mem::replace(&mut self.table[j], Slot::Dummy);
        self.used -= 1;
        match old {
            Slot::Active(_, k) => Some(k),
            _ => None,
        }
    }

    /// Removes and returns an arbitrary element, as CPython's `set.pop` chooses it.
    pub fn pop(&mut self) -> Option<Value> {
        if self.used == 0 {
            return None;
        }
        let mask = self.mask();
        let mut i = self.finger & mask;
        while !matches!(self.table[i], Slot::Active(..)) {
            i += 1;
            if i > mask {
                i = 0;
            }
        }
        let old = std::mem::replace(&mut self.table[i], Slot::Dummy);
        self.used -= 1;
        self.finger = i + 1;
        match old {
            Slot::Active(_, k) => Some(k),
            _ => None,
        }
    }

    /// Removes everything.
    pub fn clear(&mut self) -> Vec<Slot> {
        let old = std::mem::replace(&mut self.table, vec![Slot::Empty; MINSIZE]);
        self.fill = 0;
        self.used = 0;
        self.finger = 0;
        let _ = self.charge.set(64 + MINSIZE * 24);
        old
    }

    /// Adds every element of `other` (CPython's `set_merge`).
    pub fn merge(&mut self, other: &SetData) -> Result<(), OutOfMemory> {
        if other.used == 0 {
            return Ok(());
        }
        if (self.fill + other.used) * 5 >= self.mask() * 3 {
            self.resize((self.used + other.used) * 2)?;
        }
        if self.fill == 0 && self.mask() == other.mask() && other.fill == other.used {
            for (i, s) in other.table.iter().enumerate() {
                if let Slot::Active(h, k) = s {
                    self.table[i] = Slot::Active(*h, k.clone());
                }
            }
            self.fill = other.fill;
            self.used = other.used;
            return Ok(());
        }
        if self.fill == 0 {
            self.fill = other.used;
            self.used = other.used;
            for s in other.table.iter() {
                if let Slot::Active(h, k) = s {
                    Self::insert_clean(&mut self.table, *h, k.clone());
                }
            }
            return Ok(());
        }
        for s in other.table.iter() {
            if let Slot::Active(h, k) = s {
                self.add(*h, k.clone())?;
            }
        }
        Ok(())
    }

    /// Adds the keys of a dict of `n` items (CPython's dict branch of `set_update_internal`).
    pub fn add_from_dict(&mut self, entries: &[(i64, Value)]) -> Result<(), OutOfMemory> {
        if (self.fill + entries.len()) * 5 >= self.mask() * 3 {
            self.resize((self.used + entries.len()) * 2)?;
        }
        for (h, k) in entries {
            self.add(*h, k.clone())?;
        }
        Ok(())
    }

    /// Exchanges the tables of two sets (CPython's `set_swap_bodies`).
    pub fn swap_with(&mut self, other: &mut SetData) {
        std::mem::swap(&mut self.table, &mut other.table);
        std::mem::swap(&mut self.fill, &mut other.fill);
        std::mem::swap(&mut self.used, &mut other.used);
        let _ = self.charge.set(64 + self.table.len() * 24);
        let _ = other.charge.set(64 + other.table.len() * 24);
    }

    /// A private, uncharged copy of the table.
    pub fn clone_table(&self) -> SetData {
        SetData {
            table: self.table.clone(),
            fill: self.fill,
            used: self.used,
            finger: self.finger,
            charge: Charge::none(),
        }
    }

    fn frozen_hash(&self) -> i64 {
        fn shuffle(h: u64) -> u64 {
            ((h ^ 89869747) ^ (h << 16)).wrapping_mul(3644798167)
        }
        let mut hash: u64 = 0;
        for (h, _) in self.iter() {
            hash ^= shuffle(h as u64);
        }
        if (self.fill - self.used) & 1 == 1 {
            hash ^= shuffle(u64::MAX);
        }
        hash ^= (self.used as u64 + 1).wrapping_mul(1927868237);
        hash ^= (hash >> 11) ^ (hash >> 25);
        hash = hash.wrapping_mul(69069).wrapping_add(907133923);
        if hash == u64::MAX {
            590923713
        } else {
            hash as i64
        }
    }
}

impl Drop for SetData {
    fn drop(&mut self) {
        if self.used > 0 {
            super::heap::release(std::mem::take(&mut self.table));
        }
    }
}

/// A `set` (or a `frozenset`, which is never changed after it is made).
pub struct Set {
    data: Mutex<SetData>,
    /// Whether this is a `frozenset`.
    pub frozen: bool,
}

impl Set {
    /// A new, empty set.
    pub fn new(frozen: bool) -> Result<Set, OutOfMemory> {
        Ok(Set {
            data: Mutex::new(SetData::new()?),
            frozen,
        })
    }

    /// Locks the set for one operation.
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, SetData> {
        lock(&self.data)
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements in iteration order, with their hashes.
    pub fn entries(&self) -> Vec<(i64, Value)> {
        self.lock().iter().map(|(h, k)| (h, k.clone())).collect()
    }

    /// Set equality (same elements).
    pub fn set_eq(&self, other: &Set) -> bool {
        let mine = self.entries();
        let theirs = other.lock();
        mine.len() == theirs.len() && mine.iter().all(|(h, k)| theirs.contains(*h, k))
    }

    /// `hash(frozenset)`, CPython's algorithm.
    pub fn frozen_hash(&self) -> i64 {
        self.lock().frozen_hash()
    }
}
