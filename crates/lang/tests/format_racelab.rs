//! racelab-specific behaviour (where racelab knowingly differs from CPython) and robustness:
//! no input makes the formatting functions panic.

use racelab_lang::format::{
    chr, format_value, parse_format_string, percent_format, render_format_string, Conversion,
    FieldKey, FieldName, FieldRenderer, FormatSpec, FormatValue, PercentArg, PercentArgs, SpecKind,
    MAX_WIDTH,
};
use racelab_lang::num::{self, ExcKind, PyError, INT_OVERFLOW, NO_COMPLEX};

#[test]
fn ints_are_64_bit() {
    assert_eq!(num::int_mul(1 << 62, 2).unwrap_err().message, INT_OVERFLOW);
    assert_eq!(
        num::int_pow(10, 19).unwrap_err().kind,
        ExcKind::OverflowError
    );
    assert_eq!(num::int_lshift(1, 63).unwrap_err().message, INT_OVERFLOW);
    assert_eq!(
        num::int_from_str("9223372036854775808", None)
            .unwrap_err()
            .message,
        INT_OVERFLOW
    );
    assert_eq!(num::float_to_int(1e19).unwrap_err().message, INT_OVERFLOW);
    assert_eq!(num::round_float(1e19).unwrap_err().message, INT_OVERFLOW);
}

#[test]
fn no_complex_numbers() {
    let e = num::float_pow(-8.0, 1.0 / 3.0).unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ExcKind::ValueError, NO_COMPLEX)
    );
}

#[test]
fn huge_widths_are_a_memory_error() {
    for spec in [format!("{}", MAX_WIDTH + 1), "999999999999".to_string()] {
        for v in [
            FormatValue::Int(1),
            FormatValue::Float(1.5),
            FormatValue::Str("x"),
        ] {
            let e = format_value(v, &spec).unwrap_err();
            assert_eq!(e.kind, ExcKind::MemoryError, "{v:?} {spec}");
        }
    }
    // A huge precision only truncates a str.
    assert_eq!(
        format_value(FormatValue::Str("abc"), ".99999999999").unwrap(),
        "abc"
    );
}

#[test]
fn surrogates_cannot_be_made() {
    assert_eq!(chr(0xD800).unwrap_err().kind, ExcKind::ValueError);
    assert_eq!(chr(0x1F600).unwrap(), '😀');
    assert_eq!(
        format_value(FormatValue::Int(0xDFFF), "c")
            .unwrap_err()
            .kind,
        ExcKind::ValueError
    );
}

#[test]
fn spec_fields() {
    let s = FormatSpec::parse("*^+#012,.3f", SpecKind::Float).unwrap();
    assert_eq!(
        (
            s.fill,
            s.align,
            s.sign,
            s.alternate,
            s.width,
            s.grouping,
            s.precision,
            s.ty
        ),
        (
            '*',
            '^',
            Some('+'),
            true,
            Some(12),
            Some(','),
            Some(3),
            Some('f')
        )
    );
    let s = FormatSpec::parse("05", SpecKind::Int).unwrap();
    assert_eq!(
        (s.fill, s.align, s.width, s.ty),
        ('0', '=', Some(5), Some('d'))
    );
    let s = FormatSpec::parse("05", SpecKind::Str).unwrap();
    assert_eq!((s.fill, s.align, s.ty), ('0', '<', Some('s')));
}

/// A tiny renderer: positional ints only, `{name}` is a KeyError.
struct Ints<'a>(&'a [i64]);

impl FieldRenderer for Ints<'_> {
    type Value = String;

    fn resolve(&mut self, name: &FieldName) -> Result<String, PyError> {
        match &name.key {
            FieldKey::Index(i) => self.0.get(*i).map(|v| v.to_string()).ok_or_else(|| {
                PyError::new(
                    ExcKind::IndexError,
                    format!("Replacement index {i} out of range for positional args tuple"),
                )
            }),
            FieldKey::Name(n) => Err(PyError::new(ExcKind::KeyError, num::str_repr(n))),
        }
    }

    fn convert(&mut self, v: String, c: Conversion) -> Result<String, PyError> {
        Ok(match c {
            Conversion::Repr | Conversion::Ascii => format!("'{v}'"),
            Conversion::Str => v,
        })
    }

    fn format(&mut self, v: String, spec: &str) -> Result<String, PyError> {
        match v.parse::<i64>() {
            Ok(i) => format_value(FormatValue::Int(i), spec),
            Err(_) => format_value(FormatValue::Str(&v), spec),
        }
    }
}

#[test]
fn render_with_nested_specs() {
    let r = render_format_string("{:>{}}|{:{}{}}|{{{}}}", &mut Ints(&[42, 6, 7, 0, 5, 9]));
    assert_eq!(r.unwrap(), "    42|00007|{9}");
    let e = render_format_string("{} {", &mut Ints(&[])).unwrap_err();
    // CPython looks up the first field before finding the stray '{'.
    assert_eq!(e.kind, ExcKind::IndexError);
    let e = render_format_string("{0} {", &mut Ints(&[1])).unwrap_err();
    assert_eq!(e.message, "Single '{' encountered in format string");
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn text(&mut self, alphabet: &[char], max: u64) -> String {
        let n = self.next() % (max + 1);
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize])
            .collect()
    }
}

#[derive(Debug, Clone)]
struct P(i64);

impl PercentArg for P {
    fn as_int(&self) -> Option<i64> {
        (self.0 % 3 == 0).then_some(self.0)
    }
    fn as_float(&self) -> Option<f64> {
        (self.0 % 3 == 1).then(|| f64::from_bits(self.0 as u64))
    }
    fn as_str(&self) -> Option<&str> {
        (self.0 % 3 == 2).then_some("é")
    }
    fn to_str(&self) -> String {
        self.0.to_string()
    }
    fn to_repr(&self) -> String {
        format!("P({})", self.0)
    }
    fn type_name(&self) -> &str {
        "P"
    }
    fn is_mapping(&self) -> bool {
        self.0 % 2 == 0
    }
    fn get_item(&self, key: &str) -> Result<P, PyError> {
        Ok(P(key.len() as i64 * 7))
    }
}

#[test]
fn never_panics() {
    let mut r = Rng(0x2545_F491_4F6C_DD1D);
    let spec_chars: Vec<char> = "<>=^+- z#0123456789,_.%bcdeEfFgGnosxX{}é*\0"
        .chars()
        .collect();
    let tmpl_chars: Vec<char> = "{}[]!:.0123abrsx%(*)-+ #lhdfcegu\u{663}é".chars().collect();
    for i in 0..20000u64 {
        let spec = r.text(&spec_chars, 8);
        let x = r.next();
        let _ = format_value(FormatValue::Int(x as i64), &spec);
        let _ = format_value(FormatValue::Float(f64::from_bits(x)), &spec);
        let _ = format_value(FormatValue::Bool(x % 2 == 0), &spec);
        let _ = format_value(FormatValue::Str(&spec), &spec);
        let t = r.text(&tmpl_chars, 10);
        let _ = parse_format_string(&t);
        let _ = render_format_string(&t, &mut Ints(&[1, 2, 3]));
        let args: Vec<P> = (0..(i % 4)).map(|_| P(r.next() as i64 % 1000)).collect();
        let _ = percent_format(&t, PercentArgs::Tuple(&args));
        let _ = percent_format(&t, PercentArgs::Single(&P(x as i64 % 1000)));
        let _ = num::int_from_str(&t, Some((x % 40) as u32));
        let _ = num::float_from_str(&t);
        let (a, b) = (x as i64, r.next() as i64);
        let _ = (
            num::int_floordiv(a, b),
            num::int_mod(a, b % 70),
            num::int_truediv(a, b),
        );
        let _ = (num::int_pow(a % 100, b % 80), num::int_pow_mod(a, b, a ^ b));
        let _ = (num::int_lshift(a, b % 80), num::int_rshift(a, b % 80));
        let _ = num::round_float_ndigits(f64::from_bits(x), b % 400);
        let _ = num::round_int_ndigits(a, b % 50);
    }
}
