def make_logger(prefix):
    lines = []
    def log(msg):
        lines.append(f"{prefix}: {msg}")
        return len(lines)
    def dump():
        return list(lines)
    return log, dump
log, dump = make_logger("app")
log("start"); log("running"); log("stop")
print(dump())
def apply_all(funcs, value):
    return [f(value) for f in funcs]
print(apply_all([abs, str, lambda v: v * 2, round], -3.7))
def memoize(f):
    cache = {}
    def wrapper(n):
        if n not in cache:
            cache[n] = f(n)
        return cache[n]
    wrapper.cache = cache if False else None
    return wrapper
calls = [0]
def slow_square(n):
    calls[0] += 1
    return n * n
fast = memoize(slow_square)
print([fast(i % 4) for i in range(12)], calls[0])
def counter_factory():
    count = 0
    def counter():
        nonlocal count
        count += 1
        return count
    return counter
c1, c2 = counter_factory(), counter_factory()
print(c1(), c1(), c2(), c1(), c2())
handlers = {}
def on(event, fn):
    handlers.setdefault(event, []).append(fn)
on("save", lambda d: f"saved {d}")
on("save", lambda d: f"backup {d}")
on("load", lambda d: f"loaded {d}")
for ev in ["save", "load", "quit"]:
    print(ev, [h("doc") for h in handlers.get(ev, [])])
def pipeline(*steps):
    def run(x):
        for s in steps:
            x = s(x)
        return x
    return run
p = pipeline(str.strip, str.lower, lambda s: s.replace(" ", "-"))
print(p("  Hello Big World  "))
