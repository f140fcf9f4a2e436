t = (1, 2, 3)
a, b, c = t
print(a, b, c)
x, *rest = [1, 2, 3, 4]
print(x, rest)
*init, last = "abcd"
print(init, last)
first, *mid, end = range(6)
print(first, mid, end)
p, q = q, p = 1, 2
print(p, q)
m, n = 1, 2
m, n = n, m
print(m, n)
(u, v), w = (1, 2), 3
print(u, v, w)
for i, (k, val) in enumerate([("a", 1), ("b", 2)]):
    print(i, k, val)
for head, *tail in [(1, 2, 3), (4, 5)]:
    print(head, tail)
print(t + (4,), t * 2, t[1:], t[::-1], len(t), t.index(2), t.count(1))
print((1,), (), tuple([1, 2]), tuple("ab"))
print((1, 2) < (1, 3), (2,) > (1, 5), (1, 2) == (1, 2))
single = 5,
print(single, type(single).__name__)
def multi():
    return 1, "two", [3]
r1, r2, r3 = multi()
print(r1, r2, r3, multi())
coords = [(1, 2), (3, 4), (5, 6)]
xs = [cx for cx, cy in coords]
print(xs, [cy for _, cy in coords])
print(list(zip(*coords)))
d = dict(coords)
print(d)
try:
    a, b = [1, 2, 3]
except ValueError as e:
    print("ValueError:", e)
try:
    a, b, c = [1]
except ValueError as e:
    print("ValueError:", e)
try:
    a, *b, c = [1]
except ValueError as e:
    print("ValueError:", e)
print(hash((1, 2)) == hash((1, 2)), {(1, 2): 3}[1, 2])
