class Resource:
    opened = []
    def __init__(self, name, fail_enter=False, swallow=False):
        self.name, self.fail_enter, self.swallow = name, fail_enter, swallow
    def __enter__(self):
        if self.fail_enter:
            raise RuntimeError(f"cannot open {self.name}")
        Resource.opened.append(self.name)
        return self.name.upper()
    def __exit__(self, et, ev, tb):
        Resource.opened.remove(self.name)
        print(f"close {self.name}: {et.__name__ if et else 'ok'}")
        return self.swallow
try:
    with Resource("a") as a, Resource("b", fail_enter=True) as b:
        print("never")
except RuntimeError as e:
    print("RuntimeError:", e, Resource.opened)
with Resource("c", swallow=True) as c:
    print("inside", c)
    raise ZeroDivisionError("hidden")
print("continues", Resource.opened)
def f():
    for name in ["x", "y", "z"]:
        with Resource(name) as r:
            if name == "y":
                return r
print(f(), Resource.opened)
try:
    with Resource("outer"):
        with Resource("inner", swallow=True):
            raise KeyError("k")
        raise IndexError("after inner")
except IndexError as e:
    print("IndexError:", e)
