x = 1
y = [1]
def f():
    global x
    x += 1
    y.append(x)
f(); f()
print(x, y)
def g():
    global z
    z = "created in g"
g()
print(z)
def make():
    total = 0
    items = []
    def add(v):
        nonlocal total
        total += v
        items.append(v)
        return total
    def reset():
        nonlocal total, items
        total = 0
        items = []
    def state():
        return total, list(items)
    return add, reset, state
add, reset, state = make()
add(5); add(7)
print(state())
reset()
add(1)
print(state())
def outer():
    v = "outer"
    def mid():
        nonlocal v
        v = "mid"
        def inner():
            nonlocal v
            v = v + "+inner"
        inner()
    mid()
    return v
print(outer())
counter = 0
def incr_many(n):
    global counter
    for _ in range(n):
        counter += 1
incr_many(10)
incr_many(5)
print(counter)
def shadow_global():
    counter = -1
    return counter
print(shadow_global(), counter)
def read_only():
    return counter * 2
print(read_only())
