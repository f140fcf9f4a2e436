//! The parser accepts realistic racelab programs, and builds the right tree for the
//! constructs where precedence or CPython's special rules matter.

use racelab_lang::ast::*;
use racelab_lang::parser::parse;

/// The threaded bank lesson, as a learner would write it.
pub const BANK: &str = r#"import threading
from random import randint, choice as pick

class Account:
    """A bank account shared by several threads."""
    rate: float = 0.01

    def __init__(self, name, balance=0):
        self.name = name
        self.balance = balance
        self.lock = threading.Lock()
        self.history = []

    def deposit(self, amount: int) -> None:
        with self.lock:
            self.balance += amount
            self.history.append(("deposit", amount))

    def withdraw(self, amount):
        with self.lock:
            if amount > self.balance:
                raise ValueError(f"insufficient funds in {self.name!r}: {self.balance:,}")
            self.balance -= amount

def transfer(src, dst, amount, *, retries=3, **options):
    for attempt in range(retries):
        try:
            src.withdraw(amount)
        except ValueError as e:
            print(f"attempt {attempt + 1}/{retries} failed: {e}")
            continue
        except (KeyError, TypeError):
            raise
        else:
            dst.deposit(amount)
            return True
        finally:
            pass
    return False

accounts = [Account(f"acct{i}", 1_000) for i in range(4)]
total = sum(a.balance for a in accounts)
threads = []
for i in range(8):
    t = threading.Thread(target=lambda: transfer(pick(accounts), pick(accounts), randint(1, 50)))
    threads.append(t)
    t.start()
for t in threads:
    t.join()

final = sum(a.balance for a in accounts)
assert final == total, f"money was created or lost: {final - total:+}"
print(f"{'total':<10}{total:>8,}")
print(f"{final:>8.2f} {final=} {len(threads) = }")
by_name = {a.name: a.balance for a in accounts if a.balance}
richest = max(accounts, key=lambda a: (a.balance, a.name))
evens = {n for n in range(10) if n % 2 == 0}
"#;

/// Counters, events and semaphores with the other statements of the subset.
pub const WORKERS: &str = r#"import threading as th, time
from collections import (deque,
    defaultdict,)

counter = 0
lock = th.RLock()
done = th.Event()
sem = th.Semaphore(2)

def worker(n, /, step=1, *args, verbose: bool = False, **kw):
    global counter
    local = 0
    def bump():
        nonlocal local
        local += step
    while not done.is_set():
        with sem, lock:
            counter += step; bump()
        if counter >= 100 or local > 50:
            break
        elif counter % 7 == 0 and not verbose:
            continue
        else:
            time.sleep(0.001)
    else:
        pass
    return local, counter

queue = deque()
a, *rest = [1, 2, 3]
(x, y), z = (1, 2), 3
[p, q] = 'pq'
first = last = None
matrix = [[i * j for j in range(3)] for i in range(3) if i if i != 2]
flat = [v for row in matrix for v in row]
pairs = dict(zip('abc', range(3)), **{'d': 4})
merged = {**pairs, 'e': 5}
both = [*rest, *flat]
s = matrix[1:2], matrix[::2], matrix[1][:-1], flat[-1]
del s, pairs['a']
big = 0xFFFF_FFFF + 0o17 + 0b1010 + 1e3 + .5 + 1. + 9223372036854775808
text = 'a' "b" '''c''' """d""" r'\d' f'{1}' 'tab\t\x41\u00e9'
sign = -1 if big < 0 else 1 if big else 0
neg = -2 ** 2, 2 ** -1, ~x, +y, not x == y
ok = 1 < x <= 3 != y is not None and 'a' not in text or x in rest
bits = 1 << 3 >> 1 | 5 & 3 ^ 6 // 4 % 3
match = 3
match(x)
case = _ = 1
print(match, case, _, end='')
if __name__ == '__main__':
    t = th.Thread(target=worker, args=(1,), kwargs={'verbose': True})
    t.start(); t.join()
"#;

fn ok(src: &str) -> Module {
    match parse(src) {
        Ok(m) => m,
        Err(e) => panic!("{}\n{}", e, e.render(src, "test.py")),
    }
}

/// The expression of a one-statement program `src`.
fn expr_of(src: &str) -> Expr {
    let m = ok(src);
    match m.body.into_iter().next().map(|s| s.kind) {
        Some(StmtKind::Expr(e)) => e,
        Some(StmtKind::Assign { value, .. }) => value,
        other => panic!("not an expression statement: {other:?}"),
    }
}

fn name(e: &Expr) -> &str {
    match &e.kind {
        ExprKind::Name(n) => n,
        other => panic!("not a name: {other:?}"),
    }
}

#[test]
fn realistic_programs_parse() {
    let m = ok(BANK);
    assert!(m.body.len() > 10);
    let m = ok(WORKERS);
    assert!(m.body.len() > 20);
    // The same programs with Windows line endings, a BOM, no final newline, trailing
    // whitespace and form feeds.
    let crlf = format!("\u{feff}{}", BANK.replace('\n', " \r\n"));
    assert_eq!(ok(&crlf).body.len(), ok(BANK).body.len());
    ok(WORKERS.trim_end());
    ok("\x0cx = 1\n\x0c\ny = 2");
    ok("");
    ok("# only a comment");
    ok("\n\n   \n# c\n");
}

#[test]
fn spans_are_exact() {
    let m = ok("if x:\n    total = é + 'ü'\n");
    let StmtKind::If { body, .. } = &m.body[0].kind else {
        panic!()
    };
    assert_eq!(m.body[0].span, Span::new(1, 1, 2, 20));
    let StmtKind::Assign { targets, value } = &body[0].kind else {
        panic!()
    };
    assert_eq!(targets[0].span, Span::new(2, 5, 2, 10));
    assert_eq!(value.span, Span::new(2, 13, 2, 20));
    let ExprKind::BinOp { right, .. } = &value.kind else {
        panic!()
    };
    assert_eq!(right.span, Span::new(2, 17, 2, 20));
}

#[test]
fn power_binds_tighter_than_unary_minus() {
    let e = expr_of("-2**2");
    let ExprKind::UnaryOp {
        op: UnaryOp::Neg,
        operand,
    } = e.kind
    else {
        panic!("{e:?}")
    };
    assert!(matches!(
        operand.kind,
        ExprKind::BinOp { op: BinOp::Pow, .. }
    ));
    let e = expr_of("2**-1");
    let ExprKind::BinOp {
        op: BinOp::Pow,
        right,
        ..
    } = e.kind
    else {
        panic!()
    };
    assert!(matches!(
        right.kind,
        ExprKind::UnaryOp {
            op: UnaryOp::Neg,
            ..
        }
    ));
    // Right-associative.
    let e = expr_of("2**3**2");
    let ExprKind::BinOp { left, right, .. } = e.kind else {
        panic!()
    };
    assert_eq!(left.kind, ExprKind::Int(2));
    assert!(matches!(right.kind, ExprKind::BinOp { op: BinOp::Pow, .. }));
}

#[test]
fn comparisons_chain_and_not_is_looser() {
    let e = expr_of("a < b < c");
    let ExprKind::Compare { left, ops } = e.kind else {
        panic!()
    };
    assert_eq!(name(&left), "a");
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0].0, CmpOp::Lt);
    assert_eq!(name(&ops[1].1), "c");
    let e = expr_of("not a == b");
    let ExprKind::UnaryOp {
        op: UnaryOp::Not,
        operand,
    } = e.kind
    else {
        panic!()
    };
    assert!(matches!(operand.kind, ExprKind::Compare { .. }));
    let e = expr_of("a not in b is not c");
    let ExprKind::Compare { ops, .. } = e.kind else {
        panic!()
    };
    assert_eq!(ops[0].0, CmpOp::NotIn);
    assert_eq!(ops[1].0, CmpOp::IsNot);
    let e = expr_of("a or b and not c or d");
    let ExprKind::BoolOp {
        op: BoolOp::Or,
        values,
    } = e.kind
    else {
        panic!()
    };
    assert_eq!(values.len(), 3);
    assert!(matches!(
        values[1].kind,
        ExprKind::BoolOp {
            op: BoolOp::And,
            ..
        }
    ));
    let e = expr_of("a + b * c - d");
    let ExprKind::BinOp {
        left,
        op: BinOp::Sub,
        ..
    } = e.kind
    else {
        panic!()
    };
    assert!(matches!(left.kind, ExprKind::BinOp { op: BinOp::Add, .. }));
}

#[test]
fn conditional_expressions_and_lambdas() {
    let e = expr_of("x if c else y if d else z");
    let ExprKind::IfExp { body, orelse, .. } = e.kind else {
        panic!()
    };
    assert_eq!(name(&body), "x");
    assert!(matches!(orelse.kind, ExprKind::IfExp { .. }));
    let e = expr_of("lambda: a or b");
    let ExprKind::Lambda { params, body } = e.kind else {
        panic!()
    };
    assert_eq!(*params, Params::default());
    assert!(matches!(body.kind, ExprKind::BoolOp { op: BoolOp::Or, .. }));
    let e = expr_of("lambda a, b=1, *c, d, e=2, **f: a");
    let ExprKind::Lambda { params, .. } = e.kind else {
        panic!()
    };
    assert_eq!(params.args.len(), 2);
    assert_eq!(params.vararg.as_ref().map(|p| p.name.as_str()), Some("c"));
    assert_eq!(params.kwonly.len(), 2);
    assert!(params.kwonly[1].default.is_some());
    assert_eq!(params.kwarg.as_ref().map(|p| p.name.as_str()), Some("f"));
}

#[test]
fn slices_and_subscripts() {
    let e = expr_of("a[1:2, ::3, :]");
    let ExprKind::Subscript { index, .. } = e.kind else {
        panic!()
    };
    let ExprKind::Tuple(items) = index.kind else {
        panic!()
    };
    assert_eq!(items.len(), 3);
    let ExprKind::Slice { lower, upper, step } = &items[1].kind else {
        panic!()
    };
    assert!(lower.is_none() && upper.is_none());
    assert_eq!(
        step.as_ref().map(|s| s.kind.clone()),
        Some(ExprKind::Int(3))
    );
    let e = expr_of("d[1, 2]");
    let ExprKind::Subscript { index, .. } = e.kind else {
        panic!()
    };
    assert!(matches!(index.kind, ExprKind::Tuple(ref v) if v.len() == 2));
    let e = expr_of("a[-1]");
    let ExprKind::Subscript { index, .. } = e.kind else {
        panic!()
    };
    assert!(matches!(index.kind, ExprKind::UnaryOp { .. }));
}

#[test]
fn targets() {
    let m = ok("a, *rest = x\nfor i, (k, v) in items: pass\nobj.attr[0] = b = 1\n");
    let StmtKind::Assign { targets, .. } = &m.body[0].kind else {
        panic!()
    };
    let TargetKind::Tuple(items) = &targets[0].kind else {
        panic!()
    };
    assert_eq!(items[0].kind, TargetKind::Name("a".into()));
    assert!(
        matches!(&items[1].kind, TargetKind::Starred(t) if t.kind == TargetKind::Name("rest".into()))
    );
    let StmtKind::For { target, .. } = &m.body[1].kind else {
        panic!()
    };
    let TargetKind::Tuple(items) = &target.kind else {
        panic!()
    };
    assert!(matches!(&items[1].kind, TargetKind::Tuple(v) if v.len() == 2));
    let StmtKind::Assign { targets, .. } = &m.body[2].kind else {
        panic!()
    };
    assert_eq!(targets.len(), 2);
    assert!(matches!(targets[0].kind, TargetKind::Subscript { .. }));
    let m = ok("x += 1\nself.n //= 2\nd['k'] **= 3\nx: int\ny: list[int] = []\n");
    assert!(matches!(
        m.body[1].kind,
        StmtKind::AugAssign {
            op: BinOp::FloorDiv,
            ..
        }
    ));
    assert!(matches!(
        m.body[3].kind,
        StmtKind::AnnAssign { value: None, .. }
    ));
}

#[test]
fn fstrings() {
    let e = expr_of("f'{x:{width}.{prec}f}'");
    let ExprKind::FString(parts) = e.kind else {
        panic!()
    };
    let [FPart::Field {
        expr,
        conversion: None,
        spec: Some(spec),
    }] = &parts[..]
    else {
        panic!("{parts:?}")
    };
    assert_eq!(name(expr), "x");
    assert_eq!(spec.len(), 4);
    assert!(matches!(&spec[0], FPart::Field { expr, .. } if name(expr) == "width"));
    assert_eq!(spec[1], FPart::Literal(".".into()));
    assert_eq!(spec[3], FPart::Literal("f".into()));
    // `{x=}`: the source text becomes literal text, and the conversion defaults to !r.
    let e = expr_of("f'a{x=}'");
    let ExprKind::FString(parts) = e.kind else {
        panic!()
    };
    assert_eq!(parts[0], FPart::Literal("ax=".into()));
    assert!(matches!(
        &parts[1],
        FPart::Field {
            conversion: Some('r'),
            spec: None,
            ..
        }
    ));
    let e = expr_of("f'{x = }'");
    let ExprKind::FString(parts) = e.kind else {
        panic!()
    };
    assert_eq!(parts[0], FPart::Literal("x = ".into()));
    let e = expr_of("f'{x=:>10}'");
    let ExprKind::FString(parts) = e.kind else {
        panic!()
    };
    assert!(
        matches!(&parts[1], FPart::Field { conversion: None, spec: Some(s), .. } if s == &vec![FPart::Literal(">10".into())])
    );
    let e = expr_of("f'{total:,} {{ok}} {v!s:>8.2f}' 'tail\\n'");
    let ExprKind::FString(parts) = e.kind else {
        panic!()
    };
    assert_eq!(parts[1], FPart::Literal(" {ok} ".into()));
    assert!(matches!(
        &parts[2],
        FPart::Field {
            conversion: Some('s'),
            ..
        }
    ));
    assert_eq!(parts[3], FPart::Literal("tail\n".into()));
    // The field's expression has its real position.
    let e = expr_of("x = 'é' + f'ü{ab + 1}'");
    let ExprKind::BinOp { right, .. } = e.kind else {
        panic!()
    };
    let ExprKind::FString(parts) = right.kind else {
        panic!()
    };
    let FPart::Field { expr, .. } = &parts[1] else {
        panic!()
    };
    assert_eq!(expr.span, Span::new(1, 15, 1, 21));
}

#[test]
fn literals() {
    assert_eq!(expr_of("1_000_000").kind, ExprKind::Int(1_000_000));
    assert_eq!(
        expr_of("99999999999999999999").kind,
        ExprKind::BigInt("99999999999999999999".into())
    );
    assert_eq!(
        expr_of("-9223372036854775808").kind,
        ExprKind::UnaryOp {
            op: UnaryOp::Neg,
            operand: Box::new(Expr {
                kind: ExprKind::BigInt("9223372036854775808".into()),
                span: Span::new(1, 2, 1, 21)
            })
        }
    );
    assert_eq!(expr_of("1.5E-3").kind, ExprKind::Float(1.5e-3));
    assert_eq!(expr_of("'a' \"b\"").kind, ExprKind::Str("ab".into()));
    assert_eq!(
        expr_of(r"'\101\x41\u0041\U00000041\q'").kind,
        ExprKind::Str("AAAA\\q".into())
    );
    assert_eq!(expr_of("'''a\\\nb'''").kind, ExprKind::Str("ab".into()));
    assert_eq!(expr_of(r"r'\n'").kind, ExprKind::Str("\\n".into()));
    assert_eq!(expr_of("...").kind, ExprKind::Ellipsis);
    assert_eq!(expr_of("()").kind, ExprKind::Tuple(vec![]));
    assert!(matches!(expr_of("{}").kind, ExprKind::Dict(ref v) if v.is_empty()));
    assert!(matches!(expr_of("{1}").kind, ExprKind::Set(_)));
    assert!(matches!(expr_of("(1,)").kind, ExprKind::Tuple(ref v) if v.len() == 1));
    assert!(
        matches!(expr_of("{**a, 'b': 1}").kind, ExprKind::Dict(ref v) if matches!(v[0], DictItem::Spread(_)))
    );
}

#[test]
fn calls_keep_argument_order_and_kind() {
    let e = expr_of("f(a, *b, c=1, *d, **e)");
    let ExprKind::Call { args, .. } = e.kind else {
        panic!()
    };
    assert!(matches!(args[0], Arg::Positional(_)));
    assert!(matches!(args[1], Arg::Starred(_)));
    assert!(matches!(&args[2], Arg::Keyword { name, .. } if name == "c"));
    assert!(matches!(args[3], Arg::Starred(_)));
    assert!(matches!(args[4], Arg::DoubleStarred(_)));
    let e = expr_of("sum(x for x in y if x)");
    let ExprKind::Call { args, .. } = e.kind else {
        panic!()
    };
    assert!(
        matches!(&args[0], Arg::Positional(g) if matches!(g.kind, ExprKind::GeneratorExp { .. }))
    );
}

#[test]
fn comprehension_clauses() {
    let e = expr_of("[x for x in a if x if y for z in b]");
    let ExprKind::ListComp { generators, .. } = e.kind else {
        panic!()
    };
    assert_eq!(generators.len(), 2);
    assert_eq!(generators[0].ifs.len(), 2);
    let e = expr_of("{k: v for k, v in d.items()}");
    assert!(matches!(e.kind, ExprKind::DictComp { .. }));
    let e = expr_of("(x for x in y)");
    assert!(matches!(e.kind, ExprKind::GeneratorExp { .. }));
}

#[test]
fn statements() {
    let m = ok("try:\n    pass\nexcept:\n    pass\n");
    let StmtKind::Try { handlers, .. } = &m.body[0].kind else {
        panic!()
    };
    assert!(handlers[0].typ.is_none());
    let m = ok("with (open(a) as f, b as g,):\n    pass\nwith (a, b) as c: pass\n");
    let StmtKind::With { items, .. } = &m.body[0].kind else {
        panic!()
    };
    assert_eq!(items.len(), 2);
    let StmtKind::With { items, .. } = &m.body[1].kind else {
        panic!()
    };
    assert_eq!(items.len(), 1);
    assert!(matches!(items[0].context.kind, ExprKind::Tuple(_)));
    let m = ok("import a.b as c, d\nfrom e.f import (g, h as i,)\n");
    assert_eq!(
        m.body[0].kind,
        StmtKind::Import(vec![
            Alias {
                name: "a.b".into(),
                asname: Some("c".into()),
                span: Span::new(1, 8, 1, 16)
            },
            Alias {
                name: "d".into(),
                asname: None,
                span: Span::new(1, 18, 1, 19)
            }
        ])
    );
    let StmtKind::ImportFrom { module, names } = &m.body[1].kind else {
        panic!()
    };
    assert_eq!(module, "e.f");
    assert_eq!(names[1].asname.as_deref(), Some("i"));
    let m = ok("if a: pass\nelif b: pass\nelse: x = 1\n");
    let StmtKind::If { orelse, .. } = &m.body[0].kind else {
        panic!()
    };
    assert!(matches!(&orelse[0].kind, StmtKind::If { orelse, .. } if orelse.len() == 1));
    let m = ok("def f(a, /, b, *, c) -> int: return a, b\nclass C(A, B): pass\n");
    let StmtKind::FunctionDef(f) = &m.body[0].kind else {
        panic!()
    };
    assert_eq!(f.params.posonly.len(), 1);
    assert_eq!(f.params.kwonly.len(), 1);
    let StmtKind::ClassDef(c) = &m.body[1].kind else {
        panic!()
    };
    assert_eq!(c.bases.len(), 2);
    ok("raise\nraise E\nraise E('x') from None\nassert x, 'msg'\nglobal a, b\ndel a, b[0]\n");
}

#[test]
fn hundred_nested_levels_parse_on_a_2_mib_stack() {
    // Debug frames are large: make sure the worst shapes fit the stack a web worker or a
    // test thread gets, at the deepest level racelab accepts.
    let shapes = [
        format!("x = {}1{}\n", "(".repeat(100), ")".repeat(100)),
        format!("x = {}1{}\n", "f(a=".repeat(100), ")".repeat(100)),
        format!("x = {}1{}\n", "{1: 2, 3: ".repeat(100), "}".repeat(100)),
        format!("x = {}1{}\n", "a[1:".repeat(100), "]".repeat(100)),
        format!("x = {}1{}\n", "1 + (".repeat(100), ")".repeat(100)),
        format!("x = {}1{}\n", "lambda a=(".repeat(50), "): 1".repeat(50)),
        format!("x = {}1{}\n", "-(".repeat(50), ")".repeat(50)),
        format!("x = {}1\n", "not ".repeat(100)),
        format!("x = {}1\n", "1 if 2 else ".repeat(100)),
        {
            let mut s = String::new();
            for i in 0..50 {
                s += &" ".repeat(i);
                s += "def f(a=1, *b, **c) -> int:\n";
            }
            s += &" ".repeat(50);
            s += &format!("x = {}1{}\n", "[1, ".repeat(50), "]".repeat(50));
            s
        },
    ];
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            for src in &shapes {
                if let Err(e) = parse(src) {
                    panic!("{e}\n{}", &src[..src.len().min(200)]);
                }
            }
        })
        .unwrap()
        .join()
        .unwrap();
}
