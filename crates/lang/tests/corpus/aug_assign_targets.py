d = {"a": 1}
d["a"] += 10
d["b"] = d.get("b", 0) + 5
d["b"] *= 3
print(d)
l = [1, 2, 3]
l[0] += 100
l[-1] **= 2
l[1] //= 2
print(l)
class P:
    def __init__(self):
        self.n = 1
        self.items = []
p = P()
p.n += 41
p.items += [1, 2]
p.items *= 2
print(p.n, p.items)
s = "ab"
s += "cd"
s *= 2
print(s)
t = (1,)
t += (2, 3)
print(t)
grid = [[0] * 3 for _ in range(3)]
for i in range(3):
    grid[i][i] += i + 1
    grid[i][2 - i] -= 1
print(grid)
x = 5
x <<= 2; print(x)
x >>= 1; print(x)
x |= 1; print(x)
x &= 6; print(x)
x ^= 3; print(x)
x %= 4; print(x)
f = 1.5
f += 1
f /= 2
print(f)
lst = [1]
alias = lst
lst += [2]
print(alias, alias is lst)
tup = (1,)
alias_t = tup
tup += (2,)
print(alias_t, tup, alias_t is tup)
