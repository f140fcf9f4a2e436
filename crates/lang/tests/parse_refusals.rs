//! Every refusal names its kind, a plain sentence, and the exact place: unsupported
//! features, common syntax errors, indentation errors, and limits.

use racelab_lang::error::{CompileError, ErrorKind};
use racelab_lang::parser::parse;

use ErrorKind::{Indentation as Ind, Syntax as Syn, Unsupported as Uns};

fn err(src: &str) -> CompileError {
    match parse(src) {
        Ok(m) => panic!("accepted {src:?}: {m:?}"),
        Err(e) => e,
    }
}

/// (source, kind, message fragment, line, column, end column)
const CASES: &[(&str, ErrorKind, &str, u32, u32, u32)] = &[
    // Unsupported features: the keyword or token is underlined.
    (
        "def f():\n    yield 1\n",
        Uns,
        "`yield` is not supported by racelab: generators",
        2,
        5,
        10,
    ),
    (
        "def f():\n    x = yield\n",
        Uns,
        "`yield` is not supported",
        2,
        9,
        14,
    ),
    (
        "def f():\n    yield from g()\n",
        Uns,
        "`yield` is not supported",
        2,
        5,
        10,
    ),
    (
        "async def f(): pass\n",
        Uns,
        "`async` is not supported",
        1,
        1,
        6,
    ),
    (
        "async with a: pass\n",
        Uns,
        "`async` is not supported",
        1,
        1,
        6,
    ),
    ("x = await f()\n", Uns, "`await` is not supported", 1, 5, 10),
    ("@decorator\ndef f(): pass\n", Uns, "decorators", 1, 1, 2),
    (
        "match command:\n    case 1: pass\n",
        Uns,
        "`match` statements are not supported",
        1,
        1,
        6,
    ),
    (
        "match (x):\n    case 1: pass\n",
        Uns,
        "`match` statements",
        1,
        1,
        6,
    ),
    (
        "if (n := 10) > 5: pass\n",
        Uns,
        "walrus operator `:=`",
        1,
        7,
        9,
    ),
    ("print([y := 1, y])\n", Uns, "walrus", 1, 10, 12),
    ("x = a @ b\n", Uns, "matrix multiplication", 1, 7, 8),
    ("x @= b\n", Uns, "matrix multiplication", 1, 3, 5),
    ("x = 1j\n", Uns, "complex numbers", 1, 5, 7),
    ("x = b'abc'\n", Uns, "bytes literals", 1, 5, 11),
    ("x = '\\N{BULLET}'\n", Uns, "`\\N{...}` escapes", 1, 5, 17),
    ("from os import *\n", Uns, "`from ... import *`", 1, 16, 17),
    ("from . import x\n", Uns, "relative imports", 1, 6, 7),
    ("from ..a import x\n", Uns, "relative imports", 1, 6, 7),
    ("try: pass\nexcept* E: pass\n", Uns, "`except*`", 2, 1, 8),
    (
        "class A(metaclass=M): pass\n",
        Uns,
        "keyword arguments in a class definition",
        1,
        9,
        20,
    ),
    // Syntax errors, CPython's wording.
    ("x = = 1\n", Syn, "invalid syntax", 1, 5, 6),
    ("foo(a, b\n", Syn, "'(' was never closed", 1, 4, 5),
    (
        "x = [1,\n     2\ny = 3\n",
        Syn,
        "'[' was never closed",
        1,
        5,
        6,
    ),
    ("x = (1))\n", Syn, "unmatched ')'", 1, 8, 9),
    (
        "x = (1]\n",
        Syn,
        "closing parenthesis ']' does not match opening parenthesis '('",
        1,
        7,
        8,
    ),
    (
        "a = 1\nb = 'abc\nc = 2\n",
        Syn,
        "unterminated string literal (detected at line 2)",
        2,
        5,
        6,
    ),
    (
        "s = \"\"\"abc\n\ndef\n",
        Syn,
        "unterminated triple-quoted string literal (detected at line 3)",
        1,
        5,
        6,
    ),
    ("if x\n    pass\n", Syn, "expected ':'", 1, 5, 6),
    ("def f()\n    pass\n", Syn, "expected ':'", 1, 8, 9),
    ("def f:\n    pass\n", Syn, "expected '('", 1, 6, 7),
    (
        "f() = 1\n",
        Syn,
        "cannot assign to function call here. Maybe you meant '==' instead of '='?",
        1,
        1,
        4,
    ),
    ("1 = x\n", Syn, "cannot assign to literal here", 1, 1, 2),
    (
        "for f() in x: pass\n",
        Syn,
        "cannot assign to function call",
        1,
        5,
        8,
    ),
    ("del f()\n", Syn, "cannot delete function call", 1, 5, 8),
    (
        "x + 1 += 1\n",
        Syn,
        "'expression' is an illegal expression for augmented assignment",
        1,
        1,
        6,
    ),
    (
        "a, b: int\n",
        Syn,
        "only single target (not tuple) can be annotated",
        1,
        1,
        5,
    ),
    (
        "if x = 1:\n    pass\n",
        Syn,
        "Maybe you meant '==' or ':=' instead of '='?",
        1,
        4,
        9,
    ),
    (
        "x = 012\n",
        Syn,
        "leading zeros in decimal integer literals are not permitted",
        1,
        5,
        7,
    ),
    ("x = 1abc\n", Syn, "invalid decimal literal", 1, 5, 7),
    ("x = 0x\n", Syn, "invalid hexadecimal literal", 1, 5, 7),
    (
        "x = 0b12\n",
        Syn,
        "invalid digit '2' in binary literal",
        1,
        8,
        9,
    ),
    ("x = 1__000\n", Syn, "invalid decimal literal", 1, 5, 8),
    ("x = $\n", Syn, "invalid syntax", 1, 5, 6),
    (
        "x = a € b\n",
        Syn,
        "invalid character '€' (U+20AC)",
        1,
        7,
        8,
    ),
    (
        "x = 1 \\ 2\n",
        Syn,
        "unexpected character after line continuation character",
        1,
        8,
        9,
    ),
    (
        "print 'hello'\n",
        Syn,
        "Missing parentheses in call to 'print'. Did you mean print(...)?",
        1,
        1,
        14,
    ),
    (
        "f(a b)\n",
        Syn,
        "invalid syntax. Perhaps you forgot a comma?",
        1,
        3,
        6,
    ),
    (
        "x = 1 if y\n",
        Syn,
        "expected 'else' after 'if' expression",
        1,
        5,
        11,
    ),
    (
        "f(x=1, y)\n",
        Syn,
        "positional argument follows keyword argument",
        1,
        8,
        9,
    ),
    (
        "f(x for x in y, 1)\n",
        Syn,
        "Generator expression must be parenthesized",
        1,
        3,
        15,
    ),
    (
        "def f(a=1, b): pass\n",
        Syn,
        "non-default argument follows default argument",
        1,
        12,
        13,
    ),
    (
        "def f(*): pass\n",
        Syn,
        "named arguments must follow bare *",
        1,
        7,
        8,
    ),
    (
        "def f(a, a): pass\n",
        Syn,
        "duplicate argument 'a' in function definition",
        1,
        10,
        11,
    ),
    (
        "f(a=1, a=2)\n",
        Syn,
        "keyword argument repeated: a",
        1,
        8,
        9,
    ),
    (
        "*a = [1]\n",
        Syn,
        "starred assignment target must be in a list or tuple",
        1,
        1,
        3,
    ),
    (
        "a, *b, *c = x\n",
        Syn,
        "multiple starred expressions in assignment",
        1,
        8,
        10,
    ),
    (
        "print(*a for a in b)\n",
        Syn,
        "iterable unpacking cannot be used in comprehension",
        1,
        7,
        9,
    ),
    (
        "x = *a\n",
        Syn,
        "can't use starred expression here",
        1,
        5,
        7,
    ),
    (
        "try:\n    pass\nx = 1\n",
        Syn,
        "expected 'except' or 'finally' block",
        3,
        1,
        2,
    ),
    (
        "try: pass\nexcept: pass\nexcept E: pass\n",
        Syn,
        "default 'except:' must be last",
        2,
        1,
        7,
    ),
    (
        "try: pass\nexcept A, B: pass\n",
        Syn,
        "multiple exception types must be parenthesized",
        2,
        8,
        12,
    ),
    (
        "from a import b,\n",
        Syn,
        "trailing comma not allowed without surrounding parentheses",
        1,
        16,
        17,
    ),
    (
        "x = f'{a!x}'\n",
        Syn,
        "f-string: invalid conversion character",
        1,
        10,
        11,
    ),
    (
        "x = f'{}'\n",
        Syn,
        "f-string: empty expression not allowed",
        1,
        8,
        9,
    ),
    (
        "x = f'}'\n",
        Syn,
        "f-string: single '}' is not allowed",
        1,
        7,
        8,
    ),
    ("x = f'{a'\n", Syn, "f-string: expecting '}'", 1, 9, 10),
    (
        "x = f'{a#}'\n",
        Syn,
        "f-string expression part cannot include '#'",
        1,
        9,
        10,
    ),
    (
        "x = f'{a:{b:{c}}}'\n",
        Syn,
        "f-string: expressions nested too deeply",
        1,
        13,
        14,
    ),
    (
        "x = f'{\"\\n\".join(a)}'\n",
        Syn,
        "f-string expression part cannot include a backslash",
        1,
        9,
        10,
    ),
    (
        "x = f'{a b}'\n",
        Syn,
        "invalid syntax. Perhaps you forgot a comma?",
        1,
        8,
        11,
    ),
    (
        "x = f'{*a}'\n",
        Syn,
        "f-string: cannot use starred expression here",
        1,
        8,
        10,
    ),
    ("x = '\\x4'\n", Syn, "truncated \\xXX escape", 1, 5, 10),
    ("x = 1 +\n", Syn, "invalid syntax", 1, 8, 9),
    // Indentation.
    ("  x = 1\n", Ind, "unexpected indent", 1, 3, 4),
    (
        "if x:\n    a = 1\n      b = 2\n",
        Ind,
        "unexpected indent",
        3,
        7,
        8,
    ),
    (
        "if x:\n    a = 1\n  b = 2\n",
        Ind,
        "unindent does not match any outer indentation level",
        3,
        1,
        3,
    ),
    (
        "if x:\npass\n",
        Ind,
        "expected an indented block after 'if' statement on line 1",
        2,
        1,
        5,
    ),
    (
        "for i in x:\n\nx = 1\n",
        Ind,
        "expected an indented block after 'for' statement on line 1",
        3,
        1,
        2,
    ),
    (
        "def f():\n# c\n",
        Ind,
        "expected an indented block after function definition on line 1",
        3,
        1,
        2,
    ),
    (
        "class A:\n",
        Ind,
        "expected an indented block after class definition on line 1",
        2,
        1,
        2,
    ),
    (
        "if 1:\n\tx = 1\n        y = 2\n",
        Ind,
        "inconsistent use of tabs and spaces in indentation",
        3,
        1,
        9,
    ),
];

#[test]
fn refusals_have_kind_message_and_place() {
    let mut failures = Vec::new();
    for &(src, kind, fragment, line, column, end_column) in CASES {
        let e = err(src);
        let got = (e.kind, e.line, e.column, e.end_column);
        if got != (kind, line, column, end_column) || !e.message.contains(fragment) {
            failures.push(format!(
                "{src:?}\n   want {kind:?} {line}:{column}-{end_column} {fragment:?}\n   got  {:?} {}:{}-{} {:?}",
                e.kind, e.line, e.column, e.end_column, e.message
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn columns_count_characters_after_non_ascii_text() {
    // `é`, `ü` and `€` are one column each although they take several bytes.
    let e = err("naïve = 'héllo'; x = yield\n");
    assert_eq!((e.line, e.column, e.end_column), (1, 22, 27));
    let e = err("# ünïcödé comment\nprix = '€' + f'{a!z}'\n");
    assert_eq!((e.line, e.column, e.end_column), (2, 19, 20));
    let e = err("s = \"日本語\" $\n");
    assert_eq!((e.line, e.column), (1, 11));
    let e = err("é = (1,\n     2\n");
    assert_eq!((e.line, e.column), (1, 5));
}

#[test]
fn soft_keywords_stay_names() {
    parse("match = 3\nmatch(x)\nmatch.x = 1\nmatch[0]\ncase = 1\n_ = 2\nprint(match, case)\n")
        .unwrap();
}

#[test]
fn rendering_is_cpython_like() {
    let src = "def deposit(amount):\n    balance = 0\n    yield balance\n";
    let e = err(src);
    assert_eq!(
        e.render(src, "bank.py"),
        "  File \"bank.py\", line 3\n    yield balance\n    ^^^^^\nSyntaxError: `yield` is not supported by racelab: generators are left out of the subset; build and return a list instead"
    );
    assert_eq!(
        e.to_string(),
        "line 3, column 5: `yield` is not supported by racelab: generators are left out of the subset; build and return a list instead"
    );
    let src = "if x:\npass\n";
    assert_eq!(
        err(src).render(src, "a.py"),
        "  File \"a.py\", line 2\n    pass\n    ^^^^\nIndentationError: expected an indented block after 'if' statement on line 1"
    );
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let e = err(&"(".repeat(10_000));
    assert!(e.message.contains("too deeply nested"), "{e}");
    let e = err(&format!("x = {}1{}\n", "(".repeat(101), ")".repeat(101)));
    assert_eq!(e.message, "too deeply nested: racelab allows 100 levels");
    let e = err(&format!("x = {}1\n", "-".repeat(10_000)));
    assert!(e.message.contains("too deeply nested"), "{e}");
    let e = err(&format!("x = {}1\n", "not ".repeat(10_000)));
    assert!(e.message.contains("too deeply nested"), "{e}");
    let e = err(&format!("x = {}1\n", "lambda: ".repeat(10_000)));
    assert!(e.message.contains("too deeply nested"), "{e}");
    let e = err(&format!("x = {}1\n", "2 ** ".repeat(10_000)));
    assert!(e.message.contains("too deeply nested"), "{e}");
    let e = err(&format!("x = {}1\n", "1 if 2 else ".repeat(10_000)));
    assert!(e.message.contains("too deeply nested"), "{e}");
    let mut blocks = String::new();
    for i in 0..150 {
        blocks += &" ".repeat(i);
        blocks += "if x:\n";
    }
    blocks += &" ".repeat(150);
    blocks += "pass\n";
    let e = err(&blocks);
    assert!(e.message.contains("too deeply nested"), "{e}");
    // 100 levels are fine.
    parse(&format!("x = {}1{}\n", "[".repeat(100), "]".repeat(100))).unwrap();
}
