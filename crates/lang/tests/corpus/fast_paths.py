# The VM's fast paths give what the general ones give: sum, min and max of int lists,
# unpacking a list, `with` on racelab's own context managers, comprehensions run again.
import threading

xs = [5, -3, 12, 0, 7]
print(sum(xs), min(xs), max(xs), sum(tuple(xs)), min(tuple(xs)), max(tuple(xs)))
print(sum([]), sum([], 10), sum(xs, 100), sum([1, 2.5]), min([3, 1.5]), max([True, 2]))
print(min([], default="empty"), max([4], key=lambda x: -x), min(xs, key=abs))
print(sum([True, True, 3]), max([2, 2.0]), min([2.0, 2]))
for bad in ([], [1, "a"]):
    try:
        print(min(bad))
    except (ValueError, TypeError) as e:
        print(type(e).__name__, e)

a, b = [1, 2]
print(a, b)
for items in ([1, 2, 3], [1], []):
    try:
        a, b = items
        print(a, b)
    except ValueError as e:
        print("ValueError", e)
first, *rest = [1, 2, 3]
print(first, rest)

lock = threading.Lock()
rlock = threading.RLock()
with lock:
    print("inside", lock.locked())
print("after", lock.locked())
with rlock as entered:
    with rlock:
        print("twice", entered)
try:
    with lock:
        raise KeyError("k")
except KeyError as e:
    print("raised", repr(e), "still locked:", lock.locked())


class Manager:
    def __enter__(self):
        print("enter")
        return self

    def __exit__(self, kind, value, tb):
        print("exit", kind.__name__ if kind else None)
        return True


with Manager() as m:
    raise ValueError("swallowed")
print(type(m).__name__)
for thing in (3, "text", [1], Manager):
    try:
        with thing:
            pass
    except (TypeError, AttributeError) as e:
        print(type(e).__name__, e)


def squares(n):
    return [i * i for i in range(n)], {i: i % 2 for i in range(n)}, [[j for j in range(i)] for i in range(n)]


for n in (0, 3, 4):
    print(squares(n))
i = "unchanged"
print([i for i in range(3)], i)
