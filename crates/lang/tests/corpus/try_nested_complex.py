def layer(n):
    try:
        if n == 0:
            raise ValueError("bottom")
        return layer(n - 1)
    finally:
        print("unwinding", n)
try:
    layer(3)
except ValueError as e:
    print("caught", e)
def mixed(x):
    out = []
    try:
        out.append("a")
        try:
            out.append("b")
            if x == 1:
                raise KeyError("k")
            if x == 2:
                raise IndexError("i")
            out.append("c")
        except KeyError:
            out.append("inner-key")
            if x == 1:
                raise TypeError("converted")
        finally:
            out.append("inner-finally")
        out.append("d")
    except (TypeError, IndexError) as e:
        out.append(f"outer-{type(e).__name__}")
    else:
        out.append("outer-else")
    finally:
        out.append("outer-finally")
    return out
for x in range(3):
    print(x, mixed(x))
def gen_errors():
    for i in range(4):
        try:
            try:
                if i % 2:
                    raise ValueError(i)
                print("no error", i)
            finally:
                print("cleanup", i)
        except ValueError as e:
            print("handled", e)
            continue
        print("after", i)
gen_errors()
