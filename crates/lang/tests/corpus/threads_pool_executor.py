# A thread pool: submit returns futures, map keeps the input order, an exception is kept
# in its future and raised by result().
from concurrent.futures import ThreadPoolExecutor


def cube(x):
    return x ** 3


def parse(text):
    return int(text)


with ThreadPoolExecutor(max_workers=3) as pool:
    futures = [pool.submit(cube, n) for n in range(8)]
    print([f.result() for f in futures])
    print(all(f.done() for f in futures))
    print(list(pool.map(cube, [3, 1, 2])))
    print(list(pool.map(pow, [2, 3], [5, 2])))
    bad = pool.submit(parse, "x")
    try:
        bad.result()
    except ValueError as e:
        print("ValueError:", e)
    print(type(bad.exception()).__name__, pool.submit(parse, "7").result())
    results = pool.map(parse, ["1", "oops", "3"])
    print(next(results))
    try:
        next(results)
    except ValueError as e:
        print("ValueError:", e)
try:
    pool.submit(cube, 2)
except RuntimeError as e:
    print("RuntimeError:", e)
