//! Robustness of the front end under random edits of valid programs: `parse` never panics,
//! every error has a sane position, and whatever it accepts CPython accepts too.
//!
//! The mutator is a small deterministic xorshift generator (no dependency), so failures
//! reproduce exactly.

use racelab_lang::parser::parse;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Valid programs to mutate (each one is checked against CPython too).
const PROGRAMS: &[&str] = &[
    r#"import threading
from random import randint as r

class Account(object):
    rate: float = 0.5

    def __init__(self, name, balance=0, *, lock=None):
        self.name, self.balance = name, balance
        self.lock = lock or threading.Lock()

    def deposit(self, amount: int) -> None:
        with self.lock:
            self.balance += amount

def worker(acct, n):
    for i in range(n):
        try:
            acct.deposit(r(1, 10))
        except (ValueError, KeyError) as e:
            print(f"failed: {e!r} at {i:>4}")
        finally:
            pass
    return acct.balance

accounts = [Account(f"a{i}") for i in range(3)]
threads = [threading.Thread(target=worker, args=(a, 100)) for a in accounts]
for t in threads: t.start()
for t in threads:
    t.join()
total = sum(a.balance for a in accounts)
print(f"total {total:,} {total=} {total / 3:.2f}")
"#,
    r#"def fib(n):
    a, b = 0, 1
    while n > 0:
        a, b = b, a + b
        n -= 1
    else:
        return a

squares = {x: x ** 2 for x in range(10) if x % 2 == 0}
evens = [y for y in squares.values() if y if y > 4]
first, *rest = sorted(evens, key=lambda v: -v, reverse=True)
print(first, rest, -2 ** 2, 2 ** -1, not first == 1, 1 < first <= 100)
s = "tab\t" 'quote\'' r"\d+" '''multi
line''' + f'{first!s:^{10}}'
matrix = [[0] * 3 for _ in range(3)]
matrix[1][2] = matrix[0][1:3][::-1]
del matrix[0]
x = y = None if not matrix else matrix[-1]
"#,
    r#"import time
counter = 0
def bump(times, /, step=1, *args, **kw):
    global counter
    for _ in range(times):
        tmp = counter
        time.sleep(0)
        counter = tmp + step

if __name__ == '__main__':
    bump(10); bump(5, step=2)
    assert counter >= 0, 'negative'
    print({**{'a': 1}, 'b': [*range(3)]}, {1, 2, *[3]}, (), (1,), ...)
    raise SystemExit(0) from None
"#,
    "class Node:\n    def __init__(self, value, children=()):\n        self.value = value\n        self.children = list(children)\n\n    def walk(self):\n        out = [self.value]\n        for c in self.children:\n            out.extend(c.walk())\n        return out\n\ntree = Node(1, [Node(2), Node(3, [Node(4)])])\nwhile True:\n    if len(tree.walk()) > 3: break\n    elif tree: continue\n    else: pass\nnonlocal_free = 0x1F | 0o7 & 0b1 ^ 1_000 << 2 >> 1\nwith open('f') as f, open('g') as (g):\n    pass\n",
];

/// Fragments the mutator inserts: brackets, quotes, operators, keywords, indentation,
/// line breaks and non-ASCII text.
const SNIPPETS: &[&str] = &[
    "(", ")", "[", "]", "{", "}", ":", ",", ".", "=", "==", "+", "-", "*", "**", "/", "//", "%",
    "<", ">", "!", "!=", "~", "^", "&", "|", "'", "\"", "'''", "\"\"\"", "\\", "\\\n", "#", "\n",
    " ", "    ", "\t", "\x0c", "\r\n", "\r", "if ", " else ", "elif ", "for ", " in ", "not ",
    "lambda ", "lambda: ", "yield ", "async ", "await ", "@", ":=", "->", "...", "f'", "f\"",
    "{x}", "{x!r}", "{x:>3}", "{x=}", "é", "€", "日本", "0x", "1e", "1_0", "012", "1j", "b'", "r'",
    "rb", "\\N{", "\\x", "\\u", "match ", "print ", "def ", "class ", "return ", "pass", " as ",
    "with ", "try:", "except ", "except* ", "finally:", "del ", "global ", "import ", "from ",
    "True", "None", "and ", "or ", "is ", "*a", "**k", "a=", "0", "1.5", ".5", "_", "\u{a0}",
    "\u{feff}",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Applies one random edit to `s`.
fn mutate_once(rng: &mut Rng, s: &mut Vec<char>) {
    let len = s.len();
    let at = rng.below(len + 1);
    match rng.below(11) {
        0 => {
            let n = 1 + rng.below(3);
            let end = (at + n).min(len);
            s.drain(at..end);
        }
        1 | 2 => {
            let snip = SNIPPETS[rng.below(SNIPPETS.len())];
            for (k, c) in snip.chars().enumerate() {
                s.insert(at + k, c);
            }
        }
        3 => {
            let n = 1 + rng.below(20);
            let end = (at + n).min(len);
            let piece: Vec<char> = s[at..end].to_vec();
            let to = rng.below(s.len() + 1);
            for (k, c) in piece.into_iter().enumerate() {
                s.insert(to + k, c);
            }
        }
        4 => {
            if at + 1 < len {
                s.swap(at, at + 1);
            }
        }
        5 => {
            // Swap two words (maximal runs of non-space characters).
            let words: Vec<(usize, usize)> = {
                let mut v = Vec::new();
                let mut k = 0;
                while k < len {
                    if s[k].is_whitespace() {
                        k += 1;
                        continue;
                    }
                    let st = k;
                    while k < len && !s[k].is_whitespace() {
                        k += 1;
                    }
                    v.push((st, k));
                }
                v
            };
            if words.len() >= 2 {
                let i = rng.below(words.len() - 1);
                let j = i + 1 + rng.below(words.len() - i - 1);
                let (a, b) = (words[i], words[j]);
                let mut out: Vec<char> = s[..a.0].to_vec();
                out.extend_from_slice(&s[b.0..b.1]);
                out.extend_from_slice(&s[a.1..b.0]);
                out.extend_from_slice(&s[a.0..a.1]);
                out.extend_from_slice(&s[b.1..]);
                *s = out;
            }
        }
        6 | 7 => {
            // Delete, duplicate or re-indent a whole line.
            let lines: Vec<usize> = std::iter::once(0)
                .chain((0..len).filter(|&k| s[k] == '\n').map(|k| k + 1))
                .filter(|&k| k <= len)
                .collect();
            let start = lines[rng.below(lines.len())];
            let end = (start..len).find(|&k| s[k] == '\n').map_or(len, |k| k + 1);
            match rng.below(4) {
                0 => {
                    s.drain(start..end);
                }
                1 => {
                    let line: Vec<char> = s[start..end].to_vec();
                    for (k, c) in line.into_iter().enumerate() {
                        s.insert(end + k, c);
                    }
                }
                2 => {
                    let pad = ["  ", "    ", "\t", " "][rng.below(4)];
                    for (k, c) in pad.chars().enumerate() {
                        s.insert(start + k, c);
                    }
                }
                _ => {
                    let n = (start..end).take_while(|&k| s[k] == ' ').count().min(2);
                    s.drain(start..start + n);
                }
            }
        }
        8 => {
            s.truncate(at);
        }
        _ => {
            if at < len {
                let c = [
                    '(', ')', '[', ']', '{', '}', '\'', '"', ':', ' ', '\n', '\t',
                ];
                s[at] = c[rng.below(c.len())];
            }
        }
    }
}

fn mutant(rng: &mut Rng, max_edits: usize) -> String {
    let base = PROGRAMS[rng.below(PROGRAMS.len())];
    let mut s: Vec<char> = base.chars().collect();
    for _ in 0..1 + rng.below(max_edits) {
        mutate_once(rng, &mut s);
    }
    s.into_iter().collect()
}

/// Lines as the lexer counts them (`\r\n`, `\r` and `\n` end a line).
fn line_count(src: &str) -> u32 {
    let normalized = src.replace("\r\n", "\n").replace('\r', "\n");
    normalized.matches('\n').count() as u32 + 1
}

#[test]
fn mutated_programs_never_panic_and_errors_have_sane_positions() {
    let started = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut accepted, mut refused) = (0, 0);
    for n in 0..6000 {
        let src = mutant(&mut rng, 4);
        let result = std::panic::catch_unwind(|| parse(&src));
        let Ok(result) = result else {
            panic!("parse panicked on mutant {n}: {src:?}");
        };
        match result {
            Ok(_) => accepted += 1,
            Err(e) => {
                refused += 1;
                let lines = line_count(&src);
                assert!(
                    e.line >= 1 && e.column >= 1 && e.end_column > e.column && e.line <= lines + 1,
                    "bad position {}:{}-{} ({} lines) for {:?}: {}",
                    e.line,
                    e.column,
                    e.end_column,
                    lines,
                    src,
                    e.message
                );
                assert!(!e.message.is_empty());
                let rendered = e.render(&src, "mutant.py");
                assert!(rendered.contains(&e.message));
            }
        }
    }
    eprintln!(
        "6000 mutants: {accepted} accepted, {refused} refused in {:?}",
        started.elapsed()
    );
    assert!(accepted > 100 && refused > 1000);
}

#[test]
fn pathological_inputs_return_errors() {
    for src in [
        "(".repeat(10_000),
        "[".repeat(10_000),
        "{".repeat(10_000),
        "-".repeat(10_000) + "1",
        "not ".repeat(5_000) + "x",
        "x".to_string() + &"[0]".repeat(5_000),
        "f(".repeat(10_000),
        "'".repeat(10_001),
        "\"\"\"".to_string() + &"\n".repeat(1000),
        "\\".to_string(),
        "\u{feff}".to_string(),
        "\t\t\n\x0c\r\r\n".to_string(),
        "if x:\n".repeat(200),
        format!("f'{{{}}}'", "(".repeat(300)),
        "x = f'{f\"{f'''{1}'''}\"}'\n".to_string(),
    ] {
        let started = Instant::now();
        let r = parse(&src);
        if let Err(e) = &r {
            assert!(e.line >= 1 && e.column >= 1 && e.line <= line_count(&src) + 1);
        }
        assert!(
            started.elapsed().as_secs() < 2,
            "slow on {:?}",
            &src[..src.len().min(40)]
        );
    }
}

/// Runs `ast.parse` on every source in one python3 process; returns `None` for the ones
/// CPython accepts and its message for the others.
fn cpython_verdicts(sources: &[String]) -> Vec<Option<String>> {
    const SCRIPT: &str = r#"
import ast, json, sys, warnings
warnings.simplefilter("ignore")
for src in json.load(sys.stdin):
    try:
        ast.parse(src)
        print("OK")
    except SyntaxError as e:
        print("ERR", (e.msg or "").replace("\n", " "), "line", e.lineno)
    except Exception as e:
        print("ERR", type(e).__name__, str(e).replace("\n", " "))
"#;
    let child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => panic!(
            "this test needs python3 (CPython 3.11) on PATH to check that every program \
             racelab accepts is valid Python, but it could not be started: {e}"
        ),
    };
    let mut json = String::from("[");
    for (k, s) in sources.iter().enumerate() {
        if k > 0 {
            json.push(',');
        }
        json_string(&mut json, s);
    }
    json.push(']');
    {
        let mut stdin = child.stdin.take().expect("python3's stdin");
        stdin.write_all(json.as_bytes()).expect("write to python3");
    }
    let out = child.wait_with_output().expect("python3 runs");
    assert!(out.status.success(), "python3 failed: {:?}", out);
    let text = String::from_utf8_lossy(&out.stdout);
    let verdicts: Vec<Option<String>> = text
        .lines()
        .map(|l| if l == "OK" { None } else { Some(l.to_string()) })
        .collect();
    assert_eq!(verdicts.len(), sources.len(), "python3 output: {text}");
    verdicts
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Hand-picked corner cases the parser accepts; CPython must accept them too.
const CORNERS: &[&str] = &[
    "1if 1else 2\n",
    "0x1for x in y\n",
    "x = 1.e5 + 1. + .5 + 1_0.0_1e-1_0\n",
    "\\\n\nx=1\n",
    "if x:\n  \\\n\n  y\n",
    "x = 1;\n",
    "f'\\{6}'\n",
    "f'{a!=b}' f'{ {} }' f'''{\n1}''' f'{x:{y:>3}}' f'{x=!s:>3}' f'{x:=3}'\n",
    "f'{a,b}' f'{x>=y=}' f'{x:{{}}}' rf'\\{x}' fR'{x}\\n'\n",
    "with (a as b, c as d,): pass\nwith (a, b) as c: pass\nwith (a): pass\n",
    "lambda **k,: 1\ndef f(**k,): pass\ndef g(a, /): pass\ndef h(a=1, /, b=2, *, c): pass\n",
    "a[1:2, ::3, *b]\na[*b]\na[:, 1]\n",
    "for x in *a, *b: pass\nfor x, in y: pass\nfor (x) in y: pass\n",
    "del ()\ndel []\ndel (a), [b, c],\n",
    "[] = []\n() = ()\n[*a] = b\n(*a,) = b\n*a, b = c\n",
    "x: int = 1, 2\n(x): int = 1\n",
    "print(x) \\\n  ; y\n",
    "\x0c\n  \x0cx = 1\n",
    "if 1:\n\tx = 1\n\ty = 2\n",
    "if 1:\n        x\n\tif 2:\n\t y\n",
    "class A(B, C,): pass\n",
    "f(a)(b)[c].d(*e, f=g, **h)\n",
    "x = not not a\ny = - - - b\nz = a if b else c if d else lambda: e\n",
    "import a.b.c as d, e\nfrom a.b import (c, d as e,)\n",
    "global a\nnonlocal b\n",
    "try:\n  pass\nexcept E as e:\n  pass\nexcept (A, B):\n  pass\nelse:\n  pass\nfinally:\n  pass\n",
];

#[test]
fn parse_accepts_only_valid_python() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    let mut sources: Vec<String> = PROGRAMS.iter().map(|s| s.to_string()).collect();
    for corner in CORNERS {
        if parse(corner).is_ok() {
            sources.push(corner.to_string());
        }
    }
    let mut tried = 0;
    let mut refused_by_us = Vec::new();
    while sources.len() < 400 && tried < 20_000 {
        tried += 1;
        let src = mutant(&mut rng, 2);
        match parse(&src) {
            Ok(_) => sources.push(src),
            Err(e) => {
                if refused_by_us.len() < 400 {
                    refused_by_us.push((src, e));
                }
            }
        }
    }
    assert!(
        sources.len() >= 300,
        "only {} accepted mutants",
        sources.len()
    );
    // Every base program and corner case must be accepted by racelab too.
    for p in PROGRAMS {
        parse(p).unwrap();
    }
    let mut all = sources.clone();
    all.extend(refused_by_us.iter().map(|(s, _)| s.clone()));
    let verdicts = cpython_verdicts(&all);
    let mut wrong = Vec::new();
    for (src, verdict) in sources.iter().zip(&verdicts) {
        if let Some(msg) = verdict {
            wrong.push(format!("{src:?}\n    CPython: {msg}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "racelab accepted {} program(s) CPython refuses:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // The other direction is informative only: racelab refuses valid Python it leaves out.
    let valid_refused: Vec<String> = refused_by_us
        .iter()
        .zip(&verdicts[sources.len()..])
        .filter(|(_, v)| v.is_none())
        .map(|((_, e), _)| format!("{:?}: {}", e.kind, e.message))
        .collect();
    eprintln!(
        "{} accepted programs checked against CPython; of {} refused mutants, {} are valid Python refused on purpose, e.g. {:?}",
        sources.len(),
        refused_by_us.len(),
        valid_refused.len(),
        valid_refused.iter().take(5).collect::<Vec<_>>()
    );
}
