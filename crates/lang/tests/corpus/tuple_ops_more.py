points = [(3, 4), (1, 1), (0, 5), (3, 4), (-2, 2)]
print(sorted(points), sorted(points, key=lambda p: p[0] ** 2 + p[1] ** 2), points.count((3, 4)), points.index((0, 5)))
print(max(points), min(points), sum(p[0] for p in points), [p for p in points if p[0] == p[1]])
a = (1, 2, 3)
b = a + (4,)
print(a, b, a * 0, a[::-1], a[1:2], a < b, (1, 2) in [(1, 2)], 2 in a)
x, (y, z) = 1, (2, 3)
print(x, y, z)
nested = ((1, 2), (3, (4, 5)))
print(nested[1][1][0], len(nested), nested == ((1, 2), (3, (4, 5))))
print(tuple(sorted((3, 1, 2))), tuple(reversed(a)), tuple(enumerate("ab")))
s = {(1, 2): "a", (2, 1): "b"}
print(s[(2, 1)], (1, 2) in s, list(s))
