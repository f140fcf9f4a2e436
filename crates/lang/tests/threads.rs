//! Programs with threads, on real OS threads: every wait that would hang CPython ends as
//! an explained deadlock instead, and the threading API behaves as Python's. (The lessons'
//! rates, an unlocked counter losing updates and a locked one not, are in
//! `lesson_programs.rs`.)

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use racelab_lang::compiler::compile;
use racelab_lang::run::cancel_hook;
use racelab_lang::vm::{RunOptions, RunResult};

fn run_with(src: &str, options: RunOptions) -> RunResult {
    let program =
        compile(src, "prog.py").unwrap_or_else(|e| panic!("{}", e.render(src, "prog.py")));
    program.run(&options)
}

/// Runs `src` and asks it to stop (through the cancel hook) after `after`; returns the
/// result and when it was asked.
fn run_stopped_after(src: &str, after: Duration) -> (RunResult, Instant) {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(after);
        flag.store(true, Ordering::Relaxed);
        Instant::now()
    });
    let r = run_with(
        src,
        RunOptions {
            cancel: Some(cancel_hook(move || stop.load(Ordering::Relaxed))),
            ..RunOptions::default()
        },
    );
    (r, stopper.join().unwrap())
}

fn run(src: &str) -> RunResult {
    run_with(src, RunOptions::default())
}

#[test]
fn two_threads_taking_two_locks_in_opposite_orders_deadlock_with_their_lines() {
    let src = "\
import threading, time
a = threading.Lock()
b = threading.Lock()
def one():
    with a:
        time.sleep(0.05)
        with b:
            print('one')
def two():
    with b:
        time.sleep(0.05)
        with a:
            print('two')
t1 = threading.Thread(target=one)
t2 = threading.Thread(target=two)
t1.start()
t2.start()
t1.join()
t2.join()
print('done')
";
    let started = Instant::now();
    let r = run(src);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    let d = r.deadlock.as_ref().expect("a deadlock");
    let mut cycle = d.cycle.clone();
    cycle.sort_by_key(|e| e.thread);
    assert_eq!(cycle.len(), 2, "{cycle:?}");
    assert_eq!(
        (cycle[0].thread, cycle[0].waits_for.as_str(), cycle[0].line),
        (1, "b", Some(7))
    );
    assert_eq!(cycle[0].holds, ["a"]);
    assert_eq!(
        (cycle[1].thread, cycle[1].waits_for.as_str(), cycle[1].line),
        (2, "a", Some(12))
    );
    assert_eq!(cycle[1].holds, ["b"]);
    assert_eq!(
        r.stdout(),
        "",
        "nobody got both locks, and the main thread never went on"
    );
    assert!(!r.cancelled);
}

#[test]
fn a_plain_lock_taken_again_by_its_holder_is_a_deadlock_at_that_line() {
    let src = "\
import threading
lock = threading.Lock()
def f():
    lock.acquire()
    lock.acquire()
t = threading.Thread(target=f, name='worker')
t.start()
t.join()
";
    let d = run(src).deadlock.expect("a deadlock");
    assert_eq!(d.cycle.len(), 1);
    assert_eq!(d.cycle[0].thread, 1);
    assert_eq!(d.cycle[0].waits_for, "lock");
    assert_eq!(d.cycle[0].line, Some(5));
}

#[test]
fn an_rlock_may_be_taken_again_by_its_holder() {
    let src = "\
import threading
class Account:
    def __init__(self):
        self.lock = threading.RLock()
        self.balance = 0
    def deposit(self, n):
        with self.lock:
            self.balance += n
    def deposit_twice(self, n):
        with self.lock:
            self.deposit(n)
            self.deposit(n)
acc = Account()
ts = [threading.Thread(target=acc.deposit_twice, args=(1,)) for _ in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(acc.balance, acc.lock.acquire(blocking=False))
acc.lock.release()
";
    let r = run(src);
    assert!(
        r.deadlock.is_none() && r.exception.is_none(),
        "{}",
        r.stderr()
    );
    assert_eq!(r.stdout(), "6 True\n");
}

#[test]
fn joining_a_thread_that_waits_for_the_joiners_lock_is_a_deadlock() {
    let src = "\
import threading
lock = threading.Lock()
def worker():
    with lock:
        pass
lock.acquire()
t = threading.Thread(target=worker)
t.start()
t.join()
";
    let d = run(src).deadlock.expect("a deadlock");
    let mut cycle = d.cycle.clone();
    cycle.sort_by_key(|e| e.thread);
    assert_eq!(cycle[0].waits_for, "Thread-1 (worker) to finish");
    assert_eq!(cycle[0].line, Some(9));
    assert_eq!(cycle[0].holds, ["lock"]);
    assert_eq!(cycle[1].waits_for, "lock");
    assert_eq!(cycle[1].line, Some(4));
}

#[test]
fn an_exception_in_a_thread_is_reported_with_its_thread_and_the_main_thread_goes_on() {
    let src = "\
import threading
def boom(x):
    return 1 / x
t = threading.Thread(target=boom, args=(0,))
t.start()
t.join()
print('main goes on', t.is_alive())
";
    let r = run(src);
    assert_eq!(r.stdout(), "main goes on False\n");
    assert!(r.exception.is_none());
    let e = &r.thread_exceptions[0];
    assert_eq!(
        (e.thread, e.type_name.as_str(), e.line),
        (1, "ZeroDivisionError", 3)
    );
    assert!(
        r.stderr().starts_with(
            "Exception in thread Thread-1 (boom):\nTraceback (most recent call last):\n"
        ),
        "{}",
        r.stderr()
    );
    assert!(r
        .stderr()
        .ends_with("ZeroDivisionError: division by zero\n"));
}

#[test]
fn each_print_carries_its_thread_and_names_follow_python() {
    let src = "\
import threading
def hello(greeting, name=''):
    print(greeting, name, threading.current_thread().name)
t = threading.Thread(target=hello, args=('hi',), kwargs={'name': 'x'})
u = threading.Thread(target=hello, args=('yo',), name='custom')
print(t.name, u.name, t.is_alive())
t.start()
t.join()
u.start()
u.join()
print(threading.current_thread().name, threading.main_thread().name)
";
    let r = run(src);
    let lines: Vec<(usize, &str)> = r
        .output
        .iter()
        .map(|l| (l.thread, l.text.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (0, "Thread-1 (hello) custom False"),
            (1, "hi x Thread-1 (hello)"),
            (2, "yo  custom"),
            (0, "MainThread MainThread"),
        ]
    );
}

#[test]
fn starting_a_sixty_fifth_thread_raises_at_its_line() {
    let src = "\
import threading
ev = []
def wait():
    while not ev:
        pass
ts = []
try:
    for i in range(70):
        t = threading.Thread(target=wait)
        ts.append(t)
        t.start()
finally:
    ev.append(1)
";
    let r = run(src);
    let e = r.exception.expect("raises");
    assert_eq!((e.type_name.as_str(), e.line), ("RuntimeError", 11));
    assert!(e.message.contains("at most 64 threads"), "{}", e.message);
    assert_eq!(r.threads, 64);
    assert_eq!(r.stopped, None);
}

#[test]
fn timed_and_non_blocking_acquires_give_up() {
    let src = "\
import threading, time
lock = threading.Lock()
lock.acquire()
results = []
def try_it():
    results.append(lock.acquire(blocking=False))
    t0 = time.monotonic()
    results.append(lock.acquire(timeout=0.05))
    results.append(time.monotonic() - t0 >= 0.04)
t = threading.Thread(target=try_it)
t.start()
t.join(timeout=5)
print(results, t.is_alive(), lock.locked())
lock.release()
print(lock.locked())
try:
    lock.release()
except RuntimeError as e:
    print(e)
";
    let r = run(src);
    assert_eq!(
        r.stdout(),
        "[False, False, True] False True\nFalse\nrelease unlocked lock\n"
    );
}

#[test]
fn stop_ends_spinning_threads_promptly() {
    let src = "\
import threading
def spin():
    while True:
        pass
for _ in range(3):
    threading.Thread(target=spin).start()
spin()
";
    let (r, asked) = run_stopped_after(src, Duration::from_millis(200));
    assert!(
        asked.elapsed() < Duration::from_millis(500),
        "took {:?}",
        asked.elapsed()
    );
    assert!(r.cancelled);
    assert_eq!(r.threads, 4);
}

#[test]
fn stop_while_others_wait_for_the_stopped_thread_is_a_stop_not_a_deadlock() {
    // The sleeper sees Stop first and ends; the others wait at a barrier it will never
    // reach. That is a run being stopped, not threads stuck for good.
    let src = "\
import threading
import time
barrier = threading.Barrier(3)
def sleeper():
    time.sleep(5)
    barrier.wait()
threading.Thread(target=sleeper).start()
threading.Thread(target=barrier.wait).start()
barrier.wait()
";
    for _ in 0..10 {
        let (r, _) = run_stopped_after(src, Duration::from_millis(100));
        assert!(r.deadlock.is_none(), "{:?}", r.deadlock);
        assert!(r.cancelled);
    }
}

#[test]
fn time_monotonic_is_one_clock_for_every_thread() {
    // Read in order (start, then the thread, then after the join), the three readings are
    // in order: each thread of a run reads the same clock, as in CPython.
    let src = "\
import threading
import time
times = []
def read():
    times.append(time.monotonic())
for _ in range(20):
    times.append(time.monotonic())
    t = threading.Thread(target=read)
    t.start()
    t.join()
    times.append(time.monotonic())
print(times == sorted(times))
";
    let r = run(src);
    assert_eq!(r.stdout(), "True\n");
}

#[test]
fn daemon_threads_are_stopped_when_the_module_ends() {
    let src = "\
import threading
lock = threading.Lock()
lock.acquire()
def forever():
    lock.acquire()
t = threading.Thread(target=forever, daemon=True)
t.start()
print('bye', t.daemon)
";
    let started = Instant::now();
    let r = run(src);
    assert_eq!(r.stdout(), "bye True\n");
    assert!(r.deadlock.is_none() && !r.cancelled && r.stopped.is_none());
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn a_condition_nobody_will_notify_ends_as_a_deadlock_saying_where_each_thread_waits() {
    let src = "\
import threading
customer_available_condition = threading.Condition()
customers = []
def agent():
    with customer_available_condition:
        while not customers:
            customer_available_condition.wait()
        print('serving', customers.pop())
t = threading.Thread(target=agent, name='agent')
t.start()
t.join()
";
    let started = Instant::now();
    let r = run(src);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    let d = r.deadlock.expect("a deadlock");
    assert!(d.cycle.is_empty(), "{d:?}");
    let mut waiting = d.waiting.clone();
    waiting.sort_by_key(|w| w.thread);
    assert_eq!(waiting.len(), 2, "{waiting:?}");
    assert_eq!(
        (waiting[0].line, waiting[0].waits_for.as_str()),
        (Some(11), "agent to finish")
    );
    assert_eq!(waiting[1].line, Some(7));
    assert_eq!(
        waiting[1].why,
        "waits on condition customer_available_condition to be notified"
    );
}

#[test]
fn an_event_nobody_sets_a_queue_nobody_fills_and_a_barrier_short_of_parties_are_deadlocks() {
    for (src, line, why) in [
        (
            "import threading\ndone = threading.Event()\ndone.wait()\n",
            3,
            "waits for event done to be set",
        ),
        (
            "import queue\nq = queue.Queue()\nitem = q.get()\n",
            3,
            "waits to get an item from queue q, which is empty",
        ),
        (
            "import threading\nb = threading.Barrier(2)\nb.wait()\n",
            3,
            "waits at barrier b for 2 parties, and 1 of them are there",
        ),
        (
            "import threading\ns = threading.Semaphore(0)\nwith s:\n    pass\n",
            3,
            "waits for a permit of s, and none is free",
        ),
    ] {
        let r = run(src);
        let d = r.deadlock.unwrap_or_else(|| panic!("{src}: no deadlock"));
        assert_eq!(d.waiting.len(), 1, "{src}");
        assert_eq!(
            (d.waiting[0].line, d.waiting[0].why.as_str()),
            (Some(line), why),
            "{src}"
        );
    }
}

#[test]
fn a_wait_another_thread_will_end_later_is_not_a_deadlock() {
    // The setter sleeps for many of the detector's polls first: only threads that all
    // wait, for things not ready, are stuck.
    let src = "\
import threading, time, queue
ready = threading.Event()
q = queue.Queue()
def later():
    time.sleep(0.3)
    ready.set()
    time.sleep(0.1)
    q.put('item')
t = threading.Thread(target=later)
t.start()
ready.wait()
print(q.get())
t.join()
";
    let r = run(src);
    assert!(r.deadlock.is_none(), "{:?}", r.deadlock);
    assert_eq!(r.stdout(), "item\n");
}

#[test]
fn many_quick_handoffs_are_never_mistaken_for_a_deadlock() {
    // Two threads pass a token back and forth through two queues and a condition: every
    // handoff wakes a waiter that the detector may see still marked as waiting.
    let src = "\
import threading, queue
ping, pong = queue.Queue(), queue.Queue()
cond = threading.Condition()
turn = [0]
def player(me, inbox, outbox):
    for _ in range(300):
        token = inbox.get()
        with cond:
            while turn[0] % 2 != me:
                cond.wait()
            turn[0] += 1
            cond.notify_all()
        outbox.put(token + 1)
a = threading.Thread(target=player, args=(0, ping, pong))
b = threading.Thread(target=player, args=(1, pong, ping))
a.start(); b.start()
ping.put(0)
a.join(); b.join()
print(ping.get(), turn[0])
";
    for _ in 0..10 {
        let r = run(src);
        assert!(r.deadlock.is_none(), "{:?}", r.deadlock);
        assert_eq!(r.stdout(), "600 600\n");
    }
}

/// A thread keeps its own copy of a global bound once and for all (`compiler::stable`):
/// it must still see the global unbound before the main thread binds it, and a global that
/// is bound more than once must be read afresh every time.
#[test]
fn threads_see_globals_bound_after_they_started_and_every_rebinding() {
    let src = "\
import threading
import time
seen = []
def watch():
    while True:
        try:
            LATE
            break
        except NameError:
            time.sleep(0.0001)
    last = None
    while True:
        value = CHANGING
        if value != last:
            seen.append(value)
            last = value
        if value == 3:
            return
        time.sleep(0.0001)
CHANGING = 0
t = threading.Thread(target=watch)
t.start()
time.sleep(0.005)
LATE = 'bound'
for CHANGING in range(1, 4):
    time.sleep(0.005)
t.join()
print(seen[-1], sorted(set(seen)) == seen)
";
    // A thread stuck on a stale copy would loop: its step budget ends it instead.
    let r = run_with(
        src,
        RunOptions {
            max_steps: Some(2_000_000),
            ..RunOptions::default()
        },
    );
    assert!(r.exception.is_none() && r.thread_exceptions.is_empty());
    let out: Vec<&str> = r.output.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(out, ["3 True"]);
}

#[test]
fn a_deadlock_names_each_lock_by_its_path_from_the_globals() {
    // Two accounts' locks, both made as `self.lock`: the report says which account's,
    // as a reader of the program would (`accounts[1].lock`).
    let src = "\
import threading
class Account:
    def __init__(self):
        self.lock = threading.Lock()
accounts = [Account(), Account()]
accounts[0].lock.acquire()
def worker():
    with accounts[1].lock:
        with accounts[0].lock:
            pass
t = threading.Thread(target=worker)
t.start()
while not accounts[1].lock.locked():
    pass
with accounts[1].lock:
    pass
";
    let d = run(src).deadlock.expect("a deadlock");
    let mut cycle = d.cycle.clone();
    cycle.sort_by_key(|e| e.thread);
    assert_eq!(cycle[0].holds, ["accounts[0].lock"], "{d:?}");
    assert_eq!(cycle[0].waits_for, "accounts[1].lock");
    assert_eq!(cycle[1].holds, ["accounts[1].lock"]);
    assert_eq!(cycle[1].waits_for, "accounts[0].lock");
}

#[test]
fn a_lock_no_global_reaches_keeps_the_name_it_was_made_under() {
    let src = "\
import threading
lock = threading.Lock()
def main():
    mine = threading.Lock()
    mine.acquire()
    def worker():
        with lock:
            with mine:
                pass
    t = threading.Thread(target=worker)
    t.start()
    while not lock.locked():
        pass
    lock.acquire()
main()
";
    let d = run(src).deadlock.expect("a deadlock");
    let mut cycle = d.cycle.clone();
    cycle.sort_by_key(|e| e.thread);
    assert_eq!(cycle[0].holds, ["mine"], "{d:?}");
    assert_eq!(cycle[0].waits_for, "lock");
    assert_eq!(cycle[1].waits_for, "mine");
}

#[test]
fn a_stuck_wait_names_its_primitive_by_its_path_in_its_sentence_too() {
    let src = "\
import threading
class Shop:
    def __init__(self):
        self.ready = threading.Event()
shops = {'north': Shop()}
shops['north'].ready.wait()
";
    let d = run(src).deadlock.expect("a deadlock");
    assert_eq!(d.waiting.len(), 1, "{d:?}");
    assert_eq!(d.waiting[0].waits_for, "shops['north'].ready");
    assert_eq!(
        d.waiting[0].why,
        "waits for event shops['north'].ready to be set"
    );
}
