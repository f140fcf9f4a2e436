def describe(name, *tags, sep=", ", **props):
    parts = [name]
    if tags:
        parts.append(sep.join(tags))
    for k in sorted(props):
        parts.append(f"{k}={props[k]}")
    return " | ".join(parts)
print(describe("box"))
print(describe("box", "red", "big"))
print(describe("box", "red", sep="/", weight=3, color="blue"))
opts = {"weight": 5, "size": "L"}
print(describe("crate", *["wood", "heavy"], **opts))
def merge(*dicts, **extra):
    out = {}
    for d in dicts:
        out.update(d)
    out.update(extra)
    return out
print(merge({"a": 1}, {"b": 2, "a": 3}, c=4))
def call_with(f, *args, **kwargs):
    return f(*args, **kwargs)
print(call_with(max, 3, 9, 2), call_with(sorted, [3, 1, 2], reverse=True), call_with(dict, a=1))
def pos_only_like(a, b, /, c):
    return a + b + c
print(pos_only_like(1, 2, 3), pos_only_like(1, 2, c=3))
def defaults(a, b=[], c={}, d=None):
    return (a, b, c, d)
print(defaults(1), defaults(1, d=4), defaults(a=0, c={"k": 1}))
