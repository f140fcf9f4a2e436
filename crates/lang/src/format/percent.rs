//! `%`-formatting (`template % args`), a port of CPython 3.11's `PyUnicode_Format`.

use crate::format::{chr, memory_error, MAX_WIDTH};
use crate::num::{ascii_escape, double_to_string, float_to_int, DtoaFlags, PyError};

/// How `%`-formatting sees one Python value; the VM implements it for its values.
pub trait PercentArg: Sized {
    /// The value if it is an `int` or a `bool` (Python's `PyLong_Check`).
    fn as_int(&self) -> Option<i64>;
    /// The value if it is a `float`.
    fn as_float(&self) -> Option<f64>;
    /// The value if it is a `str` (for `%c`).
    fn as_str(&self) -> Option<&str>;
    /// `str(value)`.
    fn to_str(&self) -> String;
    /// `repr(value)`.
    fn to_repr(&self) -> String;
    /// The Python type name, for error messages (`"str"`, `"NoneType"`, `"list"`...).
    fn type_name(&self) -> &str;
    /// Whether the value is a mapping in the sense of CPython's `PyMapping_Check` and is
    /// neither a tuple nor a str: true for `dict`, but also for `list` (so `'abc' % []` is
    /// `'abc'`, as in CPython). Only asked of a single (non-tuple) right operand.
    fn is_mapping(&self) -> bool {
        false
    }
    /// `value[key]` for `%(key)s`, raising what the VM raises (`KeyError: 'key'`,
    /// `TypeError: list indices must be integers or slices, not str`...). Only called when
    /// [`PercentArg::is_mapping`] is true.
    fn get_item(&self, key: &str) -> Result<Self, PyError> {
        let _ = key;
        Err(PyError::type_error("format requires a mapping"))
    }
}

/// The right operand of `template % args`.
#[derive(Debug)]
pub enum PercentArgs<'a, A> {
    /// A tuple: each conversion takes the next item.
    Tuple(&'a [A]),
    /// Any other single value (possibly a mapping, for `%(name)s`).
    Single(&'a A),
}

impl<A> Clone for PercentArgs<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A> Copy for PercentArgs<'_, A> {}

enum Current<'a, A> {
    Tuple(&'a [A]),
    Single(&'a A),
    Owned(A),
}

struct Ctx<'a, A> {
    args: Current<'a, A>,
    arglen: i64,
    argidx: i64,
}

impl<A> Ctx<'_, A> {
    fn next_arg(&mut self) -> Result<&A, PyError> {
        let idx = self.argidx;
        if idx < self.arglen {
            self.argidx += 1;
            return Ok(match &self.args {
                Current::Tuple(t) => &t[idx as usize],
                Current::Single(a) => a,
                Current::Owned(a) => a,
            });
        }
        Err(PyError::type_error(
            "not enough arguments for format string",
        ))
    }
}

const F_LJUST: u8 = 1;
const F_SIGN: u8 = 2;
const F_BLANK: u8 = 4;
const F_ALT: u8 = 8;
const F_ZERO: u8 = 16;

/// `template % args`, as CPython 3.11: conversions `%s %r %a %d %i %u %o %x %X %e %E %f
/// %F %g %G %c %%`, flags `- + space # 0`, width and precision (also `*`), mapping keys
/// `%(name)s`, the `h`/`l`/`L` length modifiers ignored, and CPython's error messages.
/// Ints are 64-bit: `'%d' % 1e300` raises `OverflowError` instead of printing 301 digits.
pub fn percent_format<A: PercentArg>(
    template: &str,
    args: PercentArgs<'_, A>,
) -> Result<String, PyError> {
    let f: Vec<char> = template.chars().collect();
    let len = f.len();
    let read = |p: usize| f.get(p).copied().unwrap_or('\0');
    let (dict, mut ctx) = match args {
        PercentArgs::Tuple(t) => (
            None,
            Ctx {
                args: Current::Tuple(t),
                arglen: t.len() as i64,
                argidx: 0,
            },
        ),
        PercentArgs::Single(a) => (
            a.is_mapping().then_some(a),
            Ctx {
                args: Current::Single(a),
                arglen: -1,
                argidx: -2,
            },
        ),
    };
    let mut out = String::with_capacity(template.len() + 16);
    let mut p = 0usize;
    while p < len {
        if f[p] != '%' {
            while p < len && f[p] != '%' {
                out.push(f[p]);
                p += 1;
            }
            continue;
        }
        p += 1;
        let mut fmtcnt = len as i64 - p as i64;
        let mut ch = read(p);
        if ch == '%' {
            out.push('%');
            p += 1;
            continue;
        }
        let mut flags = 0u8;
        let mut width: i64 = -1;
        let mut prec: i64 = -1;
        if ch == '(' {
            let Some(d) = dict else {
                return Err(PyError::type_error("format requires a mapping"));
            };
            p += 1;
            fmtcnt -= 1;
            let keystart = p;
            let mut pcount = 1;
            while pcount > 0 {
                fmtcnt -= 1;
                if fmtcnt < 0 {
                    break;
                }
                ch = read(p);
                if ch == ')' {
                    pcount -= 1;
                } else if ch == '(' {
                    pcount += 1;
                }
                p += 1;
            }
            if fmtcnt < 0 || pcount > 0 {
                return Err(PyError::value("incomplete format key"));
            }
            let key: String = f[keystart..p - 1].iter().collect();
            ctx.args = Current::Owned(d.get_item(&key)?);
            ctx.arglen = -1;
            ctx.argidx = -2;
        }
        loop {
            fmtcnt -= 1;
            if fmtcnt < 0 {
                break;
            }
            ch = read(p);
            p += 1;
            match ch {
                '-' => flags |= F_LJUST,
                '+' => flags |= F_SIGN,
                ' ' => flags |= F_BLANK,
                '#' => flags |= F_ALT,
                '0' => flags |= F_ZERO,
                _ => break,
            }
        }
        if ch == '*' {
            let v = ctx.next_arg()?;
            let w = v
                .as_int()
                .ok_or_else(|| PyError::type_error("* wants int"))?;
            width = if w < 0 {
                flags |= F_LJUST;
                w.checked_neg().unwrap_or(i64::MAX)
            } else {
                w
            };
            fmtcnt -= 1;
            if fmtcnt >= 0 {
                ch = read(p);
                p += 1;
            }
        } else if ch.is_ascii_digit() {
            width = i64::from(ch as u8 - b'0');
            loop {
                fmtcnt -= 1;
                if fmtcnt < 0 {
                    break;
                }
                ch = read(p);
                p += 1;
                if !ch.is_ascii_digit() {
                    break;
                }
                width = width
                    .checked_mul(10)
                    .and_then(|w| w.checked_add(i64::from(ch as u8 - b'0')))
                    .ok_or_else(|| PyError::value("width too big"))?;
            }
        }
        if ch == '.' {
            prec = 0;
            fmtcnt -= 1;
            if fmtcnt >= 0 {
                ch = read(p);
                p += 1;
            }
            if ch == '*' {
                let v = ctx.next_arg()?;
                let n = v
                    .as_int()
                    .ok_or_else(|| PyError::type_error("* wants int"))?;
                if n > i64::from(i32::MAX) || n < i64::from(i32::MIN) {
                    return Err(PyError::overflow(
                        "Python int too large to convert to C int",
                    ));
                }
                prec = n.max(0);
                fmtcnt -= 1;
                if fmtcnt >= 0 {
                    ch = read(p);
                    p += 1;
                }
            } else if ch.is_ascii_digit() {
                prec = i64::from(ch as u8 - b'0');
                loop {
                    fmtcnt -= 1;
                    if fmtcnt < 0 {
                        break;
                    }
                    ch = read(p);
                    p += 1;
                    if !ch.is_ascii_digit() {
                        break;
                    }
                    prec = prec * 10 + i64::from(ch as u8 - b'0');
                    if prec > i64::from(i32::MAX) {
                        return Err(PyError::value("precision too big"));
                    }
                }
            }
        }
        if fmtcnt >= 0 && matches!(ch, 'h' | 'l' | 'L') {
            fmtcnt -= 1;
            if fmtcnt >= 0 {
                ch = read(p);
                p += 1;
            }
        }
        if fmtcnt < 0 {
            return Err(PyError::value("incomplete format"));
        }
        let v = ctx.next_arg()?;
        let mut sign = false;
        let text = match ch {
            's' => v.to_str(),
            'r' => v.to_repr(),
            'a' => ascii_escape(&v.to_repr()),
            'i' | 'd' | 'u' | 'o' | 'x' | 'X' => {
                sign = true;
                format_long(v, ch, flags, prec)?
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                sign = true;
                let x = match (v.as_float(), v.as_int()) {
                    (Some(x), _) => x,
                    (None, Some(i)) => i as f64,
                    _ => {
                        return Err(PyError::type_error(format!(
                            "must be real number, not {}",
                            v.type_name()
                        )))
                    }
                };
                let prec = if prec < 0 { 6 } else { prec as usize };
                if prec > MAX_WIDTH {
                    return Err(memory_error());
                }
                let dflags = DtoaFlags {
                    alt: flags & F_ALT != 0,
                    ..DtoaFlags::default()
                };
                double_to_string(x, ch, prec, dflags)
            }
            'c' => format_char(v)?.to_string(),
            _ => {
                let n = ch as u32;
                let shown = if (31..=126).contains(&n) { ch } else { '?' };
                return Err(PyError::value(format!(
                    "unsupported format character '{shown}' (0x{n:x}) at index {}",
                    p - 1
                )));
            }
        };
        output(&mut out, &text, ch, flags, width, prec, sign)?;
        if dict.is_some() && ctx.argidx < ctx.arglen {
            return Err(PyError::type_error(
                "not all arguments converted during string formatting",
            ));
        }
    }
    if ctx.argidx < ctx.arglen && dict.is_none() {
        return Err(PyError::type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

fn format_char<A: PercentArg>(v: &A) -> Result<char, PyError> {
    let bad = || PyError::type_error("%c requires int or char");
    if let Some(s) = v.as_str() {
        let mut it = s.chars();
        return match (it.next(), it.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(bad()),
        };
    }
    match v.as_int() {
        Some(i) => chr(i),
        None => Err(bad()),
    }
}

/// `mainformatlong` + `_PyUnicode_FormatLong`.
fn format_long<A: PercentArg>(v: &A, ty: char, flags: u8, prec: i64) -> Result<String, PyError> {
    let i = match (v.as_int(), v.as_float()) {
        (Some(i), _) => i,
        (None, Some(x)) if !matches!(ty, 'o' | 'x' | 'X') => float_to_int(x)?,
        _ => {
            let what = if matches!(ty, 'o' | 'x' | 'X') {
                "an integer"
            } else {
                "a real number"
            };
            return Err(PyError::type_error(format!(
                "%{ty} format: {what} is required, not {}",
                v.type_name()
            )));
        }
    };
    let u = i.unsigned_abs();
    let digits = match ty {
        'o' => format!("{u:o}"),
        'x' => format!("{u:x}"),
        'X' => format!("{u:X}"),
        _ => u.to_string(),
    };
    let mut s = String::new();
    if i < 0 {
        s.push('-');
    }
    if flags & F_ALT != 0 {
        match ty {
            'o' => s.push_str("0o"),
            'x' => s.push_str("0x"),
            'X' => s.push_str("0X"),
            _ => {}
        }
    }
    if prec > MAX_WIDTH as i64 {
        return Err(memory_error());
    }
    for _ in digits.len() as i64..prec {
        s.push('0');
    }
    s.push_str(&digits);
    Ok(s)
}

/// `unicode_format_arg_output`: padding, sign and alternate prefix.
fn output(
    out: &mut String,
    text: &str,
    ch: char,
    flags: u8,
    mut width: i64,
    prec: i64,
    mut sign: bool,
) -> Result<(), PyError> {
    let fill = if sign && flags & F_ZERO != 0 {
        '0'
    } else {
        ' '
    };
    let s: Vec<char> = text.chars().collect();
    let mut len = s.len() as i64;
    if (width == -1 || width <= len)
        && (prec == -1 || prec >= len)
        && flags & (F_SIGN | F_BLANK) == 0
    {
        out.push_str(text);
        return Ok(());
    }
    if width > MAX_WIDTH as i64 {
        return Err(memory_error());
    }
    if matches!(ch, 's' | 'r' | 'a') && prec >= 0 && len > prec {
        len = prec;
    }
    let mut pindex = 0usize;
    let mut signchar = '\0';
    if sign {
        let c = s.first().copied().unwrap_or('\0');
        if c == '-' || c == '+' {
            signchar = c;
            len -= 1;
            pindex += 1;
        } else if flags & F_SIGN != 0 {
            signchar = '+';
        } else if flags & F_BLANK != 0 {
            signchar = ' ';
        } else {
            sign = false;
        }
    }
    if width < len {
        width = len;
    }
    if sign {
        if fill != ' ' {
            out.push(signchar);
        }
        if width > len {
            width -= 1;
        }
    }
    let alt_prefix = flags & F_ALT != 0 && matches!(ch, 'x' | 'X' | 'o');
    if alt_prefix {
        if fill != ' ' {
            out.push('0');
            out.push(ch);
            pindex += 2;
        }
        width = (width - 2).max(0);
        len -= 2;
    }
    if width > len && flags & F_LJUST == 0 {
        for _ in 0..width - len {
            out.push(fill);
        }
        width = len;
    }
    if fill == ' ' {
        if sign {
            out.push(signchar);
        }
        if alt_prefix {
            out.push('0');
            out.push(ch);
            pindex += 2;
        }
    }
    if len > 0 {
        out.extend(&s[pindex..pindex + len as usize]);
    }
    if width > len {
        for _ in 0..width - len {
            out.push(' ');
        }
    }
    Ok(())
}
