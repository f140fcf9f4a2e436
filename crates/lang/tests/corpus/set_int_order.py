print({5, 3, 1, 4, 2})
print({100, 1, 10, 1000})
print({8, 16, 24, 32, 40})
print(set(range(10, 0, -1)))
print({-1, -5, 3, 0, 7, -8})
s = set()
for i in [31, 7, 15, 63, 0, 8, 9, 40, 41, 2]:
    s.add(i)
print(s)
s.discard(7)
s.add(77)
print(s)
print({i * i for i in range(12)})
print(set([33, 1, 65, 97, 129]))
t = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
print(t)
for v in list(t):
    if v % 3 == 0:
        t.remove(v)
print(t)
print({1, 2, 3} | {100, 200}, {10, 20, 30} & {30, 10}, {1, 2, 3, 4, 5} - {2, 4})
print({(1, 2), (3, 4), (0, 0)})
print({1.5, 2.5, 0.5}, {True, 2, 3.0})
u = {50, 40, 30}
print(u.pop(), u.pop(), u)
print(frozenset({9, 3, 6}), sorted({9, 3, 6}))
