class Ctx:
    def __init__(self, name, suppress=False):
        self.name = name
        self.suppress = suppress
    def __enter__(self):
        print("enter", self.name)
        return self
    def __exit__(self, exc_type, exc, tb):
        print("exit", self.name, exc_type.__name__ if exc_type else None, exc)
        return self.suppress
with Ctx("a") as c:
    print("body", c.name)
with Ctx("b"), Ctx("c") as inner:
    print("two managers", inner.name)
try:
    with Ctx("d"):
        raise ValueError("inside")
except ValueError as e:
    print("propagated:", e)
with Ctx("e", suppress=True):
    raise KeyError("suppressed")
print("after suppress")
def early():
    with Ctx("f"):
        return "returned"
print(early())
for i in range(3):
    with Ctx(f"loop{i}"):
        if i == 1:
            continue
        if i == 2:
            break
        print("loop body", i)
class Lock:
    def __init__(self):
        self.held = False
    def __enter__(self):
        self.held = True
        return None
    def __exit__(self, *args):
        self.held = False
lk = Lock()
with lk as nothing:
    print("held:", lk.held, nothing)
print("held after:", lk.held)
try:
    with 5:
        pass
except TypeError as e:
    print("TypeError:", e)
