xs = list(range(10))
print(xs[2:5], xs[:3], xs[7:], xs[-3:], xs[:-7], xs[::2], xs[1::3], xs[::-1], xs[8:2:-2], xs[-1:-5:-1])
print(xs[100:], xs[-100:2], xs[5:2], xs[::-3], xs[3:3])
ys = xs[:]
ys[2:5] = ["a", "b"]
print(ys)
ys[::2] = [0] * len(ys[::2])
print(ys)
ys[1:1] = [99, 98]
print(ys)
del ys[::3]
print(ys)
del ys[1:3]
print(ys)
zs = [1, 2, 3, 4, 5, 6]
zs[-2:] = []
print(zs)
zs[:0] = [-1]
print(zs)
try:
    zs[::2] = [1]
except ValueError as e:
    print("ValueError:", e)
t = tuple(range(8))
print(t[1:4], t[::-1], t[-2:])
s = "abcdefgh"
print(s[1:6:2], s[::-2], s[-3:-1], s[:100])
r = range(20)
print(r[5], r[-1], r[2:10:3], list(r[2:10:3]), r[::-5], len(r[::3]))
m = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
print([row[1] for row in m], [row[::-1] for row in m[::-1]], m[1][1:])
