//! racelab's own `pow` (crates/lang/src/math.rs) against CPython's `x ** y` (glibc's `pow`)
//! and against the correctly rounded result (Python's `decimal` at 40 digits, asked only where the two differ), on 60,000
//! inputs drawn from the shapes programs use: prices and rates, roots, powers of ten, bases
//! near 1 with large exponents, tiny and huge results.
//!
//! glibc's `pow` promises 0.52 units in the last place, not correct rounding: where the
//! exact result lies within a few hundredths of a unit of a rounding boundary it may round
//! the other way. racelab's rounds correctly, so there, and only there, the two may print
//! different last digits. The test holds racelab to exactly that.

use racelab_lang::math::pow_positive;

/// A small deterministic generator (splitmix64): the same inputs on every run.
struct Draws(u64);

impl Draws {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

fn inputs() -> Vec<(f64, f64)> {
    let mut d = Draws(2026);
    let mut out = Vec::new();
    for i in 0..60_000 {
        let pair = match i % 6 {
            0 => (d.range(0.0, 10.0), d.range(-10.0, 10.0)),
            1 => (
                d.range(0.0, 1000.0),
                (d.range(-20.0, 20.0) * 2.0).round() / 2.0,
            ),
            2 => (1.0 + d.range(-0.01, 0.01), d.range(-5000.0, 5000.0)),
            3 => ((d.range(1.0, 200.0)).round() / 8.0, d.range(0.0, 1.0)),
            4 => (d.range(1e-300, 1e-250), d.range(-1.2, 1.2)),
            _ => (d.range(1.0, 1e6), d.range(-50.0, 50.0)),
        };
        if pair.0 > 0.0 {
            out.push(pair);
        }
    }
    out
}

#[test]
fn pow_is_correctly_rounded_and_differs_from_cpython_only_where_glibc_is_not() {
    let inputs = inputs();
    let text: String = inputs
        .iter()
        .map(|(x, y)| {
            let ours = pow_positive(*x, *y).to_bits();
            format!("{:016x} {:016x} {ours:016x}\n", x.to_bits(), y.to_bits())
        })
        .collect();
    let path = std::env::temp_dir().join(format!("racelab_pow_{}.txt", std::process::id()));
    std::fs::write(&path, text).expect("inputs written");
    // For each input: CPython's `x ** y`, and where racelab's differs, the correctly rounded
    // value (slow to compute, so only there).
    let script = "import decimal, struct, sys\n\
        decimal.getcontext().prec = 40\n\
        decimal.getcontext().Emin = -999999\n\
        f = lambda h: struct.unpack('<d', bytes.fromhex(h)[::-1])[0]\n\
        h = lambda r: struct.pack('<d', r)[::-1].hex()\n\
        out = []\n\
        for line in open(sys.argv[1]):\n\
        \x20   a, b, ours = line.split()\n\
        \x20   x, y = f(a), f(b)\n\
        \x20   try:\n\
        \x20       r = x ** y\n\
        \x20   except OverflowError:\n\
        \x20       r = float('inf')\n\
        \x20   exact = r if h(r) == ours else float(decimal.Decimal(x) ** decimal.Decimal(y))\n\
        \x20   out.append(h(r) + ' ' + h(exact))\n\
        print('\\n'.join(out))\n";
    let run = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .expect("python3 runs (cargo xtask test installs it)");
    let _ = std::fs::remove_file(&path);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let expected: Vec<(u64, u64)> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|line| {
            let (cpython, exact) = line.split_once(' ').expect("two results");
            let bits = |h| u64::from_str_radix(h, 16).expect("hex bits");
            (bits(cpython), bits(exact))
        })
        .collect();
    assert_eq!(expected.len(), inputs.len());
    let (mut wrong, mut glibc_off) = (Vec::new(), 0);
    for ((x, y), (cpython, exact)) in inputs.iter().zip(&expected) {
        let got = pow_positive(*x, *y).to_bits();
        // Where racelab and CPython agree, `exact` is CPython's result (not recomputed).
        if got != *exact {
            wrong.push(format!(
                "{x:?} ** {y:?}: racelab {:?}, correctly rounded {:?}, CPython {:?}",
                f64::from_bits(got),
                f64::from_bits(*exact),
                f64::from_bits(*cpython)
            ));
        }
        if cpython != exact {
            glibc_off += 1;
        }
    }
    println!(
        "pow: {} inputs; racelab differs from CPython on {glibc_off}, each time rounding \
         correctly where glibc does not; {} wrong",
        inputs.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // glibc's error bound (0.52 units in the last place) makes it miss on about 0.1%.
    assert!(glibc_off * 200 < inputs.len(), "{glibc_off}");
}
