d = {"a": 1, "b": 2, "c": 3}
k = d.keys()
v = d.values()
it = d.items()
print(len(k), "a" in k, 2 in v, ("b", 2) in it, ("b", 3) in it)
d["d"] = 4
print(list(k), list(v), list(it))
print(sorted(d, reverse=True), sorted(d.values(), reverse=True))
print(k == {"a", "b", "c", "d"}, list(reversed(list(d))))
print(max(d, key=d.get), min(d.items(), key=lambda p: p[1]))
print(dict(sorted(d.items(), key=lambda p: -p[1])))
print({k: v for k, v in d.items() if v % 2 == 0})
print(list(zip(d, d.values())), dict(zip(d.values(), d)))
e = dict(d)
e["a"] = 100
print(d["a"], e["a"], d == e, d == dict(d))
grouped = {}
for word in ["apple", "avocado", "banana", "blueberry", "cherry"]:
    grouped.setdefault(word[0], []).append(word)
print(grouped)
print(sum(len(vs) for vs in grouped.values()), list(grouped.items())[1])
nums = {i: i % 3 for i in range(10)}
print([n for n, r in nums.items() if r == 0], list(nums.values()).count(1))
