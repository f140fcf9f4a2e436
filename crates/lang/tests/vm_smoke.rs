//! "Never panic" smoke test: damaged variants of every corpus program (a line dropped, a
//! line duplicated, two lines swapped, a token changed) either compile to something that
//! runs to an outcome, or are refused; nothing panics.

mod common;

use racelab_lang::compiler::compile;
use racelab_lang::vm::RunOptions;

fn variants(src: &str) -> Vec<String> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    let n = lines.len();
    for i in (0..n).step_by(3) {
        let mut v = lines.clone();
        v.remove(i);
        out.push(v.join("\n"));
        let mut v = lines.clone();
        v.insert(i, lines[i]);
        out.push(v.join("\n"));
        if i + 1 < n {
            let mut v = lines.clone();
            v.swap(i, i + 1);
            out.push(v.join("\n"));
        }
    }
    for (from, to) in [
        ("+", "-"),
        ("(", "[("),
        ("0", "-1"),
        ("1", "0"),
        ("self.", ""),
        ("[", "[-"),
        ("==", "is"),
        ("return", "yield_"),
    ] {
        out.push(src.replacen(from, to, 1));
        out.push(src.replace(from, to));
    }
    out
}

#[test]
fn damaged_programs_never_panic() {
    let files = common::python_files("tests/corpus");
    let mut ran = 0;
    for f in files {
        let src = std::fs::read_to_string(&f).expect("readable");
        for v in variants(&src) {
            if let Ok(p) = compile(&v, "prog.py") {
                let r = p.run(&RunOptions {
                    max_steps: Some(200_000),
                    real_sleep: false,
                    heap_budget: 64 << 20,
                    ..RunOptions::default()
                });
                let _ = r.stdout();
                ran += 1;
            }
        }
    }
    println!("ran {ran} damaged programs");
    assert!(ran > 100);
}
