//! Small benchmarks against CPython (ignored by default; run with
//! `cargo test -p racelab-lang --release --test vm_bench -- --ignored --nocapture`).

use std::time::Instant;

use racelab_lang::compiler::compile;
use racelab_lang::vm::RunOptions;

const BENCHES: &[(&str, &str)] = &[
    (
        "loop: total += i*i % 7 (3M, in a function)",
        "def main():\n    total = 0\n    for i in range(3_000_000):\n        total += i * i % 7\n    return total\nprint(main())\n",
    ),
    ("calls: recursive fib(27)", "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nprint(fib(27))\n"),
    (
        "alloc: lists of tuples (300k)",
        "def main():\n    rows = []\n    for i in range(300_000):\n        rows.append((i, i * 2, str(i)))\n    s = 0\n    for a, b, c in rows:\n        s += a + b + len(c)\n    return s\nprint(main())\n",
    ),
    (
        "objects: methods and attributes (500k)",
        "class Account:\n    def __init__(self, b):\n        self.balance = b\n    def deposit(self, x):\n        self.balance += x\n        return self.balance\ndef main():\n    a = Account(0)\n    for i in range(500_000):\n        a.deposit(i % 10)\n    return a.balance\nprint(main())\n",
    ),
    (
        "dict/str: word counts (200k)",
        "def main():\n    words = ['alpha', 'beta', 'gamma', 'delta', 'eps']\n    counts = {}\n    for i in range(200_000):\n        w = words[i % 5]\n        counts[w] = counts.get(w, 0) + 1\n    return sorted(counts.items())\nprint(main())\n",
    ),
    (
        "globals: module-level loop (1M)",
        "total = 0\nfor i in range(1_000_000):\n    total += i\nprint(total)\n",
    ),
];

/// CPython's time for the program, measured inside the interpreter (best of 3).
fn time_python(src: &str) -> Option<f64> {
    let path = std::env::temp_dir().join(format!("racelab_bench_{}.py", std::process::id()));
    std::fs::write(&path, src).ok()?;
    let runner = "import sys, time, io, contextlib\nsrc = open(sys.argv[1]).read()\nbest = 1e9\nfor _ in range(3):\n    t = time.perf_counter()\n    with contextlib.redirect_stdout(io.StringIO()):\n        exec(compile(src, 'bench.py', 'exec'), {'__name__': '__main__'})\n    best = min(best, time.perf_counter() - t)\nprint(best)\n";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(runner)
        .arg(&path)
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&path);
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

#[test]
#[ignore]
fn bench_against_cpython() {
    for (name, src) in BENCHES {
        let program = compile(src, "bench.py").expect("compiles");
        let mut best = f64::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            let r = program.run(&RunOptions::default());
            best = best.min(start.elapsed().as_secs_f64());
            assert!(r.exception.is_none(), "{name}: {:?}", r.exception);
        }
        let py = time_python(src);
        match py {
            Some(p) => println!(
                "{name:45} racelab {best:.3}s  cpython {p:.3}s  speedup {:.2}x",
                p / best
            ),
            None => println!("{name:45} racelab {best:.3}s  (no python3)"),
        }
    }
}
