//! Python's string formatting, as pure functions over plain Rust values:
//!
//! - the format mini-language of `format()`, f-strings and `str.format` ([`FormatSpec`],
//!   [`format_int`], [`format_bool`], [`format_float`], [`format_str`], [`format_value`]);
//! - the parsing of `str.format` templates ([`parse_format_string`],
//!   [`FormatStringParser`]);
//! - `%`-formatting ([`percent_format`]).
//!
//! Results and error messages are CPython 3.11's, character for character. Widths count code
//! points, as Python's `len`.

mod percent;
mod strformat;
pub(crate) mod unicode;

pub use percent::{percent_format, PercentArg, PercentArgs};
pub use strformat::{
    parse_format_string, render_format_string, Accessor, Conversion, FieldKey, FieldName,
    FieldRenderer, FormatPiece, FormatStringParser, ReplacementField,
};

use crate::num::{double_to_string, DtoaFlags, ExcKind, PyError};

/// The largest width or precision racelab accepts: beyond it, formatting raises
/// `MemoryError` rather than trying to build a gigantic string (CPython would try).
pub const MAX_WIDTH: usize = 1 << 28;

/// The type of the value a format specification is parsed for: it decides the defaults
/// (presentation type, alignment) and the type name in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecKind {
    /// An `int` (default type `d`, right-aligned).
    Int,
    /// A `bool` (formats as an int, but an empty spec gives `True`/`False`).
    Bool,
    /// A `float` (no default type, right-aligned).
    Float,
    /// A `str` (default type `s`, left-aligned).
    Str,
}

impl SpecKind {
    /// The Python type name used in error messages.
    pub fn type_name(self) -> &'static str {
        match self {
            SpecKind::Int => "int",
            SpecKind::Bool => "bool",
            SpecKind::Float => "float",
            SpecKind::Str => "str",
        }
    }

    fn default_type(self) -> Option<char> {
        match self {
            SpecKind::Int | SpecKind::Bool => Some('d'),
            SpecKind::Float => None,
            SpecKind::Str => Some('s'),
        }
    }

    fn default_align(self) -> char {
        match self {
            SpecKind::Str => '<',
            _ => '>',
        }
    }
}

/// A parsed format specification:
/// `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`, with CPython's
/// defaults already applied (fill, alignment and type depend on the [`SpecKind`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatSpec {
    /// The fill character (`' '` by default, `'0'` with the `0` option).
    pub fill: char,
    /// The alignment: `<`, `>`, `=` or `^`.
    pub align: char,
    /// The sign option (`+`, `-` or space), if given.
    pub sign: Option<char>,
    /// The `z` option: negative zero after rounding is written as zero.
    pub no_neg_0: bool,
    /// The `#` option (alternate form).
    pub alternate: bool,
    /// The minimum width, if given.
    pub width: Option<usize>,
    /// The grouping option: `,` or `_`.
    pub grouping: Option<char>,
    /// The precision, if given.
    pub precision: Option<usize>,
    /// The presentation type (`None` only for a float without type).
    pub ty: Option<char>,
    /// Whether the spec was the empty string (`format(True, '')` is `'True'`, while
    /// `format(True, 'd')` is `'1'`).
    pub is_empty: bool,
}

fn is_align(c: char) -> bool {
    matches!(c, '<' | '>' | '=' | '^')
}

/// CPython's `get_integer` for format specs: reads decimal digits (any Unicode decimal
/// digit), returning the value and how many characters were consumed.
fn get_integer(c: &[char], pos: &mut usize) -> Result<(i64, usize), PyError> {
    let mut acc: i64 = 0;
    let mut n = 0;
    while let Some(d) = c.get(*pos).and_then(|&ch| unicode::decimal_value(ch)) {
        acc = acc
            .checked_mul(10)
            .and_then(|a| a.checked_add(i64::from(d)))
            .ok_or_else(|| PyError::value("Too many decimal digits in format string"))?;
        *pos += 1;
        n += 1;
    }
    Ok((acc, n))
}

fn printable_code(c: char) -> String {
    let n = c as u32;
    if n > 32 && n < 128 {
        format!("'{c}'")
    } else {
        format!("'\\x{n:x}'")
    }
}

pub(crate) fn memory_error() -> PyError {
    PyError::new(ExcKind::MemoryError, "")
}

fn to_usize(v: i64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

impl FormatSpec {
    /// Parses `spec` for a value of the given kind, as CPython's
    /// `parse_internal_render_format_spec` (including its generic checks: grouping with an
    /// unsuitable type, missing precision, trailing characters).
    pub fn parse(spec: &str, kind: SpecKind) -> Result<FormatSpec, PyError> {
        let c: Vec<char> = spec.chars().collect();
        let end = c.len();
        let mut pos = 0;
        let default_align = kind.default_align();
        let mut fill = ' ';
        let mut align = default_align;
        let mut fill_specified = false;
        let mut align_specified = false;
        if end >= 2 && is_align(c[1]) {
            align = c[1];
            fill = c[0];
            fill_specified = true;
            align_specified = true;
            pos = 2;
        } else if end >= 1 && is_align(c[0]) {
            align = c[0];
            align_specified = true;
            pos = 1;
        }
        let mut sign = None;
        if pos < end && matches!(c[pos], '+' | '-' | ' ') {
            sign = Some(c[pos]);
            pos += 1;
        }
        let mut no_neg_0 = false;
        if pos < end && c[pos] == 'z' {
            no_neg_0 = true;
            pos += 1;
        }
        let mut alternate = false;
        if pos < end && c[pos] == '#' {
            alternate = true;
            pos += 1;
        }
        if !fill_specified && pos < end && c[pos] == '0' {
            fill = '0';
            if !align_specified && default_align == '>' {
                align = '=';
            }
            pos += 1;
        }
        let (w, consumed) = get_integer(&c, &mut pos)?;
        let width = (consumed > 0).then(|| to_usize(w));
        let both = || PyError::value("Cannot specify both ',' and '_'.");
        let mut grouping = None;
        if pos < end && c[pos] == ',' {
            grouping = Some(',');
            pos += 1;
        }
        if pos < end && c[pos] == '_' {
            if grouping.is_some() {
                return Err(both());
            }
            grouping = Some('_');
            pos += 1;
        }
        if pos < end && c[pos] == ',' && grouping == Some('_') {
            return Err(both());
        }
        let mut precision = None;
        if pos < end && c[pos] == '.' {
            pos += 1;
            let (p, consumed) = get_integer(&c, &mut pos)?;
            if consumed == 0 {
                return Err(PyError::value("Format specifier missing precision"));
            }
            precision = Some(to_usize(p));
        }
        if end - pos > 1 {
            return Err(PyError::value(format!(
                "Invalid format specifier '{spec}' for object of type '{}'",
                kind.type_name()
            )));
        }
        let ty = if end - pos == 1 {
            Some(c[pos])
        } else {
            kind.default_type()
        };
        if let Some(g) = grouping {
            let ok = match ty {
                None => true,
                Some(t) => {
                    matches!(t, 'd' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F')
                        || (g == '_' && matches!(t, 'b' | 'o' | 'x' | 'X'))
                }
            };
            if !ok {
                let t = ty.unwrap_or('\0');
                let n = t as u32;
                let shown = if n > 32 && n < 128 {
                    format!("'{t}'")
                } else {
                    format!("'\\x{n:x}'")
                };
                return Err(PyError::value(format!(
                    "Cannot specify '{g}' with {shown}."
                )));
            }
        }
        Ok(FormatSpec {
            fill,
            align,
            sign,
            no_neg_0,
            alternate,
            width,
            grouping,
            precision,
            ty,
            is_empty: spec.is_empty(),
        })
    }
}

fn unknown_code(ty: char, type_name: &str) -> PyError {
    PyError::value(format!(
        "Unknown format code {} for object of type '{type_name}'",
        printable_code(ty)
    ))
}

/// A value to format with [`format_value`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FormatValue<'a> {
    /// An `int`.
    Int(i64),
    /// A `bool`.
    Bool(bool),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(&'a str),
}

/// `format(value, spec)`: parses `spec` for the value's type and formats the value.
pub fn format_value(value: FormatValue<'_>, spec: &str) -> Result<String, PyError> {
    match value {
        FormatValue::Int(v) => format_int(v, &FormatSpec::parse(spec, SpecKind::Int)?),
        FormatValue::Bool(v) => format_bool(v, &FormatSpec::parse(spec, SpecKind::Bool)?),
        FormatValue::Float(v) => format_float(v, &FormatSpec::parse(spec, SpecKind::Float)?),
        FormatValue::Str(v) => format_str(v, &FormatSpec::parse(spec, SpecKind::Str)?),
    }
}

/// The parts of a formatted number, as CPython's `calc_number_widths` sees them.
struct Number<'a> {
    negative: bool,
    prefix: &'a str,
    digits: &'a str,
    decimal: bool,
    remainder: &'a str,
}

/// CPython's `_PyUnicode_InsertThousandsGrouping` for a single repeated group size:
/// the digits, left-padded with zeros up to `min_width`, with separators between groups.
fn group_digits(digits: &[u8], mut min_width: i64, sep: Option<(char, usize)>) -> String {
    let mut rev: Vec<char> = Vec::with_capacity(digits.len() * 2);
    let mut remaining = digits.len() as i64;
    let mut digits_pos = digits.len();
    let mut fill = |rev: &mut Vec<char>, n_chars: i64, n_zeros: i64, sep: Option<char>| {
        if let Some(s) = sep {
            rev.push(s);
        }
        for _ in 0..n_chars {
            digits_pos -= 1;
            rev.push(digits[digits_pos] as char);
        }
        for _ in 0..n_zeros {
            rev.push('0');
        }
    };
    let mut use_sep = false;
    let mut loop_broken = false;
    if let Some((s, g)) = sep {
        let g = g as i64;
        loop {
            let l = g.min(remaining.max(min_width).max(1));
            let n_zeros = (l - remaining).max(0);
            let n_chars = remaining.min(l).max(0);
            fill(&mut rev, n_chars, n_zeros, use_sep.then_some(s));
            use_sep = true;
            remaining -= n_chars;
            min_width -= l;
            if remaining <= 0 && min_width <= 0 {
                loop_broken = true;
                break;
            }
            min_width -= 1;
        }
    }
    if !loop_broken {
        let l = remaining.max(min_width).max(1);
        let n_zeros = (l - remaining).max(0);
        let n_chars = remaining.min(l).max(0);
        fill(
            &mut rev,
            n_chars,
            n_zeros,
            if use_sep { sep.map(|s| s.0) } else { None },
        );
    }
    rev.iter().rev().collect()
}

fn push_n(out: &mut String, c: char, n: i64) {
    for _ in 0..n.max(0) {
        out.push(c);
    }
}

/// CPython's `calc_number_widths` + `fill_number`.
fn fill_number(
    n: &Number<'_>,
    spec: &FormatSpec,
    sep: Option<(char, usize)>,
) -> Result<String, PyError> {
    if spec.width.is_some_and(|w| w > MAX_WIDTH) {
        return Err(memory_error());
    }
    let sign = match spec.sign {
        Some('+') => Some(if n.negative { '-' } else { '+' }),
        Some(' ') => Some(if n.negative { '-' } else { ' ' }),
        _ => n.negative.then_some('-'),
    };
    let n_sign = i64::from(sign.is_some());
    let n_prefix = n.prefix.chars().count() as i64;
    let n_decimal = i64::from(n.decimal);
    let n_remainder = n.remainder.chars().count() as i64;
    let non_digit = n_sign + n_prefix + n_decimal + n_remainder;
    let width = spec.width.map_or(-1, |w| w as i64);
    let min_width = if spec.fill == '0' && spec.align == '=' {
        width - non_digit
    } else {
        0
    };
    let grouped = if n.digits.is_empty() {
        String::new()
    } else {
        group_digits(n.digits.as_bytes(), min_width, sep)
    };
    let n_grouped = grouped.chars().count() as i64;
    let padding = (width - (non_digit + n_grouped)).max(0);
    let (mut lpad, mut spad, mut rpad) = (0, 0, 0);
    match spec.align {
        '<' => rpad = padding,
        '^' => {
            lpad = padding / 2;
            rpad = padding - lpad;
        }
        '=' => spad = padding,
        _ => lpad = padding,
    }
    let mut out = String::new();
    push_n(&mut out, spec.fill, lpad);
    if let Some(s) = sign {
        out.push(s);
    }
    out.push_str(n.prefix);
    push_n(&mut out, spec.fill, spad);
    out.push_str(&grouped);
    if n.decimal {
        out.push('.');
    }
    out.push_str(n.remainder);
    push_n(&mut out, spec.fill, rpad);
    Ok(out)
}

/// `format(v, spec)` for an int (`int.__format__`).
pub fn format_int(v: i64, spec: &FormatSpec) -> Result<String, PyError> {
    format_int_named(v, spec, "int")
}

/// `format(v, spec)` for a bool: `True`/`False` for an empty spec, else formatted as an int.
pub fn format_bool(v: bool, spec: &FormatSpec) -> Result<String, PyError> {
    if spec.is_empty {
        return Ok(if v { "True" } else { "False" }.to_string());
    }
    format_int_named(i64::from(v), spec, "bool")
}

fn format_int_named(v: i64, spec: &FormatSpec, type_name: &str) -> Result<String, PyError> {
    let ty = spec.ty.unwrap_or('d');
    match ty {
        'b' | 'c' | 'd' | 'o' | 'x' | 'X' | 'n' => format_long(v, spec, ty),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%' => format_float(v as f64, spec),
        _ => Err(unknown_code(ty, type_name)),
    }
}

fn format_long(v: i64, spec: &FormatSpec, ty: char) -> Result<String, PyError> {
    if spec.precision.is_some() {
        return Err(PyError::value(
            "Precision not allowed in integer format specifier",
        ));
    }
    if spec.no_neg_0 {
        return Err(PyError::value(
            "Negative zero coercion (z) not allowed in integer format specifier",
        ));
    }
    if ty == 'c' {
        if spec.sign.is_some() {
            return Err(PyError::value(
                "Sign not allowed with integer format specifier 'c'",
            ));
        }
        if spec.alternate {
            return Err(PyError::value(
                "Alternate form (#) not allowed with integer format specifier 'c'",
            ));
        }
        let ch = chr(v)?;
        let s = ch.to_string();
        let n = Number {
            negative: false,
            prefix: "",
            digits: "",
            decimal: false,
            remainder: &s,
        };
        return fill_number(&n, spec, None);
    }
    let u = v.unsigned_abs();
    let (digits, prefix) = match ty {
        'b' => (format!("{u:b}"), "0b"),
        'o' => (format!("{u:o}"), "0o"),
        'x' => (format!("{u:x}"), "0x"),
        'X' => (format!("{u:X}"), "0X"),
        _ => (u.to_string(), ""),
    };
    let sep = match (spec.grouping, ty) {
        (_, 'n') | (None, _) => None,
        (Some('_'), 'b' | 'o' | 'x' | 'X') => Some(('_', 4)),
        (Some(g), _) => Some((g, 3)),
    };
    let n = Number {
        negative: v < 0,
        prefix: if spec.alternate { prefix } else { "" },
        digits: &digits,
        decimal: false,
        remainder: "",
    };
    fill_number(&n, spec, sep)
}

/// `chr(i)`, as needed by the `c` presentation type and `%c`. Surrogates (U+D800..U+DFFF)
/// exist in Python strings but not in racelab's (Rust) strings: they raise `ValueError`.
pub fn chr(i: i64) -> Result<char, PyError> {
    if !(0..=0x10ffff).contains(&i) {
        return Err(PyError::overflow("%c arg not in range(0x110000)"));
    }
    char::from_u32(i as u32).ok_or_else(|| {
        PyError::value("racelab strings cannot hold surrogate code points (U+D800..U+DFFF)")
    })
}

/// `format(v, spec)` for a float (`float.__format__`); also used for ints with a float
/// presentation type.
pub fn format_float(v: f64, spec: &FormatSpec) -> Result<String, PyError> {
    let mut ty = match spec.ty {
        None => None,
        Some(t @ ('e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%')) => Some(t),
        Some(t) => return Err(unknown_code(t, "float")),
    };
    if spec.precision.is_some_and(|p| p > i32::MAX as usize) {
        return Err(PyError::value("precision too big"));
    }
    if spec.precision.is_some_and(|p| p > MAX_WIDTH) {
        return Err(memory_error());
    }
    let mut flags = DtoaFlags {
        alt: spec.alternate,
        no_neg_0: spec.no_neg_0,
        ..DtoaFlags::default()
    };
    let mut default_precision = 6;
    if ty.is_none() {
        flags.add_dot_0 = true;
        ty = Some('r');
        default_precision = 0;
    }
    let mut code = ty.unwrap_or('r');
    if code == 'n' {
        code = 'g';
    }
    let mut val = v;
    let mut add_pct = false;
    if code == '%' {
        code = 'f';
        val *= 100.0;
        add_pct = true;
    }
    let precision = match spec.precision {
        None => default_precision,
        Some(p) => {
            if code == 'r' {
                code = 'g';
            }
            p
        }
    };
    let mut buf = double_to_string(val, code, precision, flags);
    if add_pct {
        buf.push('%');
    }
    let (negative, body) = match buf.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, buf.as_str()),
    };
    let n_digits = body.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, rest) = body.split_at(n_digits);
    let (decimal, remainder) = match rest.strip_prefix('.') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let sep = match (spec.grouping, spec.ty) {
        (_, Some('n')) | (None, _) => None,
        (Some(g), _) => Some((g, 3)),
    };
    let n = Number {
        negative,
        prefix: "",
        digits,
        decimal,
        remainder,
    };
    fill_number(&n, spec, sep)
}

/// `format(s, spec)` for a str (`str.__format__`).
pub fn format_str(s: &str, spec: &FormatSpec) -> Result<String, PyError> {
    match spec.ty {
        Some('s') => {}
        Some(t) => return Err(unknown_code(t, "str")),
        None => {}
    }
    match spec.sign {
        Some(' ') => {
            return Err(PyError::value(
                "Space not allowed in string format specifier",
            ))
        }
        Some(_) => {
            return Err(PyError::value(
                "Sign not allowed in string format specifier",
            ))
        }
        None => {}
    }
    if spec.no_neg_0 {
        return Err(PyError::value(
            "Negative zero coercion (z) not allowed in string format specifier",
        ));
    }
    if spec.alternate {
        return Err(PyError::value(
            "Alternate form (#) not allowed in string format specifier",
        ));
    }
    if spec.align == '=' {
        return Err(PyError::value(
            "'=' alignment not allowed in string format specifier",
        ));
    }
    let len = s.chars().count();
    let len = spec.precision.map_or(len, |p| p.min(len));
    if spec.width.is_some_and(|w| w > MAX_WIDTH && w > len) {
        return Err(memory_error());
    }
    let padding = spec.width.map_or(0, |w| w.saturating_sub(len)) as i64;
    let (lpad, rpad) = match spec.align {
        '>' => (padding, 0),
        '^' => (padding / 2, padding - padding / 2),
        _ => (0, padding),
    };
    let mut out = String::with_capacity(s.len() + padding as usize);
    push_n(&mut out, spec.fill, lpad);
    out.extend(s.chars().take(len));
    push_n(&mut out, spec.fill, rpad);
    Ok(out)
}
