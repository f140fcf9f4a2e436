//! Small benchmarks against CPython (ignored by default; run with
//! `cargo test -p racelab-lang --release --test vm_bench -- --ignored --nocapture`).

mod common;

use std::time::Instant;

use racelab_lang::compiler::compile;
use racelab_lang::vm::RunOptions;

/// The bench's workloads: `crates/lang/bench/*.py`, the same files `cargo xtask bench` times
/// natively, in the browsers and under CPython.
fn benches() -> Vec<(String, String)> {
    common::python_files("bench")
        .iter()
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            let source = std::fs::read_to_string(p).expect("a bench program");
            (name.unwrap_or_default(), source)
        })
        .collect()
}

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
    for (name, src) in &benches() {
        let program = compile(src, name).expect("compiles");
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
