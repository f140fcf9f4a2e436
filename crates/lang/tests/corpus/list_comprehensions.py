print([x for x in range(10) if x % 2])
print([x * y for x in range(1, 4) for y in range(1, 4)])
print([(x, y) for x in range(3) for y in range(x)])
print([[x for x in range(n)] for n in range(4)])
print({x: x ** 2 for x in range(6) if x != 3})
print({x % 3 for x in range(10)})
print(sum(x for x in range(100)), max(len(w) for w in ["a", "abc", "ab"]))
print(any(x > 5 for x in [1, 2, 7]), all(x > 0 for x in [1, 2, -1]), any([]), all([]))
print(list(x * 2 for x in "ab"), "".join(c.upper() for c in "hey" if c != "e"))
words = ["apple", "bob", "kayak", "level", "python"]
print([w for w in words if w == w[::-1]])
print([w[0] if len(w) > 3 else w for w in words])
matrix = [[1, 2, 3], [4, 5, 6]]
print([[row[i] for row in matrix] for i in range(3)])
n = 10
print([i for i in range(n) if all(i % d for d in range(2, i)) and i > 1])
x = "outer"
lst = [x for x in range(3)]
print(x, lst)
print([(i, j) for i, j in zip(range(3), "abc")], dict((k, v) for k, v in [("a", 1)]))
print(sorted({w: len(w) for w in words}.items(), key=lambda kv: kv[1]))
gen = (i * i for i in range(5))
print(next(gen), next(gen), list(gen))
print([f(3) for f in [lambda v: v + 1, lambda v: v * 2]])
