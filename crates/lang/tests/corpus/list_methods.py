xs = [5, 3, 8, 1]
xs.append(7); print(xs)
xs.extend([2, 9]); print(xs)
xs.insert(0, 100); print(xs)
xs.insert(-1, 50); print(xs)
xs.insert(99, 0); print(xs)
print(xs.pop(), xs.pop(0), xs.pop(-2), xs)
xs.remove(8); print(xs)
print(xs.index(1), xs.count(3), xs.count(42))
xs.sort(); print(xs)
xs.sort(reverse=True); print(xs)
xs.reverse(); print(xs)
ys = xs.copy(); ys.append(-1); print(xs, ys)
ys.clear(); print(ys, len(ys))
words = ["banana", "Apple", "cherry", "date", "Elder", "fig"]
print(sorted(words), sorted(words, key=str.lower), sorted(words, key=len), sorted(words, key=len, reverse=True))
pairs = [(2, "b"), (1, "z"), (2, "a"), (1, "a")]
print(sorted(pairs), sorted(pairs, key=lambda p: p[0]), sorted(pairs, key=lambda p: p[1], reverse=True))
nested = [[1, 2], [3, 4]]
flat = [x for row in nested for x in row]
print(flat, [1, 2] + [3], [0] * 5, [[0] * 2] * 2)
print([1, 2, 3] == [1, 2, 3], [1, 2] < [1, 3], [1, 2] < [1, 2, 0], [] < [0])
print(list(range(5)), list("abc"), list((1, 2)), list({"k": 1}))
print(min([4, 2, 8]), max([4, 2, 8]), sum([1.5, 2.5]), len([1, 2]))
a = [1, 2, 3]
b = a
b.append(4)
print(a, a is b, a == [1, 2, 3, 4], a is [1, 2, 3, 4])
print(3 in a, 10 in a, 10 not in a)
print([x * 2 for x in a if x % 2 == 0], [(i, c) for i, c in enumerate("ab")])
stack = []
for i in range(5):
    stack.append(i * i)
while stack:
    print(stack.pop(), end=" ")
print()
m = [[i * j for j in range(4)] for i in range(3)]
print(m)
print(sorted([3, 1, 2], reverse=True), list(reversed([1, 2, 3])))
