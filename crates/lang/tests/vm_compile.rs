//! What the compiler refuses, with line and column.

use racelab_lang::compiler::compile;
use racelab_lang::error::ErrorKind;

fn refusal(src: &str) -> (String, u32, u32, ErrorKind) {
    match compile(src, "prog.py") {
        Ok(_) => panic!("expected a refusal for {src:?}"),
        Err(e) => (e.message, e.line, e.column, e.kind),
    }
}

#[test]
fn unknown_modules_are_refused_with_the_list() {
    let (msg, line, col, kind) = refusal("x = 1\nimport os\n");
    assert_eq!(
        msg,
        "racelab has no module `os`; it offers threading, concurrent.futures, queue, time, random, datetime and racelab"
    );
    assert_eq!((line, col, kind), (2, 8, ErrorKind::Unsupported));
    let (msg, line, _, _) = refusal("from sys import argv\n");
    assert!(msg.starts_with("racelab has no module `sys`"), "{msg}");
    assert_eq!(line, 1);
}

#[test]
fn supported_modules_compile() {
    for src in [
        "import time\n",
        "import random\n",
        "import datetime\n",
        "from datetime import datetime\n",
        "from racelab import check\n",
        "import threading\n",
        "import queue\n",
        "import concurrent.futures\n",
        "from concurrent.futures import ThreadPoolExecutor\n",
    ] {
        assert!(compile(src, "prog.py").is_ok(), "{src}");
    }
}

#[test]
fn unusable_builtins_are_refused() {
    let (msg, line, col, kind) = refusal("name = input('?')\n");
    assert!(msg.contains("`input`"), "{msg}");
    assert_eq!((line, col, kind), (1, 8, ErrorKind::Unsupported));
    for name in ["open", "eval", "exec", "__import__"] {
        let (msg, _, _, _) = refusal(&format!("{name}('x')\n"));
        assert!(msg.contains(name), "{msg}");
    }
    // A program may define its own function with such a name.
    assert!(compile(
        "def input(p):\n    return 'x'\nprint(input('?'))\n",
        "prog.py"
    )
    .is_ok());
}

#[test]
fn multiple_inheritance_is_refused() {
    let (msg, line, _, kind) = refusal("class A: pass\nclass B: pass\nclass C(A, B):\n    pass\n");
    assert!(msg.contains("single inheritance"), "{msg}");
    assert_eq!((line, kind), (3, ErrorKind::Unsupported));
}

#[test]
fn misplaced_statements_are_refused() {
    assert_eq!(refusal("return 1\n").0, "'return' outside function");
    assert_eq!(refusal("x = 1\nbreak\n").0, "'break' outside loop");
    assert_eq!(refusal("continue\n").0, "'continue' not properly in loop");
    assert_eq!(
        refusal("class A:\n    return 1\n").0,
        "'return' outside function"
    );
    let (msg, line, _, _) = refusal("def f():\n    def g():\n        nonlocal x\n        x = 1\n");
    assert_eq!(msg, "no binding for nonlocal 'x' found");
    assert_eq!(line, 3);
}

#[test]
fn threading_parts_not_there_yet_say_so() {
    let p = compile(
        "import threading\nt = threading.Timer(1, print)\n",
        "prog.py",
    )
    .expect("compiles");
    let r = p.run(&Default::default());
    let e = r.exception.expect("raises");
    assert_eq!(e.type_name, "NotImplementedError");
    assert_eq!(e.message, racelab_lang::vm::modules::NOT_YET);
}
