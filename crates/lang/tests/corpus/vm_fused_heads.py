# Fused instruction heads: fast paths and their fallbacks (floats, strings, big ints,
# unbound locals, errors inside the second instruction of a pair).
def loops():
    out = []
    for i in range(3):
        out.append(i)
    for j in range(10, 0, -3):
        out.append(j)
    for k in range(0):
        out.append(k)
    total = 0
    for i in range(1, 6):
        total += i * i % 7
        total = total + i
    out.append(total)
    return out
print(loops())
def arith(a, b):
    x = a * 2
    y = b - 1
    z = a + b
    w = a % 3
    v = b // 2
    return [x, y, z, w, v, a * b, a - b]
print(arith(7, 3))
print(arith(2.5, 1.5))
print(arith('ab', 2) if False else arith(-7, 2))
print(arith(9223372036854775807 // 2, 1))
def cmp(n):
    r = []
    if n < 2:
        r.append('lt')
    if n >= 2:
        r.append('ge')
    if n == 5:
        r.append('eq')
    if n != 5:
        r.append('ne')
    if n > 100:
        r.append('gt')
    return r
print(cmp(1), cmp(5), cmp(101), cmp(2.0), cmp(1.5))
try:
    cmp('x')
except TypeError as e:
    print('TypeError', e)
def unbound():
    if False:
        q = 1
    return q + 1
try:
    unbound()
except UnboundLocalError as e:
    print('ULE', e)
def unbound2():
    if False:
        q = 1
    return q * 3
try:
    unbound2()
except UnboundLocalError as e:
    print('ULE', e)
def strs(words):
    n = 0
    for w in words:
        n = n + len(w)
    return n, str(n), str('s'), len([1, 2]), len((1,)), len({1: 2}), len(range(4))
print(strs(['a', 'bb', 'ccc']))
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(15))
it = iter([1, 2, 3])
for x in it:
    print(x)
xs = [1, 2, 3]
for x in xs:
    if x == 1:
        xs.append(4)
    print(x)
def deep(n):
    return deep(n + 1)
try:
    deep(0)
except RecursionError:
    print('RecursionError')
def subscripts(xs, d, k):
    out = [xs[k], d[k]]
    d[k] = d[k] + 1
    xs[k] = 'set'
    out.append(d[k])
    out.append(xs[k])
    out.append(xs[k:])
    try:
        out.append(xs[len(xs)])
    except IndexError as e:
        out.append(str(e))
    try:
        d[k] = d['missing']
    except KeyError as e:
        out.append(repr(e))
    n = 1
    try:
        out.append(n[0])
    except TypeError as e:
        out.append(str(e))
    return out
print(subscripts(['a', 'b', 'c'], {1: 10}, 1))
def self_index():
    m = {0: 0}
    x = 0
    return m[x], [5][x]
print(self_index())
def small_compares(n, big):
    out = []
    while n > 0:
        out.append(n)
        n = n - 3
    if big > 40000:
        out.append('big')
    if big < -40000:
        out.append('small')
    x = 2.5
    if x < 3:
        out.append('float')
    return out
print(small_compares(10, 50000), small_compares(0, -50000))
def unpacks(rows):
    out = []
    for a, b, c in rows:
        out.append(a + b + len(c))
    x, x = 1, 2
    out.append(x)
    p, q = [3, 4]
    out.append(p * q)
    s, t = 'hi'
    out.append(s + t)
    try:
        m, n = (1, 2, 3)
    except ValueError as e:
        out.append(str(e))
    try:
        m, n = (1,)
    except ValueError as e:
        out.append(str(e))
    try:
        m, n = 5
    except TypeError as e:
        out.append(str(e))
    self_self = 1
    self_self += self_self
    out.append(self_self)
    return out
print(unpacks([(1, 2, 'a'), (3, 4, 'bcd')]))
class Acc:
    def __init__(self):
        self.n = 0
        self.f = 0.5
    def add(self, k):
        self.n += k
        self.f += k
        return self.n, self.f
acc = Acc()
for k in range(4):
    acc.add(k)
print(acc.add(1))
