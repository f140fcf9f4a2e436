//! Methods of the built-in types: `str`, `list`, `tuple`, `dict`, `set`, `int`, `float`.

use std::sync::Arc;

use super::builtins::as_index;
use super::exceptions::{new_exc, new_exc_args, type_error, value_error, Flow, PResult};
use super::interp::Interp;
use super::names::Wk;
use super::types::ExcType;
use super::value::{BaseType, DictView, PyStr, Value, ViewKind};
use crate::format::{
    Accessor, Conversion, FieldKey, FormatPiece, FormatStringParser, ReplacementField,
};
use crate::num;

/// Whether type `t` has a native method named `wk`.
pub fn has_method(t: BaseType, wk: Wk) -> bool {
    use Wk::*;
    match t {
        BaseType::Str => matches!(
            wk,
            join | split
                | rsplit
                | strip
                | lstrip
                | rstrip
                | upper
                | lower
                | title
                | capitalize
                | startswith
                | endswith
                | find
                | rfind
                | index
                | rindex
                | count
                | replace
                | format
                | center
                | ljust
                | rjust
                | zfill
                | isdigit
                | isalpha
                | isalnum
                | isspace
                | isupper
                | islower
                | isnumeric
                | isdecimal
                | istitle
                | isidentifier
                | splitlines
                | partition
                | rpartition
                | encode
                | swapcase
                | casefold
                | removeprefix
                | removesuffix
                | expandtabs
        ),
        BaseType::List => matches!(
            wk,
            append | extend | insert | pop | remove | index | count | sort | reverse | copy | clear
        ),
        BaseType::Tuple => matches!(wk, index | count),
        BaseType::Dict => matches!(
            wk,
            get | keys
                | values
                | items
                | pop
                | setdefault
                | update
                | copy
                | clear
                | popitem
                | fromkeys
        ),
        BaseType::Set | BaseType::FrozenSet => {
            matches!(
                wk,
                union
                    | intersection
                    | difference
                    | symmetric_difference
                    | issubset
                    | issuperset
                    | isdisjoint
                    | copy
            ) || (t == BaseType::Set
                && matches!(
                    wk,
                    add | remove
                        | discard
                        | pop
                        | update
                        | intersection_update
                        | difference_update
                        | symmetric_difference_update
                        | clear
                ))
        }
        BaseType::Int | BaseType::Bool => {
            matches!(wk, bit_length | bit_count | conjugate | as_integer_ratio)
        }
        BaseType::Float => matches!(wk, is_integer | conjugate | as_integer_ratio),
        BaseType::DictKeys | BaseType::DictItems => matches!(wk, isdisjoint),
        _ => false,
    }
}

/// The method names of a built-in type (for suggestions).
pub fn all_methods(t: BaseType) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut i: u16 = 1;
    loop {
        let wk = Wk::from_u16(i);
        if wk == Wk::Other {
            break;
        }
        if has_method(t, wk) {
            out.push(wk.text());
        }
        i += 1;
    }
    out
}

/// Plain (non-method) attributes of built-in values.
pub fn value_attr(v: &Value, wk: Wk) -> Option<Value> {
    match (v, wk) {
        (Value::Int(i), Wk::real | Wk::numerator) => Some(Value::Int(*i)),
        (Value::Bool(b), Wk::real | Wk::numerator) => Some(Value::Int(*b as i64)),
        (Value::Int(_) | Value::Bool(_), Wk::imag) => Some(Value::Int(0)),
        (Value::Int(_) | Value::Bool(_), Wk::denominator) => Some(Value::Int(1)),
        (Value::Float(f), Wk::real) => Some(Value::Float(*f)),
        (Value::Float(_), Wk::imag) => Some(Value::Float(0.0)),
        (Value::Range(r), Wk::start) => Some(Value::Int(r.start)),
        (Value::Range(r), Wk::stop) => Some(Value::Int(r.stop)),
        (Value::Range(r), Wk::step) => Some(Value::Int(r.step)),
        (Value::Slice(s), Wk::start) => Some(s.start.clone()),
        (Value::Slice(s), Wk::stop) => Some(s.stop.clone()),
        (Value::Slice(s), Wk::step) => Some(s.step.clone()),
        _ => None,
    }
}

fn arity(name: &str, args: &[Value], min: usize, max: usize) -> PResult<()> {
    let n = args.len();
    if n >= min && n <= max {
        return Ok(());
    }
    if min == max {
        if min == 0 {
            return Err(type_error(format!(
                "{name}() takes no arguments ({n} given)"
            )));
        }
        if min == 1 {
            return Err(type_error(format!(
                "{name}() takes exactly one argument ({n} given)"
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

/// CPython's `ADJUST_INDICES` for `str.find` and friends (character positions).
fn adjust(start: Option<i64>, end: Option<i64>, len: usize) -> (usize, usize) {
    let len = len as i64;
    let mut s = start.unwrap_or(0);
    let mut e = end.unwrap_or(len);
    if e > len {
        e = len;
    } else if e < 0 {
        e += len;
        if e < 0 {
            e = 0;
        }
    }
    if s < 0 {
        s += len;
        if s < 0 {
            s = 0;
        }
    }
    (s as usize, e as usize)
}

fn opt_index(v: Option<&Value>) -> PResult<Option<i64>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Int(i)) => Ok(Some(*i)),
        Some(Value::Bool(b)) => Ok(Some(*b as i64)),
        Some(other) => Err(type_error(format!(
            "slice indices must be integers or None or have an __index__ method, not {}",
            other.type_name()
        ))
        .into_slice_error()),
    }
}

trait SliceErr {
    fn into_slice_error(self) -> Flow;
}

impl SliceErr for Flow {
    fn into_slice_error(self) -> Flow {
        match self {
            Flow::Exc(_) => {
                type_error("slice indices must be integers or None or have an __index__ method")
            }
            other => other,
        }
    }
}

/// Byte offset of character `ci` in `s`.
fn byte_at(s: &str, ascii: bool, ci: usize) -> usize {
    if ascii {
        ci.min(s.len())
    } else {
        s.char_indices().nth(ci).map(|(b, _)| b).unwrap_or(s.len())
    }
}

fn char_at_byte(s: &str, ascii: bool, b: usize) -> usize {
    if ascii {
        b
    } else {
        s[..b].chars().count()
    }
}

fn is_py_space(c: char) -> bool {
    num::is_space(c)
}

fn split_whitespace(s: &str, maxsplit: i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s.trim_start_matches(is_py_space);
    let mut splits = 0;
    while !rest.is_empty() {
        if maxsplit >= 0 && splits >= maxsplit {
            out.push(rest.to_string());
            return out;
        }
        match rest.find(is_py_space) {
            Some(i) => {
                out.push(rest[..i].to_string());
                rest = rest[i..].trim_start_matches(is_py_space);
                splits += 1;
            }
            None => {
                out.push(rest.to_string());
                return out;
            }
        }
    }
    out
}

fn rsplit_whitespace(s: &str, maxsplit: i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s.trim_end_matches(is_py_space);
    let mut splits = 0;
    while !rest.is_empty() {
        if maxsplit >= 0 && splits >= maxsplit {
            out.push(rest.to_string());
            break;
        }
        match rest.rfind(is_py_space) {
            Some(i) => {
                let c = rest[i..].chars().next().map(|c| c.len_utf8()).unwrap_or(1);
                out.push(rest[i + c..].to_string());
                rest = rest[..i].trim_end_matches(is_py_space);
                splits += 1;
            }
            None => {
                out.push(rest.to_string());
                break;
            }
        }
    }
    out.reverse();
    out
}

fn is_cased(c: char) -> bool {
    c.is_uppercase() || c.is_lowercase()
}

fn py_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            out.extend(title_case(c));
        }
        prev_cased = is_cased(c);
    }
    out
}

fn title_case(c: char) -> impl Iterator<Item = char> {
    // Title case equals upper case except for a few digraphs.
    let t: Vec<char> = match c {
        'ǆ' | 'ǅ' | 'Ǆ' => vec!['ǅ'],
        'ǉ' | 'ǈ' | 'Ǉ' => vec!['ǈ'],
        'ǌ' | 'ǋ' | 'Ǌ' => vec!['ǋ'],
        'ǳ' | 'ǲ' | 'Ǳ' => vec!['ǲ'],
        'ß' => vec!['S', 's'],
        _ => c.to_uppercase().collect(),
    };
    t.into_iter()
}

fn pad(s: &str, nchars: usize, width: i64, fill: char, how: u8) -> String {
    let width = width.max(0) as usize;
    if width <= nchars {
        return s.to_string();
    }
    let total = width - nchars;
    let (left, right) = match how {
        0 => (0, total),
        1 => (total, 0),
        _ => {
            let left = total / 2 + (total & width & 1);
            (left, total - left)
        }
    };
    let mut out = String::with_capacity(s.len() + total * fill.len_utf8());
    for _ in 0..left {
        out.push(fill);
    }
    out.push_str(s);
    for _ in 0..right {
        out.push(fill);
    }
    out
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

impl Interp {
    fn str_arg<'a>(&self, v: &'a Value, what: &str) -> PResult<&'a Arc<PyStr>> {
        match v {
            Value::Str(s) => Ok(s),
            other => Err(type_error(format!("{what}, not {}", other.type_name()))),
        }
    }

    fn strings(&self, items: Vec<String>) -> PResult<Value> {
        let mut out = Vec::with_capacity(items.len());
        for s in items {
            out.push(Value::str(s)?);
        }
        Ok(Value::list(out)?)
    }

    /// Calls method `wk` of a built-in value.
    pub fn call_method_native(
        &mut self,
        t: BaseType,
        wk: Wk,
        this: &Value,
        args: &[Value],
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        if this.base_type() != t
            && !(t == BaseType::Int && matches!(this, Value::Bool(_)))
            && t != BaseType::Native
        {
            return Err(type_error(format!(
                "descriptor '{}' for '{}' objects doesn't apply to a '{}' object",
                wk.text(),
                super::value::base_type_name(t),
                this.type_name()
            )));
        }
        if let Value::Native(n) = this {
            if super::threads::thread_has_method(n, wk) {
                return self.thread_method(this, wk, args, kwargs);
            }
        }
        match this {
            Value::Str(s) => {
                if wk == Wk::format {
                    return self.str_format(s.as_str(), args, &kwargs);
                }
                if wk == Wk::split || wk == Wk::rsplit || wk == Wk::splitlines {
                    return self.str_split(s, wk, args, kwargs);
                }
                if !kwargs.is_empty() {
                    return Err(type_error(format!(
                        "{}() takes no keyword arguments",
                        wk.text()
                    )));
                }
                self.str_method(s, wk, args)
            }
            Value::List(_) => self.list_method(this, wk, args, kwargs),
            Value::Tuple(tp) => {
                let items = tp.items.to_vec();
                self.seq_index_count(&items, wk, args, "tuple")
            }
            Value::Dict(_) => self.dict_method(this, wk, args, kwargs),
            Value::Set(_) => self.set_method(this, wk, args),
            Value::Int(_) | Value::Bool(_) => {
                let i = match this {
                    Value::Int(i) => *i,
                    Value::Bool(b) => *b as i64,
                    _ => 0,
                };
                match wk {
                    Wk::bit_length => Ok(Value::Int(64 - i.unsigned_abs().leading_zeros() as i64)),
                    Wk::bit_count => Ok(Value::Int(i.unsigned_abs().count_ones() as i64)),
                    Wk::conjugate => Ok(Value::Int(i)),
                    Wk::as_integer_ratio => Ok(Value::tuple(vec![Value::Int(i), Value::Int(1)])?),
                    _ => Err(type_error("no such method")),
                }
            }
            Value::Float(f) => match wk {
                Wk::is_integer => Ok(Value::Bool(f.is_finite() && f.fract() == 0.0)),
                Wk::conjugate => Ok(Value::Float(*f)),
                _ => Err(type_error(format!(
                    "float.{}() is not supported by racelab",
                    wk.text()
                ))),
            },
            Value::View(v) => match wk {
                Wk::isdisjoint => {
                    let other = self.collect(&args.first().cloned().unwrap_or(Value::None))?;
                    let mine = self.collect(&Value::View(v.clone()))?;
                    for x in &other {
                        for y in &mine {
                            if self.eq(x, y)? {
                                return Ok(Value::Bool(false));
                            }
                        }
                    }
                    Ok(Value::Bool(true))
                }
                _ => Err(type_error("no such method")),
            },
            Value::Native(_) => self.native_method(this, wk, args),
            _ => Err(type_error(format!(
                "'{}' object has no method '{}'",
                this.type_name(),
                wk.text()
            ))),
        }
    }

    fn str_split(
        &mut self,
        s: &Arc<PyStr>,
        wk: Wk,
        args: &[Value],
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        let text = s.as_str();
        if wk == Wk::splitlines {
            let mut keep = args.first().cloned();
            for (k, v) in kwargs {
                if k.as_str() == "keepends" {
                    keep = Some(v);
                } else {
                    return Err(type_error(format!(
                        "splitlines() got an unexpected keyword argument '{}'",
                        k.as_str()
                    )));
                }
            }
            let keep = match keep {
                Some(v) => self.truthy(&v)?,
                None => false,
            };
            let mut out = Vec::new();
            let chars: Vec<char> = text.chars().collect();
            let mut i = 0;
            let mut start = 0;
            while i < chars.len() {
                if is_line_break(chars[i]) {
                    let mut end = i + 1;
                    if chars[i] == '\r' && i + 1 < chars.len() && chars[i + 1] == '\n' {
                        end = i + 2;
                    }
                    let line: String = if keep {
                        chars[start..end].iter().collect()
                    } else {
                        chars[start..i].iter().collect()
                    };
                    out.push(line);
                    start = end;
                    i = end;
                } else {
                    i += 1;
                }
            }
            if start < chars.len() {
                out.push(chars[start..].iter().collect());
            }
            return self.strings(out);
        }
        let mut sep = args.first().cloned().unwrap_or(Value::None);
        let mut maxsplit = match args.get(1) {
            Some(v) => as_index(v)?,
            None => -1,
        };
        if args.len() > 2 {
            return Err(type_error(format!(
                "{}() takes at most 2 arguments ({} given)",
                wk.text(),
                args.len()
            )));
        }
        for (k, v) in kwargs {
            match k.as_str() {
                "sep" => sep = v,
                "maxsplit" => maxsplit = as_index(&v)?,
                other => {
                    return Err(type_error(format!(
                        "{}() got an unexpected keyword argument '{other}'",
                        wk.text()
                    )))
                }
            }
        }
        let parts: Vec<String> = match &sep {
            Value::None => {
                if wk == Wk::split {
                    split_whitespace(text, maxsplit)
                } else {
                    rsplit_whitespace(text, maxsplit)
                }
            }
            Value::Str(p) => {
                let p = p.as_str();
                if p.is_empty() {
                    return Err(value_error("empty separator"));
                }
                if wk == Wk::split {
                    if maxsplit < 0 {
                        text.split(p).map(String::from).collect()
                    } else {
                        text.splitn(maxsplit as usize + 1, p)
                            .map(String::from)
                            .collect()
                    }
                } else {
                    let mut v: Vec<String> = if maxsplit < 0 {
                        text.rsplit(p).map(String::from).collect()
                    } else {
                        text.rsplitn(maxsplit as usize + 1, p)
                            .map(String::from)
                            .collect()
                    };
                    v.reverse();
                    v
                }
            }
            other => {
                return Err(type_error(format!(
                    "must be str or None, not {}",
                    other.type_name()
                )))
            }
        };
        self.strings(parts)
    }

    fn str_method(&mut self, s: &Arc<PyStr>, wk: Wk, args: &[Value]) -> PResult<Value> {
        let text = s.as_str();
        let ascii = s.is_ascii();
        let name = wk.text();
        match wk {
            Wk::join => {
                arity("join", args, 1, 1)?;
                let items = self.collect(&args[0])?;
                let mut out = String::new();
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(text);
                    }
                    match it {
                        Value::Str(x) => out.push_str(x.as_str()),
                        other => {
                            return Err(type_error(format!(
                                "sequence item {i}: expected str instance, {} found",
                                other.type_name()
                            )))
                        }
                    }
                }
                Ok(Value::str(out)?)
            }
            Wk::strip | Wk::lstrip | Wk::rstrip => {
                arity(name, args, 0, 1)?;
                let out = match args.first() {
                    None | Some(Value::None) => match wk {
                        Wk::strip => text.trim_matches(is_py_space),
                        Wk::lstrip => text.trim_start_matches(is_py_space),
                        _ => text.trim_end_matches(is_py_space),
                    },
                    Some(Value::Str(chars)) => {
                        let set: Vec<char> = chars.as_str().chars().collect();
                        let f = |c: char| set.contains(&c);
                        match wk {
                            Wk::strip => text.trim_matches(f),
                            Wk::lstrip => text.trim_start_matches(f),
                            _ => text.trim_end_matches(f),
                        }
                    }
                    Some(other) => {
                        return Err(type_error(format!(
                            "{name} arg must be None or str, not {}",
                            other.type_name()
                        )))
                    }
                };
                Ok(Value::str(out.to_string())?)
            }
            Wk::upper => Ok(Value::str(text.to_uppercase())?),
            Wk::lower => Ok(Value::str(text.to_lowercase())?),
            Wk::casefold => Ok(Value::str(text.to_lowercase())?),
            Wk::swapcase => Ok(Value::str(
                text.chars()
                    .flat_map(|c| -> Vec<char> {
                        if c.is_uppercase() {
                            c.to_lowercase().collect()
                        } else if c.is_lowercase() {
                            c.to_uppercase().collect()
                        } else {
                            vec![c]
                        }
                    })
                    .collect(),
            )?),
            Wk::title => Ok(Value::str(py_title(text))?),
            Wk::capitalize => {
                let mut out = String::new();
                let mut it = text.chars();
                if let Some(c) = it.next() {
                    out.extend(title_case(c));
                    for c in it {
                        out.extend(c.to_lowercase());
                    }
                }
                Ok(Value::str(out)?)
            }
            Wk::startswith | Wk::endswith => {
                arity(name, args, 1, 3)?;
                let (st, en) = adjust(opt_index(args.get(1))?, opt_index(args.get(2))?, s.nchars());
                let sub = if st > en || st > s.nchars() {
                    None
                } else {
                    Some(&text[byte_at(text, ascii, st)..byte_at(text, ascii, en)])
                };
                let check = |p: &str| -> bool {
                    match sub {
                        None => false,
                        Some(sub) => {
                            if wk == Wk::startswith {
                                sub.starts_with(p)
                            } else {
                                sub.ends_with(p)
                            }
                        }
                    }
                };
                match &args[0] {
                    Value::Str(p) => Ok(Value::Bool(check(p.as_str()))),
                    Value::Tuple(t) => {
                        for p in t.items.iter() {
                            match p {
                                Value::Str(p) => {
                                    if check(p.as_str()) {
                                        return Ok(Value::Bool(true));
                                    }
                                }
                                other => {
                                    return Err(type_error(format!(
                                        "tuple for {name} must only contain str, not {}",
                                        other.type_name()
                                    )))
                                }
                            }
                        }
                        Ok(Value::Bool(false))
                    }
                    other => Err(type_error(format!(
                        "{name} first arg must be str or a tuple of str, not {}",
                        other.type_name()
                    ))),
                }
            }
            Wk::find | Wk::rfind | Wk::index | Wk::rindex | Wk::count => {
                arity(name, args, 1, 3)?;
                let sub = self.str_arg(&args[0], "must be str")?.clone();
                let sub = sub.as_str();
                let (st, en) = adjust(opt_index(args.get(1))?, opt_index(args.get(2))?, s.nchars());
                if wk == Wk::count {
                    if st > en || st > s.nchars() {
                        return Ok(Value::Int(0));
                    }
                    let hay = &text[byte_at(text, ascii, st)..byte_at(text, ascii, en)];
                    let n = if sub.is_empty() {
                        hay.chars().count() + 1
                    } else {
                        hay.matches(sub).count()
                    };
                    return Ok(Value::Int(n as i64));
                }
                let found = if st > en || st > s.nchars() {
                    None
                } else {
                    let b0 = byte_at(text, ascii, st);
                    let hay = &text[b0..byte_at(text, ascii, en)];
                    let r = if wk == Wk::find || wk == Wk::index {
                        hay.find(sub)
                    } else {
                        hay.rfind(sub)
                    };
                    r.map(|b| st + char_at_byte(hay, ascii, b))
                };
                match found {
                    Some(i) => Ok(Value::Int(i as i64)),
                    None => {
                        if wk == Wk::index || wk == Wk::rindex {
                            Err(value_error("substring not found"))
                        } else {
                            Ok(Value::Int(-1))
                        }
                    }
                }
            }
            Wk::replace => {
                arity("replace", args, 2, 3)?;
                let old = self
                    .str_arg(&args[0], "replace() argument 1 must be str")?
                    .clone();
                let new = self
                    .str_arg(&args[1], "replace() argument 2 must be str")?
                    .clone();
                let count = match args.get(2) {
                    Some(v) => as_index(v)?,
                    None => -1,
                };
                let n_matches = if old.as_str().is_empty() {
                    s.nchars() + 1
                } else {
                    text.matches(old.as_str()).count()
                };
                let n = if count < 0 {
                    n_matches
                } else {
                    n_matches.min(count as usize)
                };
                let grow = new.as_str().len().saturating_mul(n);
                super::heap::check(text.len().saturating_add(grow))?;
                let out = if count < 0 {
                    text.replace(old.as_str(), new.as_str())
                } else {
                    text.replacen(old.as_str(), new.as_str(), count as usize)
                };
                Ok(Value::str(out)?)
            }
            Wk::center | Wk::ljust | Wk::rjust => {
                arity(name, args, 1, 2)?;
                let w = as_index(&args[0])?;
                let fill = match args.get(1) {
                    None => ' ',
                    Some(Value::Str(f)) if f.nchars() == 1 => {
                        f.as_str().chars().next().unwrap_or(' ')
                    }
                    Some(Value::Str(_)) => {
                        return Err(type_error(
                            "The fill character must be exactly one character long",
                        ))
                    }
                    Some(other) => {
                        return Err(type_error(format!(
                            "{name}() argument 2 must be str, not {}",
                            other.type_name()
                        )))
                    }
                };
                super::heap::check(w.max(0) as usize)?;
                let how = match wk {
                    Wk::ljust => 0,
                    Wk::rjust => 1,
                    _ => 2,
                };
                Ok(Value::str(pad(text, s.nchars(), w, fill, how))?)
            }
            Wk::zfill => {
                arity("zfill", args, 1, 1)?;
                let w = as_index(&args[0])?.max(0) as usize;
                super::heap::check(w)?;
                let n = s.nchars();
                if w <= n {
                    return Ok(Value::Str(s.clone()));
                }
                let fill = w - n;
                let mut out = String::with_capacity(w);
                let mut rest = text;
                if let Some(c) = text.chars().next() {
                    if c == '+' || c == '-' {
                        out.push(c);
                        rest = &text[1..];
                    }
                }
                for _ in 0..fill {
                    out.push('0');
                }
                out.push_str(rest);
                Ok(Value::str(out)?)
            }
            Wk::isdigit | Wk::isnumeric | Wk::isdecimal => Ok(Value::Bool(
                !text.is_empty()
                    && text.chars().all(|c| match wk {
                        Wk::isdecimal => num::decimal_value(c).is_some(),
                        Wk::isdigit => {
                            num::decimal_value(c).is_some()
                                || matches!(c, '²' | '³' | '¹' | '⁰'..='⁹')
                        }
                        _ => c.is_numeric(),
                    }),
            )),
            Wk::isalpha => Ok(Value::Bool(
                !text.is_empty() && text.chars().all(|c| c.is_alphabetic()),
            )),
            Wk::isalnum => Ok(Value::Bool(
                !text.is_empty() && text.chars().all(|c| c.is_alphanumeric()),
            )),
            Wk::isspace => Ok(Value::Bool(
                !text.is_empty() && text.chars().all(is_py_space),
            )),
            Wk::isupper => Ok(Value::Bool(
                text.chars().any(is_cased) && !text.chars().any(|c| c.is_lowercase()),
            )),
            Wk::islower => Ok(Value::Bool(
                text.chars().any(is_cased) && !text.chars().any(|c| c.is_uppercase()),
            )),
            Wk::istitle => Ok(Value::Bool(
                !text.is_empty() && py_title(text) == text && text.chars().any(is_cased),
            )),
            Wk::isidentifier => {
                let mut it = text.chars();
                Ok(Value::Bool(match it.next() {
                    Some(c) => {
                        (c == '_' || c.is_alphabetic())
                            && it.all(|c| c == '_' || c.is_alphanumeric())
                    }
                    None => false,
                }))
            }
            Wk::partition | Wk::rpartition => {
                arity(name, args, 1, 1)?;
                let sep = self.str_arg(&args[0], "must be str")?.clone();
                if sep.as_str().is_empty() {
                    return Err(value_error("empty separator"));
                }
                let found = if wk == Wk::partition {
                    text.find(sep.as_str())
                } else {
                    text.rfind(sep.as_str())
                };
                let parts = match found {
                    Some(i) => vec![
                        text[..i].to_string(),
                        sep.as_str().to_string(),
                        text[i + sep.as_str().len()..].to_string(),
                    ],
                    None => {
                        if wk == Wk::partition {
                            vec![text.to_string(), String::new(), String::new()]
                        } else {
                            vec![String::new(), String::new(), text.to_string()]
                        }
                    }
                };
                let mut vals = Vec::new();
                for p in parts {
                    vals.push(Value::str(p)?);
                }
                Ok(Value::tuple(vals)?)
            }
            Wk::removeprefix | Wk::removesuffix => {
                arity(name, args, 1, 1)?;
                let p = self
                    .str_arg(&args[0], &format!("{name}() argument must be str"))?
                    .clone();
                let out = if wk == Wk::removeprefix {
                    text.strip_prefix(p.as_str()).unwrap_or(text)
                } else {
                    text.strip_suffix(p.as_str()).unwrap_or(text)
                };
                Ok(Value::str(out.to_string())?)
            }
            Wk::expandtabs => {
                arity(name, args, 0, 1)?;
                let tab = match args.first() {
                    Some(v) => as_index(v)?,
                    None => 8,
                };
                let mut out = String::new();
                let mut col = 0i64;
                for c in text.chars() {
                    if c == '\t' {
                        if tab > 0 {
                            let n = tab - col % tab;
                            for _ in 0..n {
                                out.push(' ');
                            }
                            col += n;
                        }
                    } else {
                        out.push(c);
                        col = if c == '\n' || c == '\r' { 0 } else { col + 1 };
                    }
                }
                Ok(Value::str(out)?)
            }
            Wk::encode => Err(new_exc(
                ExcType::NotImplementedError,
                "racelab has no bytes: str.encode() is not supported",
            )),
            _ => Err(type_error(format!(
                "str.{name}() is not supported by racelab"
            ))),
        }
    }

    /// `template.format(*args, **kwargs)`.
    pub fn str_format(
        &mut self,
        template: &str,
        args: &[Value],
        kwargs: &[(Arc<PyStr>, Value)],
    ) -> PResult<Value> {
        let mut out = String::new();
        for piece in FormatStringParser::new(template) {
            match piece? {
                FormatPiece::Literal(s) => out.push_str(&s),
                FormatPiece::Field(f) => {
                    let s = self.render_field(&f, args, kwargs, 0)?;
                    out.push_str(&s);
                }
            }
        }
        Ok(Value::str(out)?)
    }

    fn render_field(
        &mut self,
        f: &ReplacementField,
        args: &[Value],
        kwargs: &[(Arc<PyStr>, Value)],
        depth: u32,
    ) -> PResult<String> {
        if depth > 2 {
            return Err(value_error("Max string recursion exceeded"));
        }
        let mut v = match &f.name.key {
            FieldKey::Index(i) => match args.get(*i) {
                Some(v) => v.clone(),
                None => {
                    return Err(new_exc(
                        ExcType::IndexError,
                        format!("Replacement index {i} out of range for positional args tuple"),
                    ))
                }
            },
            FieldKey::Name(n) => match kwargs.iter().find(|(k, _)| k.as_str() == n) {
                Some((_, v)) => v.clone(),
                None => {
                    return Err(new_exc_args(
                        ExcType::KeyError,
                        vec![Value::str(n.clone())?],
                    ))
                }
            },
        };
        for acc in &f.name.accessors {
            v = match acc {
                Accessor::Attr(a) => {
                    let name = self.module.interner.lookup(a);
                    self.get_attr(&v, &name)?
                }
                Accessor::Index(i) => self.get_item(&v, &Value::Int(*i as i64))?,
                Accessor::Key(k) => self.get_item(&v, &Value::str(k.clone())?)?,
            };
        }
        if let Some(e) = &f.name.accessor_error {
            return Err(Flow::from(e.clone()));
        }
        let mut spec = String::new();
        for p in &f.spec {
            match p {
                FormatPiece::Literal(s) => spec.push_str(s),
                FormatPiece::Field(inner) => {
                    spec.push_str(&self.render_field(inner, args, kwargs, depth + 1)?)
                }
            }
        }
        if let Some(c) = f.conversion {
            let conv = Conversion::from_char(c)?;
            let s = match conv {
                Conversion::Str => self.to_str(&v)?,
                Conversion::Repr => self.repr(&v)?,
                Conversion::Ascii => num::ascii_escape(&self.repr(&v)?),
            };
            v = Value::str(s)?;
        }
        self.format_with_spec(&v, &spec)
    }

    fn seq_index_count(
        &mut self,
        items: &[Value],
        wk: Wk,
        args: &[Value],
        tname: &str,
    ) -> PResult<Value> {
        match wk {
            Wk::count => {
                arity("count", args, 1, 1)?;
                let mut n = 0;
                for x in items {
                    if x.is(&args[0]) || self.eq(x, &args[0])? {
                        n += 1;
                    }
                }
                Ok(Value::Int(n))
            }
            Wk::index => {
                arity("index", args, 1, 3)?;
                let len = items.len() as i64;
                let norm = |v: Option<&Value>, d: i64| -> PResult<i64> {
                    Ok(match v {
                        None => d,
                        Some(v) => {
                            let i = as_index(v)?;
                            if i < 0 {
                                (i + len).max(0)
                            } else {
                                i.min(len)
                            }
                        }
                    })
                };
                let st = norm(args.get(1), 0)?;
                let en = norm(args.get(2), len)?;
                let mut i = st;
                while i < en && (i as usize) < items.len() {
                    let x = &items[i as usize];
                    if x.is(&args[0]) || self.eq(x, &args[0])? {
                        return Ok(Value::Int(i));
                    }
                    i += 1;
                }
                if tname == "list" {
                    let r = self.repr(&args[0])?;
                    Err(value_error(format!("{r} is not in list")))
                } else {
                    Err(value_error("tuple.index(x): x not in tuple"))
                }
            }
            _ => Err(type_error("no such method")),
        }
    }

    fn list_method(
        &mut self,
        this: &Value,
        wk: Wk,
        args: &[Value],
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        let Value::List(l) = this else {
            return Ok(Value::None);
        };
        if wk != Wk::sort && !kwargs.is_empty() {
            return Err(type_error(format!(
                "list.{}() takes no keyword arguments",
                wk.text()
            )));
        }
        match wk {
            Wk::append => {
                arity("append", args, 1, 1).map_err(|_| {
                    type_error(format!(
                        "list.append() takes exactly one argument ({} given)",
                        args.len()
                    ))
                })?;
                l.lock().push(args[0].clone())?;
                Ok(Value::None)
            }
            Wk::extend => {
                arity("extend", args, 1, 1)?;
                let items = self.collect(&args[0])?;
                let mut g = l.lock();
                g.reserve(items.len())?;
                g.items.extend(items);
                Ok(Value::None)
            }
            Wk::insert => {
                if args.len() != 2 {
                    return Err(type_error(format!(
                        "insert expected 2 arguments, got {}",
                        args.len()
                    )));
                }
                let i = as_index(&args[0])?;
                let mut g = l.lock();
                let len = g.items.len() as i64;
                let pos = if i < 0 { (i + len).max(0) } else { i.min(len) } as usize;
                g.reserve(1)?;
                g.items.insert(pos, args[1].clone());
                Ok(Value::None)
            }
            Wk::pop => {
                arity("pop", args, 0, 1)?;
                let i = match args.first() {
                    Some(v) => as_index(v)?,
                    None => -1,
                };
                let mut g = l.lock();
                if g.items.is_empty() {
                    return Err(new_exc(ExcType::IndexError, "pop from empty list"));
                }
                let len = g.items.len() as i64;
                let j = if i < 0 { i + len } else { i };
                if j < 0 || j >= len {
                    return Err(new_exc(ExcType::IndexError, "pop index out of range"));
                }
                Ok(g.items.remove(j as usize))
            }
            Wk::remove => {
                arity("remove", args, 1, 1)?;
                let items = l.snapshot();
                for (i, x) in items.iter().enumerate() {
                    if x.is(&args[0]) || self.eq(x, &args[0])? {
                        let mut g = l.lock();
                        // Remove the same element if it is still where we saw it.
                        let pos = if g.items.get(i).map(|y| y.is(x)).unwrap_or(false) {
                            Some(i)
                        } else {
                            g.items.iter().position(|y| y.is(x))
                        };
                        if let Some(p) = pos {
                            let old = g.items.remove(p);
                            drop(g);
                            drop(old);
                        }
                        return Ok(Value::None);
                    }
                }
                Err(value_error("list.remove(x): x not in list"))
            }
            Wk::index | Wk::count => {
                let items = l.snapshot();
                self.seq_index_count(&items, wk, args, "list")
            }
            Wk::sort => {
                if !args.is_empty() {
                    return Err(type_error("sort() takes no positional arguments"));
                }
                let mut key = None;
                let mut reverse = false;
                for (k, v) in kwargs {
                    match k.as_str() {
                        "key" => {
                            if !matches!(v, Value::None) {
                                key = Some(v)
                            }
                        }
                        "reverse" => reverse = self.truthy(&v)?,
                        other => {
                            return Err(type_error(format!(
                                "sort() got an unexpected keyword argument '{other}'"
                            )))
                        }
                    }
                }
                let items = l.snapshot();
                let sorted = self.sort_values(items, key.as_ref(), reverse)?;
                let old = std::mem::replace(&mut l.lock().items, sorted);
                drop(old);
                Ok(Value::None)
            }
            Wk::reverse => {
                arity("reverse", args, 0, 0)?;
                l.lock().items.reverse();
                Ok(Value::None)
            }
            Wk::copy => {
                arity("copy", args, 0, 0)?;
                Ok(Value::list(l.snapshot())?)
            }
            Wk::clear => {
                arity("clear", args, 0, 0)?;
                let old = std::mem::take(&mut l.lock().items);
                drop(old);
                let _ = l.lock().recharge();
                Ok(Value::None)
            }
            _ => Err(type_error("no such method")),
        }
    }

    fn dict_method(
        &mut self,
        this: &Value,
        wk: Wk,
        args: &[Value],
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        let Value::Dict(d) = this else {
            return Ok(Value::None);
        };
        if wk != Wk::update && !kwargs.is_empty() {
            return Err(type_error(format!(
                "dict.{}() takes no keyword arguments",
                wk.text()
            )));
        }
        match wk {
            Wk::get => {
                arity("get", args, 1, 2)?;
                let h = self.hash(&args[0])?;
                let v = d.lock().get(h, &args[0]).cloned();
                Ok(v.unwrap_or_else(|| args.get(1).cloned().unwrap_or(Value::None)))
            }
            Wk::keys | Wk::values | Wk::items => {
                arity(wk.text(), args, 0, 0)?;
                let kind = match wk {
                    Wk::keys => ViewKind::Keys,
                    Wk::values => ViewKind::Values,
                    _ => ViewKind::Items,
                };
                Ok(Value::View(Arc::new(DictView {
                    dict: d.clone(),
                    kind,
                })))
            }
            Wk::pop => {
                arity("pop", args, 1, 2)?;
                let h = self.hash(&args[0])?;
                let r = d.lock().remove(h, &args[0]);
                match r {
                    Some((_, v)) => Ok(v),
                    None => match args.get(1) {
                        Some(dflt) => Ok(dflt.clone()),
                        None => Err(new_exc_args(ExcType::KeyError, vec![args[0].clone()])),
                    },
                }
            }
            Wk::setdefault => {
                arity("setdefault", args, 1, 2)?;
                let h = self.hash(&args[0])?;
                let mut g = d.lock();
                if let Some(v) = g.get(h, &args[0]) {
                    return Ok(v.clone());
                }
                let v = args.get(1).cloned().unwrap_or(Value::None);
                g.insert(h, args[0].clone(), v.clone())?;
                Ok(v)
            }
            Wk::update => {
                arity("update", args, 0, 1)?;
                if let Some(src) = args.first() {
                    self.dict_update_from(d, src, true)?;
                }
                for (k, v) in kwargs {
                    self.dict_set(d, Value::Str(k), v)?;
                }
                Ok(Value::None)
            }
            Wk::copy => {
                let nd = Arc::new(super::dict::Dict::new()?);
                self.dict_update_from(&nd, this, false)?;
                Ok(Value::Dict(nd))
            }
            Wk::clear => {
                let old = d.lock().clear();
                drop(old);
                Ok(Value::None)
            }
            Wk::popitem => {
                let r = d.lock().pop_last();
                match r {
                    Some((k, v)) => Ok(Value::tuple(vec![k, v])?),
                    None => Err(new_exc(ExcType::KeyError, "popitem(): dictionary is empty")),
                }
            }
            Wk::fromkeys => {
                let mut a = vec![];
                a.extend_from_slice(args);
                self.call_builtin(super::builtins::Builtin::DictFromkeys, &a, Vec::new())
            }
            _ => Err(type_error("no such method")),
        }
    }

    /// A set of what an iterable gives (a set itself is used as is).
    fn as_set(&mut self, v: &Value) -> PResult<Arc<super::set::Set>> {
        match v {
            Value::Set(s) => Ok(s.clone()),
            _ => match self.set_from(v, false)? {
                Value::Set(s) => Ok(s),
                _ => Err(type_error("not a set")),
            },
        }
    }

    fn set_method(&mut self, this: &Value, wk: Wk, args: &[Value]) -> PResult<Value> {
        let Value::Set(s) = this else {
            return Ok(Value::None);
        };
        let frozen = s.frozen;
        match wk {
            Wk::add => {
                arity("add", args, 1, 1)?;
                self.set_add(s, args[0].clone())?;
                Ok(Value::None)
            }
            Wk::remove | Wk::discard => {
                arity(wk.text(), args, 1, 1)?;
                let h = self.hash(&args[0])?;
                let r = s.lock().discard(h, &args[0]);
                match r {
                    Some(old) => {
                        drop(old);
                        Ok(Value::None)
                    }
                    None if wk == Wk::remove => {
                        Err(new_exc_args(ExcType::KeyError, vec![args[0].clone()]))
                    }
                    None => Ok(Value::None),
                }
            }
            Wk::pop => {
                arity("pop", args, 0, 0)?;
                let r = s.lock().pop();
                match r {
                    Some(v) => Ok(v),
                    None => Err(new_exc(ExcType::KeyError, "pop from an empty set")),
                }
            }
            Wk::clear => {
                let old = s.lock().clear();
                drop(old);
                Ok(Value::None)
            }
            Wk::copy => {
                let out = Arc::new(super::set::Set::new(frozen)?);
                let data = super::ops::clone_set_data(s);
                out.lock().merge(&data)?;
                Ok(Value::Set(out))
            }
            Wk::union | Wk::update => {
                let target = if wk == Wk::update {
                    s.clone()
                } else {
                    let out = Arc::new(super::set::Set::new(frozen)?);
                    let data = super::ops::clone_set_data(s);
                    out.lock().merge(&data)?;
                    out
                };
                for a in args {
                    match a {
                        Value::Set(o) => {
                            let data = super::ops::clone_set_data(o);
                            target.lock().merge(&data)?;
                        }
                        Value::Dict(dd) => {
                            let entries: Vec<(i64, Value)> =
                                dd.snapshot().into_iter().map(|e| (e.hash, e.key)).collect();
                            target.lock().add_from_dict(&entries)?;
                        }
                        _ => {
                            for x in self.collect(a)? {
                                self.set_add(&target, x)?;
                            }
                        }
                    }
                }
                if wk == Wk::update {
                    Ok(Value::None)
                } else {
                    Ok(Value::Set(target))
                }
            }
            Wk::intersection | Wk::intersection_update => {
                let mut cur = Value::Set(s.clone());
                if args.is_empty() {
                    cur = self.set_method(this, Wk::copy, &[])?;
                }
                for a in args {
                    let Value::Set(c) = &cur else { break };
                    cur = match a {
                        Value::Set(o) => {
                            self.set_op(crate::bytecode::BinOp::BitAnd, c, o, frozen)?
                        }
                        _ => {
                            let out = Arc::new(super::set::Set::new(frozen)?);
                            for x in self.collect(a)? {
                                let h = self.hash(&x)?;
                                if c.lock().contains(h, &x) {
                                    out.lock().add(h, x)?;
                                }
                            }
                            Value::Set(out)
                        }
                    };
                }
                if wk == Wk::intersection_update {
                    self.replace_set(s, &cur)?;
                    Ok(Value::None)
                } else {
                    Ok(cur)
                }
            }
            Wk::difference | Wk::difference_update => {
                let mut cur = self.set_method(this, Wk::copy, &[])?;
                for a in args {
                    let Value::Set(c) = &cur else { break };
                    cur = match a {
                        Value::Set(o) => self.set_op(crate::bytecode::BinOp::Sub, c, o, frozen)?,
                        _ => {
                            for x in self.collect(a)? {
                                let h = self.hash(&x)?;
                                let old = c.lock().discard(h, &x);
                                drop(old);
                            }
                            cur.clone()
                        }
                    };
                }
                if wk == Wk::difference_update {
                    drop(cur);
                    for a in args {
                        self.set_inplace(s, crate::bytecode::BinOp::Sub, a)?;
                    }
                    Ok(Value::None)
                } else {
                    Ok(cur)
                }
            }
            Wk::symmetric_difference | Wk::symmetric_difference_update => {
                arity(wk.text(), args, 1, 1)?;
                if wk == Wk::symmetric_difference_update {
                    self.set_inplace(s, crate::bytecode::BinOp::BitXor, &args[0])?;
                    return Ok(Value::None);
                }
                let o = self.as_set(&args[0])?;
                self.set_op(crate::bytecode::BinOp::BitXor, s, &o, frozen)
            }
            Wk::issubset | Wk::issuperset | Wk::isdisjoint => {
                arity(wk.text(), args, 1, 1)?;
                let o = self.as_set(&args[0])?;
                let (a, b) = if wk == Wk::issuperset {
                    (o.clone(), s.clone())
                } else {
                    (s.clone(), o.clone())
                };
                let ae = a.entries();
                let bd = super::ops::clone_set_data(&b);
                Ok(Value::Bool(if wk == Wk::isdisjoint {
                    !ae.iter().any(|(h, k)| bd.contains(*h, k))
                } else {
                    ae.iter().all(|(h, k)| bd.contains(*h, k))
                }))
            }
            _ => Err(type_error("no such method")),
        }
    }

    fn replace_set(&mut self, s: &Arc<super::set::Set>, with: &Value) -> PResult<()> {
        let Value::Set(w) = with else { return Ok(()) };
        if Arc::ptr_eq(s, w) {
            return Ok(());
        }
        let mut theirs = w.lock();
        let mut mine = s.lock();
        mine.swap_with(&mut theirs);
        Ok(())
    }
}
