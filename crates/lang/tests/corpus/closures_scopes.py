counter = 0
def bump():
    global counter
    counter += 1
    return counter
bump(); bump()
print(counter)
def make_adder(n):
    def add(x):
        return x + n
    return add
add5 = make_adder(5)
print(add5(10), make_adder(-1)(1))
def make_counter():
    count = 0
    def inc(step=1):
        nonlocal count
        count += step
        return count
    def get():
        return count
    return inc, get
inc, get = make_counter()
inc(); inc(10)
print(get())
funcs = [lambda x, i=i: x * i for i in range(4)]
print([f(2) for f in funcs])
late = [lambda: i for i in range(3)]
print([f() for f in late])
def outer():
    x = "outer"
    def middle():
        def inner():
            return x
        return inner()
    return middle()
print(outer())
x = "global"
def shadow():
    x = "local"
    return x
print(shadow(), x)
def read_global():
    return x
print(read_global())
def unbound():
    try:
        print(y)
    except NameError as e:
        print("NameError", e)
    try:
        z = z + 1
    except UnboundLocalError as e:
        print("UnboundLocalError", e)
unbound()
def accum():
    total = []
    def add(v):
        total.append(v)
        return sum(total)
    return add
acc = accum()
print(acc(1), acc(2), acc(3))
sq = lambda v: v * v
print(sq(7), (lambda a, b=2: a ** b)(3))
def compose(f, g):
    return lambda v: f(g(v))
print(compose(sq, add5)(1))
