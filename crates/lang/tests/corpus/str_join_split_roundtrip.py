samples = ["a b c", "  lead", "trail  ", "", "one", "x,,y", "a-b-c-d"]
for s in samples:
    parts = s.split()
    print(repr(s), parts, repr(" ".join(parts)), s.split(" "), s.split(",") if "," in s else s.split("-"))
print("/".join(["usr", "bin"]), "".join(reversed("stressed")), "+".join("abc"))
print("a,b;c d".replace(";", ",").replace(" ", ",").split(","))
print([w for w in "the  cat   sat".split(" ") if w], "the  cat   sat".split())
print("k1=v1&k2=v2".split("&"), dict(p.split("=") for p in "k1=v1&k2=v2".split("&")))
