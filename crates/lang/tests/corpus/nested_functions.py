def outer(n):
    def square(x):
        return x * x
    def cube(x):
        return x * square(x)
    return [square(n), cube(n)]
print(outer(3), outer(-2))
def make_multipliers():
    return [lambda x, m=m: x * m for m in range(1, 4)]
print([f(10) for f in make_multipliers()])
def level1():
    a = 1
    def level2():
        b = 2
        def level3():
            c = 3
            return a + b + c
        return level3()
    return level2()
print(level1())
def recurse_inner(n):
    def helper(k, acc):
        if k == 0:
            return acc
        return helper(k - 1, acc * k)
    return helper(n, 1)
print([recurse_inner(i) for i in range(8)])
def shared_state():
    data = {"count": 0}
    def inc():
        data["count"] += 1
    def get():
        return data["count"]
    return inc, get
inc, get = shared_state()
for _ in range(4):
    inc()
print(get())
