# Method and attribute caches: class and instance changes after the cache is warm.
class A:
    def m(self):
        return 'A.m'
    def n(self):
        return 'A.n'
class B(A):
    pass
def f1():
    return 'f1'
def call_all(objs):
    out = []
    for o in objs:
        out.append(o.m())
        out.append(o.n())
    return out
a = A(); b = B()
print(call_all([a, b, a, b]))
A.m = lambda self: 'patched'
print(call_all([a, b]))
b.m = f1
print(call_all([a, b]))
del b.m
print(call_all([a, b]))
B.n = lambda self: 'B.n'
print(call_all([a, b]))
del B.n
print(call_all([a, b]))
setattr(a, 'n', lambda: 'inst-n')
print(call_all([a, b]))
class C:
    def __init__(self):
        self.x = 1
    def get(self):
        return self.x
    def inc(self, k):
        self.x += k
        return self.x
c = C()
for i in range(5):
    c.inc(i)
print(c.get(), c.x)
def g(o):
    return o.missing
try:
    g(c)
except AttributeError as e:
    print('AE', e)
def h():
    o = C()
    del o
    return o.x
try:
    h()
except UnboundLocalError as e:
    print('ULE', e)
class P:
    def _v(self):
        return 42
    v = property(_v)
    def q(self):
        return self.v
print(P().q())
