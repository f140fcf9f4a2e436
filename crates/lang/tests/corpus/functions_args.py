def f(a, b=2, *args, c=3, d, **kw):
    return (a, b, args, c, d, sorted(kw.items()))
print(f(1, d=4))
print(f(1, 2, 3, 4, d=5, e=6, c=7))
def g(*args, **kwargs):
    return args, kwargs
print(g(), g(1, 2), g(x=1), g(1, y=2))
print(g(*[1, 2], *(3,), **{"k": "v"}, z=0))
def h(x, y, z):
    return x * 100 + y * 10 + z
print(h(1, 2, 3), h(z=3, y=2, x=1), h(1, z=3, y=2), h(*[1, 2], z=3), h(**{"x": 1, "y": 2, "z": 3}))
def kwonly(a, *, b, c=10):
    return a + b + c
print(kwonly(1, b=2), kwonly(1, b=2, c=3))
def defaults(x, items=None):
    if items is None:
        items = []
    items.append(x)
    return items
print(defaults(1), defaults(2))
def shared(x, items=[]):
    items.append(x)
    return items
print(shared(1), shared(2))
errors = [
    lambda: h(1, 2),
    lambda: h(1),
    lambda: h(),
    lambda: h(1, 2, 3, 4),
    lambda: h(1, 2, 3, x=1),
    lambda: h(1, 2, w=3),
    lambda: kwonly(1),
    lambda: kwonly(1, 2),
    lambda: f(),
    lambda: defaults(),
]
for e in errors:
    try:
        e()
    except TypeError as ex:
        print("TypeError:", ex)
def doc():
    "docstring"
    return doc.__name__
print(doc())
def rec(n):
    return 1 if n <= 1 else n * rec(n - 1)
print(rec(10), rec(20))
def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
print([fib(i) for i in range(15)])
print(f.__name__, (lambda: 0).__name__)
