log = []
def f(mode):
    try:
        log.append("try")
        if mode == "raise":
            raise ValueError("v")
        if mode == "return":
            return "from try"
        log.append("after")
    except ValueError:
        log.append("except")
        return "from except"
    else:
        log.append("else")
    finally:
        log.append("finally")
    return "end"
for m in ["normal", "raise", "return"]:
    log.clear()
    r = f(m)
    print(m, r, log)
def override():
    try:
        return 1
    finally:
        return 2
print(override())
def swallow():
    try:
        raise ValueError("lost")
    finally:
        return "swallowed"
print(swallow())
def loop_finally():
    out = []
    for i in range(5):
        try:
            if i == 1:
                continue
            if i == 3:
                break
            out.append(i)
        finally:
            out.append(f"f{i}")
    return out
print(loop_finally())
def nested():
    out = []
    try:
        try:
            out.append("inner try")
            raise KeyError("k")
        finally:
            out.append("inner finally")
    except KeyError as e:
        out.append(f"outer except {e}")
    finally:
        out.append("outer finally")
    return out
print(nested())
def reraise():
    try:
        try:
            1 / 0
        except ZeroDivisionError:
            print("handling, then re-raise")
            raise
    except ZeroDivisionError as e:
        print("caught again:", e)
reraise()
def while_finally():
    n = 0
    while True:
        try:
            n += 1
            if n > 3:
                return n
        finally:
            print("finally", n)
print(while_finally())
def exc_in_except():
    try:
        try:
            raise ValueError("first")
        except ValueError:
            raise TypeError("second")
    except TypeError as e:
        print("got", type(e).__name__, e, "context:", type(e.__context__).__name__)
exc_in_except()
x = 0
try:
    x = 1
finally:
    x += 10
print(x)
def ret_in_except():
    for i in range(3):
        try:
            raise ValueError(i)
        except ValueError as e:
            if i == 1:
                return f"returned at {e}"
    return "none"
print(ret_in_except())
