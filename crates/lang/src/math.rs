//! `pow`, `exp` and `log` in plain IEEE arithmetic, the same bits on every platform.
//!
//! Why not `f64::powf`: it is the platform's libm. Natively on Linux that is glibc, whose
//! `pow` CPython uses too; in wasm it is Rust's port of musl's older `pow`, which differs
//! from glibc in the last bit for ordinary inputs (`2.5 ** 2.5` printed
//! `9.882117688026185` in Chromium and `9.882117688026186` natively and in CPython). A
//! program must print the same everywhere, so racelab computes these itself, with only
//! `+ - * /` and exact bit manipulation, which wasm and every native target perform
//! identically.
//!
//! Method: double-double arithmetic (a value as an unevaluated sum `hi + lo` of two
//! doubles, about 106 bits). `log` takes a plain-double series as a first guess and refines
//! it with one Newton step against the double-double `exp`; `exp` reduces its argument by
//! `ln 2` and by `2^-10`, sums a short Taylor series and squares back. The result carries
//! an error near `2^-95` relative before its one final rounding, so it is the correctly
//! rounded value except in cases within about `2^-42` of a rounding boundary. glibc's `pow`
//! is within 0.52 of the last place and correctly rounded in practice; the test
//! `math_pow_differential` compares the two on tens of thousands of inputs.

/// A double-double: `hi + lo` with `|lo| <= ulp(hi) / 2`.
#[derive(Clone, Copy, Debug)]
struct Dd {
    hi: f64,
    lo: f64,
}

/// `ln 2` to 106 bits.
const LN2: Dd = Dd {
    hi: f64::from_bits(0x3FE6_2E42_FEFA_39EF),
    lo: f64::from_bits(0x3C7A_BC9E_3B39_803F),
};

fn two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    let bb = s - a;
    Dd {
        hi: s,
        lo: (a - (s - bb)) + (b - bb),
    }
}

fn quick_two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    Dd {
        hi: s,
        lo: b - (s - a),
    }
}

/// Splits `a` into two halves of 26 bits each (Dekker); `|a| < 2^995`.
fn split(a: f64) -> (f64, f64) {
    let t = 134_217_729.0 * a;
    let hi = t - (t - a);
    (hi, a - hi)
}

/// `a * b` exactly, as a double-double.
fn two_prod(a: f64, b: f64) -> Dd {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    Dd {
        hi: p,
        lo: ((ah * bh - p) + ah * bl + al * bh) + al * bl,
    }
}

impl Dd {
    fn from(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    fn add(self, b: Dd) -> Dd {
        let s = two_sum(self.hi, b.hi);
        let t = two_sum(self.lo, b.lo);
        let s = quick_two_sum(s.hi, s.lo + t.hi);
        quick_two_sum(s.hi, s.lo + t.lo)
    }

    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    fn sub(self, b: Dd) -> Dd {
        self.add(b.neg())
    }

    fn mul(self, b: Dd) -> Dd {
        let p = two_prod(self.hi, b.hi);
        quick_two_sum(p.hi, p.lo + (self.hi * b.lo + self.lo * b.hi))
    }

    fn mul_f(self, b: f64) -> Dd {
        let p = two_prod(self.hi, b);
        quick_two_sum(p.hi, p.lo + self.lo * b)
    }

    /// Division by a small whole number (exact in a double).
    fn div_f(self, b: f64) -> Dd {
        let q1 = self.hi / b;
        let r = self.sub(two_prod(q1, b));
        let q2 = r.hi / b;
        let r = r.sub(two_prod(q2, b));
        let q3 = r.hi / b;
        quick_two_sum(q1, q2).add(Dd::from(q3))
    }

    /// Multiplication by `2^k` (exact while the result stays normal).
    fn scale(self, k: i32) -> Dd {
        Dd {
            hi: scale(self.hi, k),
            lo: scale(self.lo, k),
        }
    }
}

/// `x * 2^k`, in steps that stay within the exponent range (the last one may round into a
/// subnormal, as a libm does).
fn scale(mut x: f64, mut k: i32) -> f64 {
    while k > 1023 {
        x *= f64::from_bits(0x7FE0_0000_0000_0000); // 2^1023
        k -= 1023;
    }
    while k < -1022 {
        x *= f64::from_bits(0x0010_0000_0000_0000); // 2^-1022
        k += 1022;
        if x == 0.0 {
            return x;
        }
    }
    x * f64::from_bits(((k + 1023) as u64) << 52)
}

/// `e^z - 1` for `|z| <= 0.35`, in double-double.
fn expm1_small(z: Dd) -> Dd {
    // Bring z down to |r| < 2^-11, sum the series, then undo the halvings with
    // e^(2r) - 1 = (e^r - 1)(e^r - 1 + 2), which keeps the small result's relative precision.
    const HALVINGS: i32 = 10;
    let r = z.scale(-HALVINGS);
    let mut term = r;
    let mut sum = r;
    for i in 2..=10 {
        term = term.mul(r).div_f(i as f64);
        sum = sum.add(term);
    }
    for _ in 0..HALVINGS {
        sum = sum.mul(sum.add(Dd::from(2.0)));
    }
    sum
}

/// `e^z` as `(m, k)`: `e^z = m * 2^k` with `m` in about `[0.7, 1.42]`; `None` when `z` is
/// out of every double's reach (`Some` does not promise a finite result either).
fn exp_dd(z: Dd) -> Option<(Dd, i32)> {
    if z.hi.is_nan() || z.hi.abs() >= 800.0 {
        return None;
    }
    let k = (z.hi / LN2.hi).round();
    let r = z.sub(LN2.mul_f(k));
    Some((expm1_small(r).add(Dd::from(1.0)), k as i32))
}

/// `ln x` for a finite `x > 0`, in double-double.
fn log_dd(x: f64) -> Dd {
    // x = m * 2^e with m in [sqrt(1/2), sqrt(2)).
    let (mut bits, mut e) = (x.to_bits(), 0i32);
    if bits >> 52 == 0 {
        // Subnormal: make it normal first.
        bits = (x * f64::from_bits(0x4350_0000_0000_0000)).to_bits(); // 2^54
        e -= 54;
    }
    e += ((bits >> 52) & 0x7FF) as i32 - 1023;
    let mut m = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    // First guess: ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172, to about 1e-17.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut series = 0.0;
    for k in (0..12).rev() {
        series = series * s2 + 1.0 / (2 * k + 1) as f64;
    }
    let guess = 2.0 * s * series;
    // One Newton step: ln m = guess + ln(m e^-guess), and m e^-guess = 1 + d with d tiny,
    // so ln(1 + d) = d - d^2/2 to far beyond double-double precision.
    let refined = match exp_dd(Dd::from(-guess)) {
        Some((em, k)) => {
            let d = em.mul_f(m).scale(k).sub(Dd::from(1.0));
            Dd::from(guess).add(d).sub(d.mul(d).scale(-1))
        }
        None => Dd::from(guess),
    };
    LN2.mul_f(e as f64).add(refined)
}

/// `x ** y` for a finite `x > 0` and a finite `y`, correctly rounded but for the rarest
/// inputs; overflow gives infinity and underflow zero (or a subnormal), as `pow` does.
pub fn pow_positive(x: f64, y: f64) -> f64 {
    if x == 1.0 || y == 0.0 {
        return 1.0;
    }
    if y == 1.0 {
        return x;
    }
    let log = log_dd(x);
    // Past 1e270 the exact product below could overflow on its way (and the result is
    // plainly infinite or zero, as `x != 1`).
    let z = if y.abs() < 1e270 {
        log.mul_f(y)
    } else {
        Dd::from(f64::INFINITY * log.hi.signum() * y.signum())
    };
    if !z.hi.is_finite() || z.hi > 710.0 {
        return if z.hi > 0.0 { f64::INFINITY } else { 0.0 };
    }
    if z.hi < -746.0 {
        return 0.0;
    }
    match exp_dd(z) {
        Some((m, k)) => scale(m.hi + m.lo, k),
        None => 0.0,
    }
}

/// `ln x` for a finite `x > 0`, correctly rounded but for the rarest inputs.
pub fn ln(x: f64) -> f64 {
    let l = log_dd(x);
    l.hi + l.lo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_powers_are_exact() {
        assert_eq!(pow_positive(4.0, 0.5), 2.0);
        assert_eq!(pow_positive(2.0, 10.0), 1024.0);
        assert_eq!(pow_positive(2.0, -3.0), 0.125);
        assert_eq!(pow_positive(10.0, 15.0), 1e15);
        assert_eq!(pow_positive(0.5, 1074.0), f64::from_bits(1));
        assert_eq!(pow_positive(2.0, 1024.0), f64::INFINITY);
        assert_eq!(pow_positive(2.0, -1080.0), 0.0);
        assert_eq!(pow_positive(9.0, 0.5), 3.0);
        assert_eq!(pow_positive(1.5, f64::MAX), f64::INFINITY);
        assert_eq!(pow_positive(1.5, -f64::MAX), 0.0);
        assert_eq!(pow_positive(0.5, f64::MAX), 0.0);
        assert_eq!(pow_positive(0.5, -f64::MAX), f64::INFINITY);
    }

    #[test]
    fn ln_of_known_values() {
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(std::f64::consts::E), 1.0);
        assert_eq!(ln(2.0), std::f64::consts::LN_2);
        assert_eq!(ln(10.0), std::f64::consts::LN_10);
        assert_eq!(ln(f64::MIN_POSITIVE * 0.5), -709.0895657128241);
    }

    #[test]
    fn the_value_that_differed_in_wasm() {
        assert_eq!(pow_positive(2.5, 2.5), 9.882117688026186);
        assert_eq!(pow_positive(0.5, 2.5), 0.1767766952966369);
    }
}
