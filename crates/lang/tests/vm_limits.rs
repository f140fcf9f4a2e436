//! The VM's limits: heap budget, recursion limit, step budget, and small thread stacks.

use racelab_lang::compiler::compile;
use racelab_lang::vm::{RunOptions, RunResult};

fn run_with(src: &str, opts: RunOptions) -> RunResult {
    let p = compile(src, "prog.py")
        .unwrap_or_else(|e| panic!("compile error: {}", e.render(src, "prog.py")));
    p.run(&opts)
}

/// Runs on a thread with a 1 MiB stack, like a wasm worker.
fn run_small_stack(src: &str, opts: RunOptions) -> RunResult {
    let src = src.to_string();
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || run_with(&src, opts))
        .expect("thread")
        .join()
        .expect("no panic")
}

fn last_line(r: &RunResult) -> String {
    r.exception
        .as_ref()
        .map(|e| e.traceback.lines().last().unwrap_or("").to_string())
        .unwrap_or_default()
}

#[test]
fn building_and_dropping_lists_stays_in_a_small_budget() {
    let src = "
total = 0
for i in range(1000):
    xs = [j for j in range(10000)]
    total += len(xs)
print(total)
";
    let r = run_with(
        src,
        RunOptions {
            heap_budget: 4 << 20,
            ..RunOptions::default()
        },
    );
    assert!(r.exception.is_none(), "{:?}", r.exception);
    assert_eq!(r.stdout(), "10000000\n");
}

#[test]
fn huge_list_is_a_memory_error() {
    let r = run_with(
        "xs = [0] * 10**9\nprint(len(xs))\n",
        RunOptions {
            heap_budget: 64 << 20,
            ..RunOptions::default()
        },
    );
    assert_eq!(last_line(&r), "MemoryError");
}

#[test]
fn list_doubling_forever_is_a_memory_error() {
    let src = "
xs = [1]
while True:
    xs = xs + xs
";
    let r = run_with(
        src,
        RunOptions {
            heap_budget: 32 << 20,
            ..RunOptions::default()
        },
    );
    assert_eq!(last_line(&r), "MemoryError");
    let src = "
s = 'ab'
while True:
    s += s
";
    let r = run_with(
        src,
        RunOptions {
            heap_budget: 32 << 20,
            ..RunOptions::default()
        },
    );
    assert_eq!(last_line(&r), "MemoryError");
    let src = "
xs = []
while True:
    xs.append([0] * 100)
";
    let r = run_with(
        src,
        RunOptions {
            heap_budget: 32 << 20,
            ..RunOptions::default()
        },
    );
    assert_eq!(last_line(&r), "MemoryError");
}

#[test]
fn memory_error_can_be_caught() {
    let src = "
try:
    xs = [0] * 10**9
except MemoryError:
    print('caught')
xs = [1, 2, 3]
print(sum(xs))
";
    let r = run_with(
        src,
        RunOptions {
            heap_budget: 16 << 20,
            ..RunOptions::default()
        },
    );
    assert_eq!(r.stdout(), "caught\n6\n");
}

#[test]
fn infinite_recursion_is_a_recursion_error_on_a_small_stack() {
    let r = run_small_stack(
        "def f(n):\n    return f(n + 1)\nf(0)\n",
        RunOptions::default(),
    );
    assert_eq!(
        last_line(&r),
        "RecursionError: maximum recursion depth exceeded"
    );
    let tb = &r.exception.as_ref().expect("exception").traceback;
    assert!(
        tb.contains("[Previous line repeated 996 more times]"),
        "{tb}"
    );
}

#[test]
fn recursion_through_native_callbacks_is_bounded() {
    let src = "
class Node:
    def __init__(self, child):
        self.child = child
    def __repr__(self):
        return 'Node(' + repr(self.child) + ')'
n = None
for i in range(5000):
    n = Node(n)
print(repr(n))
";
    let r = run_small_stack(src, RunOptions::default());
    assert!(
        last_line(&r).starts_with("RecursionError"),
        "{}",
        last_line(&r)
    );
    let src = "
def key(x):
    return sorted([x], key=key)
key(1)
";
    let r = run_small_stack(src, RunOptions::default());
    assert!(
        last_line(&r).starts_with("RecursionError"),
        "{}",
        last_line(&r)
    );
}

#[test]
fn deeply_nested_values_drop_without_overflow() {
    let src = "
x = []
for i in range(200000):
    x = [x]
d = {}
for i in range(100000):
    d = {'d': d}
t = ()
for i in range(100000):
    t = (t,)
class Node:
    pass
head = None
for i in range(100000):
    n = Node()
    n.next = head
    head = n
x = d = t = head = n = None
print('done')
";
    let r = run_small_stack(src, RunOptions::default());
    assert!(r.exception.is_none(), "{:?}", r.exception);
    assert_eq!(r.stdout(), "done\n");
}

#[test]
fn deep_structures_repr_and_compare_are_bounded() {
    let src = "
x = []
for i in range(100000):
    x = [x]
y = []
for i in range(100000):
    y = [y]
try:
    print(x == y)
except RecursionError:
    print('eq: RecursionError')
try:
    print(len(repr(x)))
except RecursionError:
    print('repr: RecursionError')
";
    let r = run_small_stack(src, RunOptions::default());
    assert!(r.exception.is_none(), "{:?}", r.exception);
    assert_eq!(r.stdout(), "eq: RecursionError\nrepr: RecursionError\n");
}

#[test]
fn step_budget_stops_an_endless_loop() {
    let r = run_with(
        "while True:\n    pass\n",
        RunOptions {
            max_steps: Some(100_000),
            ..RunOptions::default()
        },
    );
    assert_eq!(
        r.stopped.as_deref(),
        Some("the program ran for more than its step budget of 100000 instructions")
    );
    assert!(!r.cancelled);
    assert!(r.exception.is_none());
    // finally blocks do not run after the budget is spent, and it cannot be caught
    let src = "
try:
    while True:
        pass
except BaseException:
    print('caught')
finally:
    print('finally')
";
    let r = run_with(
        src,
        RunOptions {
            max_steps: Some(10_000),
            ..RunOptions::default()
        },
    );
    assert!(r.stopped.is_some());
    assert_eq!(r.stdout(), "");
}

#[test]
fn runtime_errors_name_their_lines() {
    let src = "x = 1\n\ndef f():\n    return [1][3]\n\nf()\n";
    let r = run_with(src, RunOptions::default());
    let e = r.exception.expect("exception");
    assert_eq!(e.type_name, "IndexError");
    assert_eq!(e.message, "list index out of range");
    assert_eq!(e.line, 4);
    assert_eq!(
        e.traceback,
        "Traceback (most recent call last):\n  File \"prog.py\", line 6, in <module>\n    f()\n  File \"prog.py\", line 4, in f\n    return [1][3]\nIndexError: list index out of range\n"
    );
}

#[test]
fn check_records_violations_and_goes_on() {
    let src = "from racelab import check\nb = 5\ncheck(b >= 0, 'non-negative')\nb = -1\ncheck(b >= 0, 'non-negative')\nprint('after')\n";
    let r = run_with(src, RunOptions::default());
    assert_eq!(r.stdout(), "after\n");
    assert_eq!(r.checks.len(), 1);
    assert_eq!(r.checks[0].name, "non-negative");
    assert_eq!(r.checks[0].line, 5);
}

#[test]
fn output_records_each_print() {
    let r = run_with(
        "print('a', 1, sep='-', end='')\nprint('b')\n",
        RunOptions::default(),
    );
    assert_eq!(r.output.len(), 2);
    assert_eq!(r.output[0].text, "a-1");
    assert_eq!(r.output[0].end, "");
    assert_eq!(r.stdout(), "a-1b\n");
}

#[test]
fn random_is_seeded() {
    let src = "import random\nprint([random.randint(1, 100) for _ in range(5)], random.random())\n";
    let a = run_with(
        src,
        RunOptions {
            seed: 7,
            ..RunOptions::default()
        },
    );
    let b = run_with(
        src,
        RunOptions {
            seed: 7,
            ..RunOptions::default()
        },
    );
    let c = run_with(
        src,
        RunOptions {
            seed: 8,
            ..RunOptions::default()
        },
    );
    assert_eq!(a.stdout(), b.stdout());
    assert_ne!(a.stdout(), c.stdout());
}

#[test]
fn the_cancel_hook_stops_a_loop_and_a_long_sleep_promptly() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    for source in [
        "n = 0\nwhile True:\n    n += 1\n",
        "import time\ntime.sleep(30)\n",
    ] {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let asker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            flag.store(true, Ordering::Relaxed);
            Instant::now()
        });
        let hook = stop.clone();
        let r = run_with(
            source,
            RunOptions {
                cancel: Some(racelab_lang::run::cancel_hook(move || {
                    hook.load(Ordering::Relaxed)
                })),
                ..RunOptions::default()
            },
        );
        let asked = asker.join().expect("the asking thread");
        assert!(r.cancelled, "{source}");
        assert_eq!(r.stopped.as_deref(), Some("stopped on request"));
        assert!(r.exception.is_none());
        // A learner would notice half a second; the loop looks every 65,536 instructions
        // and the sleep every 20 ms.
        assert!(asked.elapsed() < Duration::from_millis(500), "{source}");
    }
}

#[test]
fn sum_past_64_bits_is_an_overflow_error_on_every_path() {
    // `sum` of an int list adds under the list's lock; past 64 bits it must still raise
    // as the general path does, from a list, a tuple and a generator alike.
    for xs in [
        "[2**62, 2**62]",
        "(2**62, 2**62)",
        "(x for x in [2**62, 2**62])",
    ] {
        let r = run_with(&format!("print(sum({xs}))\n"), RunOptions::default());
        let e = r
            .exception
            .unwrap_or_else(|| panic!("sum({xs}) raised nothing"));
        assert_eq!(e.type_name, "OverflowError", "sum({xs})");
    }
}

#[test]
fn sample_of_a_small_list_draws_as_sample_of_any_population() {
    // A list or tuple of up to 64 items is sampled over its indices, without copying it;
    // a seed must still pick what the general path (a range here) picks.
    let src = "
import random
for seed in range(50):
    for n, k in ((6, 2), (10, 10), (64, 5), (1, 1), (5, 0)):
        random.seed(seed)
        fast = random.sample(list(range(n)), k), random.sample(tuple(range(n)), k)
        random.seed(seed)
        general = random.sample(range(n), k), random.sample(range(n), k)
        assert fast == general, (seed, n, k, fast, general)
print('same')
";
    let r = run_with(src, RunOptions::default());
    assert!(
        r.exception.is_none(),
        "{:?}",
        r.exception.map(|e| e.traceback)
    );
    assert_eq!(r.stdout(), "same\n");
}
