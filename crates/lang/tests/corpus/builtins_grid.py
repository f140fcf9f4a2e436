vals = [0, 1, -2.5, "", "abc", [], [3, 1, 2], (), (1,), {}, {"a": 1}, None, True, range(3)]
for v in vals:
    out = []
    for name, f in [("bool", bool), ("len", len), ("str", str), ("repr", repr), ("list", list), ("type", lambda x: type(x).__name__), ("abs", abs), ("sorted", sorted)]:
        try:
            out.append(f"{name}={f(v)!r}")
        except Exception as e:
            out.append(f"{name}:{type(e).__name__}")
    print(" ".join(out))
