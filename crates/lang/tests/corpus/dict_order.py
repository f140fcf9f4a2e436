d = {}
for k in ["zeta", "alpha", "mid", "beta"]:
    d[k] = len(k)
print(d, list(d))
del d["alpha"]
d["alpha"] = 0
print(d)
d["zeta"] = 100
print(d)
keys = list(range(20, 0, -3))
e = {k: str(k) for k in keys}
print(e)
for k in list(e):
    if k % 2:
        del e[k]
print(e)
e.update({2: "two", 100: "hundred"})
print(e, len(e))
inv = {v: k for k, v in e.items()}
print(inv)
counts = {}
for ch in "abracadabra":
    counts[ch] = counts.get(ch, 0) + 1
print(counts, max(counts, key=counts.get), sorted(counts, key=lambda c: -counts[c]))
big = {i: i * i for i in range(100)}
print(sum(big.values()), list(big.items())[95:], 50 in big, 500 in big)
for i in range(0, 100, 2):
    del big[i]
print(len(big), list(big)[:5])
big[0] = "back"
print(list(big)[-2:])
nested = {"a": [1, 2], "b": {"c": (3, 4)}}
print(nested, nested["b"]["c"][1])
try:
    for k in d:
        d["new"] = 1
except RuntimeError as ex:
    print("RuntimeError:", ex)
