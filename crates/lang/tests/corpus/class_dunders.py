class Vector:
    def __init__(self, x, y):
        self.x = x
        self.y = y
    def __add__(self, other):
        return Vector(self.x + other.x, self.y + other.y)
    def __sub__(self, other):
        return Vector(self.x - other.x, self.y - other.y)
    def __mul__(self, k):
        return Vector(self.x * k, self.y * k)
    def __rmul__(self, k):
        return self * k
    def __neg__(self):
        return Vector(-self.x, -self.y)
    def __eq__(self, other):
        return (self.x, self.y) == (other.x, other.y)
    def __abs__(self):
        return (self.x ** 2 + self.y ** 2) ** 0.5
    def __bool__(self):
        return bool(self.x or self.y)
    def __repr__(self):
        return f"Vector({self.x}, {self.y})"
    def __str__(self):
        return f"<{self.x}, {self.y}>"
a, b = Vector(1, 2), Vector(3, 4)
print(a + b, a - b, a * 3, 2 * a, -a, abs(b), a == Vector(1, 2), a != b)
print(bool(Vector(0, 0)), bool(a), [a, b], str(a), repr(a), f"{a}", f"{a!r}")
if Vector(0, 0):
    print("truthy?")
else:
    print("zero vector is falsy")
class Stack:
    def __init__(self):
        self.items = []
    def push(self, v):
        self.items.append(v)
        return self
    def __len__(self):
        return len(self.items)
    def __contains__(self, v):
        return v in self.items
    def __getitem__(self, i):
        return self.items[i]
    def __setitem__(self, i, v):
        self.items[i] = v
    def __delitem__(self, i):
        del self.items[i]
s = Stack().push(1).push(2).push(3)
print(len(s), 2 in s, 9 in s, s[0], s[-1], bool(s), bool(Stack()))
s[0] = 100
del s[1]
print(s.items, list(s), [x * 2 for x in s])
class Temp:
    def __init__(self, c):
        self.c = c
    def __lt__(self, o):
        return self.c < o.c
    def __le__(self, o):
        return self.c <= o.c
    def __gt__(self, o):
        return self.c > o.c
    def __repr__(self):
        return f"{self.c}C"
ts = [Temp(30), Temp(10), Temp(20)]
print(sorted(ts), max(ts), min(ts), Temp(1) < Temp(2), Temp(3) > Temp(2), Temp(2) <= Temp(2))
class Money:
    def __init__(self, cents):
        self.cents = cents
    def __format__(self, spec):
        return format(self.cents / 100, spec or ".2f")
print(f"{Money(12345)}", f"{Money(5):>8.3f}", format(Money(99)))
