def load(d, k):
    try:
        return d[k]
    except KeyError:
        raise ValueError(f"missing setting {k}")
print(load({"a": 1}, "a"))
load({}, "b")
