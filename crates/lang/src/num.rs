//! Python's numeric semantics over racelab's `i64` ints and `f64` floats, as pure functions.
//!
//! Everything here matches CPython 3.11 exactly (results and exception messages), with one
//! documented difference: racelab's `int` is 64-bit, so any integer result outside the `i64`
//! range raises `OverflowError` with [`INT_OVERFLOW`] instead of growing.
//!
//! Mixed int/float operations follow CPython: the int is first converted with
//! [`int_to_float`] (correctly rounded), then the float operation runs. Comparisons between an
//! int and a float are exact instead ([`cmp_int_float`]).
//!
//! `float ** float` uses racelab's own [`crate::math::pow_positive`], not the platform's
//! libm, so that a program prints the same bits natively and in wasm (see [`crate::math`]).

use std::cmp::Ordering;
use std::fmt;

use crate::format::unicode;

/// The message of the `OverflowError` raised when an integer result does not fit in 64 bits.
pub const INT_OVERFLOW: &str = "integer overflow: racelab's int is 64-bit (the result does not fit in -9223372036854775808..9223372036854775807)";

/// The message of the `ValueError` raised where CPython would produce a complex number.
pub const NO_COMPLEX: &str = "racelab has no complex numbers: a negative number raised to a fractional power would be complex";

/// The Python exception classes these functions can raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExcKind {
    /// `ValueError`
    ValueError,
    /// `TypeError`
    TypeError,
    /// `OverflowError`
    OverflowError,
    /// `ZeroDivisionError`
    ZeroDivisionError,
    /// `IndexError`
    IndexError,
    /// `KeyError`
    KeyError,
    /// `MemoryError` (racelab refuses widths beyond [`crate::format::MAX_WIDTH`]).
    MemoryError,
}

impl ExcKind {
    /// The Python name of the exception class, e.g. `"ValueError"`.
    pub fn name(self) -> &'static str {
        match self {
            ExcKind::ValueError => "ValueError",
            ExcKind::TypeError => "TypeError",
            ExcKind::OverflowError => "OverflowError",
            ExcKind::ZeroDivisionError => "ZeroDivisionError",
            ExcKind::IndexError => "IndexError",
            ExcKind::KeyError => "KeyError",
            ExcKind::MemoryError => "MemoryError",
        }
    }
}

/// A Python exception: its class and its message (what `str(exc)` prints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyError {
    /// The exception class.
    pub kind: ExcKind,
    /// The message, CPython's exact text.
    pub message: String,
}

impl PyError {
    /// An exception of class `kind` with `message`.
    pub fn new(kind: ExcKind, message: impl Into<String>) -> PyError {
        PyError {
            kind,
            message: message.into(),
        }
    }

    /// A `ValueError`.
    pub fn value(message: impl Into<String>) -> PyError {
        PyError::new(ExcKind::ValueError, message)
    }

    /// A `TypeError`.
    pub fn type_error(message: impl Into<String>) -> PyError {
        PyError::new(ExcKind::TypeError, message)
    }

    /// An `OverflowError`.
    pub fn overflow(message: impl Into<String>) -> PyError {
        PyError::new(ExcKind::OverflowError, message)
    }

    /// A `ZeroDivisionError`.
    pub fn zero_division(message: impl Into<String>) -> PyError {
        PyError::new(ExcKind::ZeroDivisionError, message)
    }

    /// The `OverflowError` for an integer result outside 64 bits ([`INT_OVERFLOW`]).
    pub fn int_overflow() -> PyError {
        PyError::overflow(INT_OVERFLOW)
    }
}

impl fmt::Display for PyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PyError {}

/// A number that is either an int or a float (the result of `int ** int`, for instance).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    /// A Python `int`.
    Int(i64),
    /// A Python `float`.
    Float(f64),
}

fn ovf<T>(v: Option<T>) -> Result<T, PyError> {
    v.ok_or_else(PyError::int_overflow)
}

// ---------------------------------------------------------------------------------------------
// Integer arithmetic
// ---------------------------------------------------------------------------------------------

/// `a + b` for ints.
pub fn int_add(a: i64, b: i64) -> Result<i64, PyError> {
    ovf(a.checked_add(b))
}

/// `a - b` for ints.
pub fn int_sub(a: i64, b: i64) -> Result<i64, PyError> {
    ovf(a.checked_sub(b))
}

/// `a * b` for ints.
pub fn int_mul(a: i64, b: i64) -> Result<i64, PyError> {
    ovf(a.checked_mul(b))
}

/// `-a` for an int.
pub fn int_neg(a: i64) -> Result<i64, PyError> {
    ovf(a.checked_neg())
}

/// `abs(a)` for an int.
pub fn int_abs(a: i64) -> Result<i64, PyError> {
    ovf(a.checked_abs())
}

/// `~a` for an int (never overflows).
pub fn int_invert(a: i64) -> i64 {
    !a
}

/// `a // b` for ints (floors towards negative infinity).
pub fn int_floordiv(a: i64, b: i64) -> Result<i64, PyError> {
    if b == 0 {
        return Err(PyError::zero_division("integer division or modulo by zero"));
    }
    let q = ovf(a.checked_div(b))?;
    if a % b != 0 && ((a < 0) != (b < 0)) {
        Ok(q - 1)
    } else {
        Ok(q)
    }
}

/// `a % b` for ints (the result has the sign of `b`).
pub fn int_mod(a: i64, b: i64) -> Result<i64, PyError> {
    if b == 0 {
        return Err(PyError::zero_division("integer modulo by zero"));
    }
    let r = a.checked_rem(b).unwrap_or(0);
    if r != 0 && ((r < 0) != (b < 0)) {
        Ok(r + b)
    } else {
        Ok(r)
    }
}

/// `divmod(a, b)` for ints.
pub fn int_divmod(a: i64, b: i64) -> Result<(i64, i64), PyError> {
    let q = int_floordiv(a, b)?;
    Ok((q, int_mod(a, b)?))
}

/// `a / b` for ints: the exact quotient correctly rounded to the nearest float (ties to
/// even), as CPython does for any size of operands.
pub fn int_truediv(a: i64, b: i64) -> Result<f64, PyError> {
    if b == 0 {
        return Err(PyError::zero_division("division by zero"));
    }
    const EXACT: u64 = 1 << 53;
    let (ua, ub) = (a.unsigned_abs(), b.unsigned_abs());
    let negative = (a < 0) != (b < 0);
    let q = if ua <= EXACT && ub <= EXACT {
        ua as f64 / ub as f64
    } else {
        // Scale the numerator so that the integer quotient has at least 55 significant bits;
        // the remainder then only matters as a sticky bit below the rounding position.
        let bits_a = 64 - ua.leading_zeros() as i32;
        let bits_b = 64 - ub.leading_zeros() as i32;
        let shift = (56 + bits_b - bits_a).max(0) as u32;
        let num = (ua as u128) << shift;
        let (q, r) = (num / ub as u128, num % ub as u128);
        let q = q | u128::from(r != 0);
        // `u128 as f64` rounds to nearest, ties to even; scaling by 2**-shift is exact.
        (q as f64) * 2f64.powi(-(shift as i32))
    };
    Ok(if negative { -q } else { q })
}

/// `a ** b` for ints: an int for `b >= 0`, else a float computed as CPython does
/// (`float(a) ** float(b)`).
pub fn int_pow(a: i64, b: i64) -> Result<Num, PyError> {
    if b < 0 {
        return float_pow(int_to_float(a), int_to_float(b)).map(Num::Float);
    }
    match a {
        0 => return Ok(Num::Int(if b == 0 { 1 } else { 0 })),
        1 => return Ok(Num::Int(1)),
        -1 => return Ok(Num::Int(if b % 2 == 0 { 1 } else { -1 })),
        _ => {}
    }
    if b >= 64 {
        return Err(PyError::int_overflow());
    }
    ovf(a.checked_pow(b as u32)).map(Num::Int)
}

/// `pow(a, b, m)` for ints, including a negative exponent (modular inverse), as CPython 3.8+.
pub fn int_pow_mod(a: i64, b: i64, m: i64) -> Result<i64, PyError> {
    if m == 0 {
        return Err(PyError::value("pow() 3rd argument cannot be 0"));
    }
    let mm = (m as i128).abs();
    if mm == 1 {
        return Ok(0);
    }
    let mut base = (a as i128).rem_euclid(mm);
    let mut e = b as i128;
    if e < 0 {
        base = mod_inverse(base, mm)
            .ok_or_else(|| PyError::value("base is not invertible for the given modulus"))?;
        e = -e;
    }
    let mut result: i128 = 1;
    while e > 0 {
        if e & 1 == 1 {
            result = result * base % mm;
        }
        base = base * base % mm;
        e >>= 1;
    }
    // Python: the result has the sign of m.
    if m < 0 && result != 0 {
        result -= mm;
    }
    Ok(result as i64)
}

/// The inverse of `a` modulo `m > 1`, if `gcd(a, m) == 1`.
fn mod_inverse(a: i128, m: i128) -> Option<i128> {
    let (mut old_r, mut r) = (a, m);
    let (mut old_s, mut s) = (1i128, 0i128);
    while r != 0 {
        let q = old_r / r;
        (old_r, r) = (r, old_r - q * r);
        (old_s, s) = (s, old_s - q * s);
    }
    (old_r == 1).then(|| old_s.rem_euclid(m))
}

/// `a << n` for ints.
pub fn int_lshift(a: i64, n: i64) -> Result<i64, PyError> {
    if n < 0 {
        return Err(PyError::value("negative shift count"));
    }
    if a == 0 {
        return Ok(0);
    }
    if n >= 64 {
        return Err(PyError::int_overflow());
    }
    let r = a << n;
    if r >> n != a {
        return Err(PyError::int_overflow());
    }
    Ok(r)
}

/// `a >> n` for ints (floors, like Python).
pub fn int_rshift(a: i64, n: i64) -> Result<i64, PyError> {
    if n < 0 {
        return Err(PyError::value("negative shift count"));
    }
    Ok(if n >= 64 { a >> 63 } else { a >> n })
}

/// `a & b` for ints.
pub fn int_and(a: i64, b: i64) -> i64 {
    a & b
}

/// `a | b` for ints.
pub fn int_or(a: i64, b: i64) -> i64 {
    a | b
}

/// `a ^ b` for ints.
pub fn int_xor(a: i64, b: i64) -> i64 {
    a ^ b
}

// ---------------------------------------------------------------------------------------------
// Float arithmetic
// ---------------------------------------------------------------------------------------------

/// `a / b` for floats.
pub fn float_div(a: f64, b: f64) -> Result<f64, PyError> {
    if b == 0.0 {
        return Err(PyError::zero_division("float division by zero"));
    }
    Ok(a / b)
}

/// CPython's `_float_div_mod`: `(a // b, a % b)` for a nonzero `b`.
fn float_div_mod(vx: f64, wx: f64) -> (f64, f64) {
    let mut m = vx % wx;
    let mut div = (vx - m) / wx;
    if m != 0.0 {
        if (wx < 0.0) != (m < 0.0) {
            m += wx;
            div -= 1.0;
        }
    } else {
        m = 0f64.copysign(wx);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0f64.copysign(vx / wx)
    };
    (floordiv, m)
}

/// `a // b` for floats.
pub fn float_floordiv(a: f64, b: f64) -> Result<f64, PyError> {
    if b == 0.0 {
        return Err(PyError::zero_division("float floor division by zero"));
    }
    Ok(float_div_mod(a, b).0)
}

/// `a % b` for floats (the result has the sign of `b`).
pub fn float_mod(a: f64, b: f64) -> Result<f64, PyError> {
    if b == 0.0 {
        return Err(PyError::zero_division("float modulo"));
    }
    let mut m = a % b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
        }
    } else {
        m = 0f64.copysign(b);
    }
    Ok(m)
}

/// `divmod(a, b)` for floats.
pub fn float_divmod(a: f64, b: f64) -> Result<(f64, f64), PyError> {
    if b == 0.0 {
        return Err(PyError::zero_division("float divmod()"));
    }
    Ok(float_div_mod(a, b))
}

fn is_odd_integer(x: f64) -> bool {
    x.is_finite() && x.fract() == 0.0 && (x / 2.0).fract() != 0.0
}

/// `a ** b` for floats, with CPython's special cases. Where CPython would return a complex
/// number (negative base, fractional exponent), raises `ValueError` with [`NO_COMPLEX`].
pub fn float_pow(iv: f64, iw: f64) -> Result<f64, PyError> {
    if iw == 0.0 {
        return Ok(1.0);
    }
    if iv.is_nan() {
        return Ok(iv);
    }
    if iw.is_nan() {
        return Ok(if iv == 1.0 { 1.0 } else { iw });
    }
    if iw.is_infinite() {
        let iv = iv.abs();
        return Ok(if iv == 1.0 {
            1.0
        } else if (iw > 0.0) == (iv > 1.0) {
            iw.abs()
        } else {
            0.0
        });
    }
    if iv.is_infinite() {
        let odd = is_odd_integer(iw);
        return Ok(if iw > 0.0 {
            if odd {
                iv
            } else {
                iv.abs()
            }
        } else if odd {
            0f64.copysign(iv)
        } else {
            0.0
        });
    }
    if iv == 0.0 {
        if iw < 0.0 {
            return Err(PyError::zero_division(
                "0.0 cannot be raised to a negative power",
            ));
        }
        return Ok(if is_odd_integer(iw) { iv } else { 0.0 });
    }
    let mut iv = iv;
    let mut negate = false;
    if iv < 0.0 {
        if iw != iw.floor() {
            return Err(PyError::value(NO_COMPLEX));
        }
        iv = -iv;
        negate = is_odd_integer(iw);
    }
    if iv == 1.0 {
        return Ok(if negate { -1.0 } else { 1.0 });
    }
    let ix = crate::math::pow_positive(iv, iw);
    if ix.is_infinite() {
        return Err(PyError::overflow("(34, 'Numerical result out of range')"));
    }
    Ok(if negate { -ix } else { ix })
}

// ---------------------------------------------------------------------------------------------
// Comparisons and conversions
// ---------------------------------------------------------------------------------------------

/// Exact comparison of an int with a float, as CPython (`None` when `f` is NaN).
pub fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f.is_infinite() {
        return Some(if f > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    const LIMIT: i64 = 1 << 53;
    if (-LIMIT..=LIMIT).contains(&i) {
        return (i as f64).partial_cmp(&f);
    }
    // 2**63 is exactly representable.
    if f >= 9223372036854775808.0 {
        return Some(Ordering::Less);
    }
    if f < -9223372036854775808.0 {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    let ti = t as i64; // exact: t is integral and in range
    Some(match i.cmp(&ti) {
        Ordering::Equal => 0f64.partial_cmp(&(f - t)).unwrap_or(Ordering::Equal),
        o => o,
    })
}

/// `float(i)`: correctly rounded (ties to even), as CPython.
pub fn int_to_float(i: i64) -> f64 {
    i as f64
}

/// `int(x)` for a float: truncates towards zero.
pub fn float_to_int(x: f64) -> Result<i64, PyError> {
    if x.is_nan() {
        return Err(PyError::value("cannot convert float NaN to integer"));
    }
    if x.is_infinite() {
        return Err(PyError::overflow(
            "cannot convert float infinity to integer",
        ));
    }
    let t = x.trunc();
    if (-9223372036854775808.0..9223372036854775808.0).contains(&t) {
        Ok(t as i64)
    } else {
        Err(PyError::int_overflow())
    }
}

/// `round(x)` for a float: the nearest int, ties to even.
pub fn round_float(x: f64) -> Result<i64, PyError> {
    float_to_int(x.round_ties_even())
}

/// `round(x, n)` for a float: `x` correctly rounded to `n` decimal places (ties to even on the
/// exact binary value, so `round(2.675, 2) == 2.67`), as CPython's `double_round`.
pub fn round_float_ndigits(x: f64, n: i64) -> Result<f64, PyError> {
    if !x.is_finite() || n > 323 {
        return Ok(x);
    }
    if n < -308 {
        return Ok(0.0 * x);
    }
    let text = if n >= 0 {
        format!("{:.*}", n as usize, x)
    } else {
        let m = (-n) as usize;
        // The integer part printed exactly, then rounded at 10**m by hand.
        let int_digits = format!("{:.0}", x.trunc().abs());
        let frac_nonzero = x.fract() != 0.0;
        let sign = if x.is_sign_negative() { "-" } else { "" };
        let len = int_digits.len();
        if len < m {
            format!("{sign}0")
        } else {
            let (head, tail) = int_digits.split_at(len - m);
            let tail = tail.as_bytes();
            let rest_zero = tail[1..].iter().all(|&d| d == b'0') && !frac_nonzero;
            let last_odd = head.as_bytes().last().is_some_and(|d| (d - b'0') % 2 == 1);
            let up = match tail[0].cmp(&b'5') {
                Ordering::Greater => true,
                Ordering::Less => false,
                Ordering::Equal => !rest_zero || last_odd,
            };
            let mut digits: Vec<u8> = if head.is_empty() {
                vec![b'0']
            } else {
                head.as_bytes().to_vec()
            };
            if up {
                let mut i = digits.len();
                loop {
                    if i == 0 {
                        digits.insert(0, b'1');
                        break;
                    }
                    i -= 1;
                    if digits[i] == b'9' {
                        digits[i] = b'0';
                    } else {
                        digits[i] += 1;
                        break;
                    }
                }
            }
            format!("{sign}{}e{m}", String::from_utf8_lossy(&digits))
        }
    };
    let r: f64 = text.parse().unwrap_or(f64::NAN);
    if r.is_infinite() {
        return Err(PyError::overflow("rounded value too large to represent"));
    }
    Ok(r)
}

/// `round(i, n)` for an int: unchanged for `n >= 0`, else rounded to a multiple of `10**-n`
/// with ties to even (`round(1250, -2) == 1200`).
pub fn round_int_ndigits(i: i64, n: i64) -> Result<i64, PyError> {
    if n >= 0 {
        return Ok(i);
    }
    if n < -19 {
        // |i| < 2**63 < 10**20 / 2: rounds to zero.
        return Ok(0);
    }
    let p = 10i128.pow((-n) as u32);
    let a = i as i128;
    let q = a.div_euclid(p);
    let mut r = a.rem_euclid(p);
    let twice = r * 2;
    if twice > p || (twice == p && q % 2 != 0) {
        r -= p;
    }
    ovf(i64::try_from(a - r).ok())
}

/// The ASCII form of a Python `int()`/`float()` argument, as CPython's
/// `_PyUnicode_TransformDecimalAndSpaceToASCII`: Unicode spaces become `' '`, Unicode decimal
/// digits their ASCII digit, any other non-ASCII character ends the text with `'?'`.
fn to_ascii_number(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        if (c as u32) < 127 {
            out.push(c as u8);
        } else if unicode::is_space(c) {
            out.push(b' ');
        } else if let Some(d) = unicode::decimal_value(c) {
            out.push(b'0' + d as u8);
        } else {
            out.push(b'?');
            break;
        }
    }
    out
}

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `repr` of at most 200 characters, as CPython's `%.200R`.
fn repr200(s: &str) -> String {
    str_repr(s).chars().take(200).collect()
}

/// `int(s)` / `int(s, base)` for a str, with CPython's rules (whitespace, sign, underscores
/// between digits, base 0 with prefixes). A valid literal outside 64 bits raises
/// `OverflowError` with [`INT_OVERFLOW`].
pub fn int_from_str(s: &str, base: Option<u32>) -> Result<i64, PyError> {
    let base_arg = base.unwrap_or(10);
    if (base_arg != 0 && base_arg < 2) || base_arg > 36 {
        return Err(PyError::value("int() base must be >= 2 and <= 36, or 0"));
    }
    let err = || {
        PyError::value(format!(
            "invalid literal for int() with base {base_arg}: {}",
            repr200(s)
        ))
    };
    let buf = to_ascii_number(s);
    let at = |i: usize| buf.get(i).copied().unwrap_or(0);
    let mut p = 0;
    while is_c_space(at(p)) {
        p += 1;
    }
    let mut negative = false;
    if at(p) == b'+' {
        p += 1;
    } else if at(p) == b'-' {
        negative = true;
        p += 1;
    }
    let mut base = base_arg;
    let mut error_if_nonzero = false;
    if base == 0 {
        base = if at(p) != b'0' {
            10
        } else {
            match at(p + 1) {
                b'x' | b'X' => 16,
                b'o' | b'O' => 8,
                b'b' | b'B' => 2,
                _ => {
                    error_if_nonzero = true;
                    10
                }
            }
        };
    }
    if at(p) == b'0'
        && matches!(
            (base, at(p + 1)),
            (16, b'x' | b'X') | (8, b'o' | b'O') | (2, b'b' | b'B')
        )
    {
        p += 2;
        if at(p) == b'_' {
            p += 1;
        }
    }
    if at(p) == b'_' {
        return Err(err());
    }
    let start = p;
    let mut value: i128 = 0;
    let mut too_big = false;
    let mut prev = 0u8;
    loop {
        let c = at(p);
        let digit = (c as char).to_digit(36).filter(|&d| d < base);
        if c == b'_' {
            if prev == b'_' {
                return Err(err());
            }
        } else if let Some(d) = digit {
            if !too_big {
                value = value * base as i128 + d as i128;
                if value > 1 << 64 {
                    too_big = true;
                }
            }
        } else {
            break;
        }
        prev = c;
        p += 1;
    }
    if prev == b'_' || p == start {
        return Err(err());
    }
    if error_if_nonzero && (value != 0 || too_big) {
        return Err(err());
    }
    while is_c_space(at(p)) {
        p += 1;
    }
    if p != buf.len() {
        return Err(err());
    }
    if too_big {
        return Err(PyError::int_overflow());
    }
    let v = if negative { -value } else { value };
    ovf(i64::try_from(v).ok())
}

/// `float(s)` for a str, with CPython's rules (whitespace, underscores between digits,
/// `inf`/`infinity`/`nan` in any case with an optional sign; out-of-range values become
/// infinities or zeros).
pub fn float_from_str(s: &str) -> Result<f64, PyError> {
    let err = || {
        PyError::value(format!(
            "could not convert string to float: {}",
            str_repr(s)
        ))
    };
    let buf = to_ascii_number(s);
    // Underscores: only between digits. (The scan stops at NUL, like CPython's strchr.)
    let mut clean = Vec::with_capacity(buf.len());
    let mut prev = 0u8;
    for &c in &buf {
        if c == 0 {
            break;
        }
        if c == b'_' {
            if !prev.is_ascii_digit() {
                return Err(err());
            }
        } else {
            if prev == b'_' && !c.is_ascii_digit() {
                return Err(err());
            }
            clean.push(c);
        }
        prev = c;
    }
    if prev == b'_' || buf.contains(&0) {
        return Err(err());
    }
    let mut lo = 0;
    let mut hi = clean.len();
    while lo < hi && is_c_space(clean[lo]) {
        lo += 1;
    }
    if lo == hi {
        return Err(err());
    }
    while hi > lo + 1 && is_c_space(clean[hi - 1]) {
        hi -= 1;
    }
    let t = &clean[lo..hi];
    parse_float_literal(t).ok_or_else(err)
}

/// Parses exactly `[sign] digits [. digits] [e [sign] digits]` or inf/infinity/nan.
fn parse_float_literal(t: &[u8]) -> Option<f64> {
    let (negative, body) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower: Vec<u8> = body.iter().map(u8::to_ascii_lowercase).collect();
    let special = match lower.as_slice() {
        b"inf" | b"infinity" => Some(f64::INFINITY),
        b"nan" => Some(f64::NAN),
        _ => None,
    };
    if let Some(v) = special {
        return Some(if negative { -v } else { v });
    }
    let mut i = 0;
    let mut mant_digits = 0;
    while i < body.len() && body[i].is_ascii_digit() {
        i += 1;
        mant_digits += 1;
    }
    if i < body.len() && body[i] == b'.' {
        i += 1;
        while i < body.len() && body[i].is_ascii_digit() {
            i += 1;
            mant_digits += 1;
        }
    }
    if mant_digits == 0 {
        return None;
    }
    if i < body.len() && (body[i] == b'e' || body[i] == b'E') {
        i += 1;
        if i < body.len() && (body[i] == b'+' || body[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < body.len() && body[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != body.len() {
        return None;
    }
    let text = std::str::from_utf8(t).ok()?;
    text.parse::<f64>().ok()
}

// ---------------------------------------------------------------------------------------------
// Float to text
// ---------------------------------------------------------------------------------------------

/// Options of [`double_to_string`], CPython's `Py_DTSF_*` flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DtoaFlags {
    /// Always write a sign (`+` for non-negative numbers).
    pub sign: bool,
    /// Add `.0` to integral results written without an exponent (`repr` style).
    pub add_dot_0: bool,
    /// Alternate form: keep trailing zeros of `g` and the decimal point.
    pub alt: bool,
    /// Write a zero that is negative after rounding without its minus sign (`z` option).
    pub no_neg_0: bool,
}

/// The decimal digits of `|x|` (no leading or trailing zeros, `"0"` for zero) and the
/// position of the decimal point relative to them, as David Gay's `dtoa`: mode 0 is the
/// shortest round-trip string, mode 2 at most `ndigits` significant digits, mode 3 `ndigits`
/// digits after the point. `x` must be finite.
fn dtoa(x: f64, mode: u8, ndigits: usize) -> (String, i32) {
    let x = x.abs();
    // A double has at most 767 significant decimal digits and 1074 after the point: asking
    // for more changes nothing (and Rust's formatting precision is limited to u16).
    let ndigits = ndigits.min(1100);
    let (mut digits, decpt) = match mode {
        0 | 2 => {
            let s = if mode == 0 {
                shortest(x)
            } else {
                format!("{:.*e}", ndigits.saturating_sub(1), x)
            };
            let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
            let exp: i32 = exp.parse().unwrap_or(0);
            (mant.replace('.', ""), exp + 1)
        }
        _ => {
            let s = format!("{x:.ndigits$}");
            let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
            let all = format!("{int}{frac}");
            let trimmed = all.trim_start_matches('0');
            let decpt = int.len() as i32 - (all.len() - trimmed.len()) as i32;
            (trimmed.to_string(), decpt)
        }
    };
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    if digits.is_empty() || digits == "0" {
        return ("0".to_string(), 1);
    }
    (digits, decpt)
}

/// The shortest decimal digits that round-trip to `x` (finite, non-negative) in Rust's `{:e}`
/// layout, choosing among the shortest strings the one nearest to `x`, as `dtoa` mode 0:
/// Rust's own shortest formatting does not always pick the nearest last digit.
fn shortest(x: f64) -> String {
    let s = format!("{x:e}");
    let (mant, _) = s.split_once('e').unwrap_or((&s, "0"));
    let n = mant.bytes().filter(u8::is_ascii_digit).count();
    let nearest = format!("{:.*e}", n.saturating_sub(1), x);
    if nearest != s && nearest.parse::<f64>() == Ok(x) {
        nearest
    } else {
        s
    }
}

/// CPython's `PyOS_double_to_string`: `code` is one of `e E f F g G r` (`r` is repr, which
/// ignores `precision`). Infinities are `inf`/`INF`, NaN is `nan`/`NAN` without sign.
pub fn double_to_string(x: f64, code: char, precision: usize, flags: DtoaFlags) -> String {
    let upper = code.is_ascii_uppercase();
    let code = code.to_ascii_lowercase();
    let mut out = String::new();
    if !x.is_finite() {
        if x.is_sign_negative() && !x.is_nan() {
            out.push('-');
        } else if flags.sign {
            out.push('+');
        }
        out.push_str(match (x.is_nan(), upper) {
            (true, false) => "nan",
            (true, true) => "NAN",
            (false, false) => "inf",
            (false, true) => "INF",
        });
        return out;
    }
    let (mode, ndigits) = match code {
        'e' => (2, precision + 1),
        'f' => (3, precision),
        'g' => (2, precision.max(1)),
        _ => (0, 0),
    };
    // As PyOS_double_to_string: 'e' asks for one more digit, 'g' for at least one.
    let precision = match code {
        'e' => precision + 1,
        'g' => precision.max(1),
        _ => precision,
    };
    let (digits, decpt) = dtoa(x, mode, ndigits);
    let digits = digits.as_bytes();
    let digits_len = digits.len() as i64;
    let mut negative = x.is_sign_negative();
    if flags.no_neg_0 && negative && digits == b"0" {
        negative = false;
    }
    let mut decpt = decpt as i64;
    let precision = precision as i64;
    let add_dot_0 = flags.add_dot_0;
    let mut use_exp = false;
    let mut vdigits_end = digits_len;
    match code {
        'e' => {
            use_exp = true;
            vdigits_end = precision;
        }
        'f' => vdigits_end = decpt + precision,
        'g' => {
            if decpt <= -4 || decpt > (if add_dot_0 { precision - 1 } else { precision }) {
                use_exp = true;
            }
            if flags.alt {
                vdigits_end = precision;
            }
        }
        _ => {
            if decpt <= -4 || decpt > 16 {
                use_exp = true;
            }
        }
    }
    let mut exp = 0;
    if use_exp {
        exp = decpt - 1;
        decpt = 1;
    }
    let vdigits_start = if decpt <= 0 { decpt - 1 } else { 0 };
    vdigits_end = if !use_exp && add_dot_0 {
        vdigits_end.max(decpt + 1)
    } else {
        vdigits_end.max(decpt)
    };
    if negative {
        out.push('-');
    } else if flags.sign {
        out.push('+');
    }
    let zeros = |out: &mut String, n: i64| {
        for _ in 0..n.max(0) {
            out.push('0');
        }
    };
    if decpt <= 0 {
        zeros(&mut out, decpt - vdigits_start);
        out.push('.');
        zeros(&mut out, -decpt);
    } else {
        zeros(&mut out, -vdigits_start);
    }
    let digit_str = std::str::from_utf8(digits).unwrap_or("0");
    if 0 < decpt && decpt <= digits_len {
        out.push_str(&digit_str[..decpt as usize]);
        out.push('.');
        out.push_str(&digit_str[decpt as usize..]);
    } else {
        out.push_str(digit_str);
    }
    if digits_len < decpt {
        zeros(&mut out, decpt - digits_len);
        out.push('.');
        zeros(&mut out, vdigits_end - decpt);
    } else {
        zeros(&mut out, vdigits_end - digits_len);
    }
    if out.ends_with('.') && !flags.alt {
        out.pop();
    }
    if use_exp {
        out.push(if upper { 'E' } else { 'e' });
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    }
    out
}

/// `repr(x)` (and `str(x)`) for a float, as CPython: the shortest digits that round-trip,
/// in exponent form when the decimal exponent is below -4 or at least 16.
pub fn float_repr(x: f64) -> String {
    double_to_string(
        x,
        'r',
        0,
        DtoaFlags {
            add_dot_0: true,
            ..DtoaFlags::default()
        },
    )
}

// ---------------------------------------------------------------------------------------------
// str repr
// ---------------------------------------------------------------------------------------------

/// Python's `str.isprintable` for one character (Unicode 14 tables, as CPython 3.11).
pub fn is_printable(c: char) -> bool {
    unicode::is_printable(c)
}

/// Python's `str.isspace` for one character.
pub fn is_space(c: char) -> bool {
    unicode::is_space(c)
}

/// The value of a Unicode decimal digit (`'7'`, `'٣'`...), as `unicodedata.decimal`.
pub fn decimal_value(c: char) -> Option<u32> {
    unicode::decimal_value(c)
}

fn push_escape(out: &mut String, c: char) {
    let n = c as u32;
    if n <= 0xff {
        out.push_str(&format!("\\x{n:02x}"));
    } else if n <= 0xffff {
        out.push_str(&format!("\\u{n:04x}"));
    } else {
        out.push_str(&format!("\\U{n:08x}"));
    }
}

/// `repr(s)` for a str, as CPython: single quotes unless `s` contains `'` and no `"`;
/// `\\`, the quote, `\t`, `\n`, `\r` escaped; other non-printable characters as `\xhh`,
/// `\uhhhh` or `\Uhhhhhhhh`; printable non-ASCII characters kept. Printability follows
/// CPython 3.11's Unicode 14 tables exactly.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => push_escape(&mut out, c),
            c if (c as u32) < 0x7f => out.push(c),
            c if unicode::is_printable(c) => out.push(c),
            c => push_escape(&mut out, c),
        }
    }
    out.push(quote);
    out
}

/// What `ascii()` does to a repr: every non-ASCII character escaped as `\xhh`, `\uhhhh` or
/// `\Uhhhhhhhh`. `ascii(s)` for a str is `ascii_escape(&str_repr(s))`.
pub fn ascii_escape(repr: &str) -> String {
    let mut out = String::with_capacity(repr.len());
    for c in repr.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            push_escape(&mut out, c);
        }
    }
    out
}
