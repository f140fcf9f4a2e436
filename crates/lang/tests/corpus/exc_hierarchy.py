def check(exc):
    names = []
    for cls in [Exception, ArithmeticError, LookupError, ValueError, TypeError, RuntimeError, NameError, BaseException]:
        try:
            raise exc
        except cls:
            names.append(cls.__name__)
        except BaseException:
            pass
    return names
for e in [ZeroDivisionError("z"), OverflowError(), IndexError(), KeyError("k"), ValueError(), UnboundLocalError(), NotImplementedError(), RecursionError(), AssertionError(), AttributeError()]:
    print(type(e).__name__, check(e))
try:
    {}["missing"]
except LookupError as e:
    print("LookupError caught", type(e).__name__, e, e.args, repr(e))
try:
    [][0]
except (KeyError, IndexError) as e:
    print("tuple caught", type(e).__name__, e)
try:
    raise ValueError("a", 1)
except ValueError as e:
    print(e, e.args, repr(e), str(e))
try:
    raise ValueError
except ValueError as e:
    print(repr(e), str(e) == "", e.args)
try:
    raise KeyError("x")
except KeyError as e:
    print(e, repr(e), str(e))
print(issubclass(ZeroDivisionError, ArithmeticError), issubclass(KeyError, Exception), issubclass(Exception, BaseException))
print(isinstance(ValueError(), Exception), ValueError.__name__, ZeroDivisionError.__mro__[1].__name__)
e = RuntimeError("boom")
print(e, e.args, type(e) is RuntimeError)
