d = {"one": 1, "two": 2}
d["three"] = 3
print(d, len(d), d["two"], d.get("four"), d.get("four", 4))
print(list(d.keys()), list(d.values()), list(d.items()))
print(d.keys(), d.values(), d.items())
print("one" in d, "four" in d, 1 in d)
for k in d:
    print(k, d[k])
for k, v in d.items():
    print(k, "->", v)
d["one"] = 100
print(d)
del d["two"]
print(d)
d["two"] = 22
print(d)
print(d.pop("three"), d.pop("nope", "default"), d)
print(d.setdefault("x", 5), d.setdefault("x", 6), d)
d.update({"y": 7, "one": 1})
d.update(z=9)
d.update([("w", 0)])
print(d)
c = d.copy()
c["new"] = True
print(len(d), len(c))
print(d.popitem(), d)
counts = {}
for ch in "mississippi":
    counts[ch] = counts.get(ch, 0) + 1
print(counts)
print(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
print(dict(a=1, b=2), dict([("x", 1), ("y", 2)]), dict(zip("abc", range(3))))
print({i: i * i for i in range(5)})
print(dict.fromkeys(["a", "b"], 0), dict.fromkeys("xy"))
print({1: "a", True: "b", 1.0: "c"})
e = {}
print(e, bool(e), bool(d))
d.clear()
print(d)
nested = {"a": {"b": {"c": 1}}}
print(nested["a"]["b"]["c"], nested)
print({(1, 2): "tuple key"}[(1, 2)])
m = {"k1": 1, **{"k2": 2}, "k3": 3}
print(m, {**m, "k1": "over"})
print(d | {"a": 1} if hasattr(d, "keys") else None)
