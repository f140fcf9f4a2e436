def risky(kind):
    if kind == 0:
        return 1 / 0
    if kind == 1:
        return [1, 2][5]
    if kind == 2:
        return {"a": 1}["b"]
    if kind == 3:
        return int("abc")
    if kind == 4:
        return "x" + 1
    if kind == 5:
        return undefined_name
    if kind == 6:
        return None.attr
    if kind == 7:
        return len(5)
    if kind == 8:
        raise RuntimeError("custom")
    if kind == 9:
        assert 1 == 2, "math is broken"
    if kind == 10:
        assert False
    if kind == 11:
        return (1).real.foo
    if kind == 12:
        return 5()
    if kind == 13:
        return 5[0]
    if kind == 14:
        for x in None:
            pass
    if kind == 15:
        return [].pop()
    if kind == 16:
        return 2 ** 62 - 1 + 2 ** 62
    if kind == 17:
        return {}.popitem()
    if kind == 18:
        return [1, 2].index(3)
    if kind == 19:
        return "abc".index("z")
    if kind == 20:
        return 1 + "a"
    if kind == 21:
        return [1] * "a"
    if kind == 22:
        return 1 < "a"
    if kind == 23:
        return -"a"
    if kind == 24:
        return {[1]: 2}
    if kind == 25:
        return 10 % 0
    if kind == 26:
        return 1.0 / 0
    if kind == 27:
        return int(float("inf"))
    if kind == 28:
        return chr(-1)
    if kind == 29:
        return "abc"[10]
    return "ok"
for k in range(31):
    try:
        print(k, risky(k))
    except Exception as e:
        print(k, type(e).__name__, e)
