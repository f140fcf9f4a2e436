errs = [ValueError(), ValueError("x"), ValueError("x", 2), KeyError("k"), KeyError(), KeyError(1, 2),
        IndexError("i"), TypeError("t"), RuntimeError(""), Exception("a", "b", "c"), ZeroDivisionError("z")]
for e in errs:
    print(type(e).__name__, repr(e), str(e), e.args, len(e.args))
class E(Exception):
    pass
class F(E):
    def __init__(self, code):
        self.code = code
        super().__init__(f"code {code}")
print(repr(E("m")), str(E("m")), repr(F(3)), F(3).code, F(3).args)
try:
    raise F(404)
except E as e:
    print("caught as E:", e, e.code, isinstance(e, F), type(e).__mro__[1].__name__)
e = ValueError("orig")
e.args = ("changed", 1)
print(e, e.args)
print(str(KeyError("quote's")), repr(KeyError("a\nb")))
