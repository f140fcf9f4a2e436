for s in ["0", "42", "-7", "+3", " 12 ", "1_000", "0x10", "3.5", "", "abc", "١٢٣"]:
    try:
        print(repr(s), "int ->", int(s))
    except ValueError as e:
        print(repr(s), "int ValueError:", e)
for s in ["1.5", "-0", "1e3", "inf", "-inf", "nan", " 2 ", "1_0.5", "abc", "1e", ".5", "5."]:
    try:
        print(repr(s), "float ->", float(s))
    except ValueError as e:
        print(repr(s), "float ValueError:", e)
for base, s in [(2, "1010"), (8, "777"), (16, "FF"), (36, "zz"), (0, "0o17"), (0, "0b11"), (16, "0x1a"), (2, "12")]:
    try:
        print(base, s, int(s, base))
    except ValueError as e:
        print(base, s, "ValueError:", e)
print(int(7.9), int(-7.9), int(True), float(3), str(3.0), str(True), bool("False"), bool(0.0))
print(list("abc"), tuple([1, 2]), set("aab") == {"a", "b"}, dict([("k", "v")]), list(range(0)))
print(str([1, "2", 3.0]), str((1,)), str({"a": [1]}), repr(None), str(-0.0))
