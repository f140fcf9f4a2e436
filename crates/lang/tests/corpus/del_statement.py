a = 1
b = [1, 2, 3, 4, 5]
c = {"x": 1, "y": 2}
del a
try:
    print(a)
except NameError as e:
    print("NameError:", e)
del b[0]
del b[-1]
print(b)
del b[:1]
print(b)
del c["x"]
print(c)
class O:
    pass
o = O()
o.attr = 5
o.other = 6
del o.attr
print(hasattr(o, "attr"), o.other)
try:
    del o.missing
except AttributeError as e:
    print("AttributeError:", e)
try:
    del c["nope"]
except KeyError as e:
    print("KeyError:", e)
def f():
    v = 1
    del v
    try:
        return v
    except UnboundLocalError as e:
        return "UnboundLocalError: " + str(e)
print(f())
x, y = 1, 2
del x, y
print("deleted both")
