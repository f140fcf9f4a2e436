class Account:
    interest = 0.02
    count = 0
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance
        Account.count += 1
    def deposit(self, amount):
        self.balance += amount
        return self.balance
    def withdraw(self, amount):
        if amount > self.balance:
            raise ValueError("insufficient funds")
        self.balance -= amount
        return self.balance
    def __repr__(self):
        return f"Account({self.owner!r}, {self.balance})"
    def __str__(self):
        return f"{self.owner}: {self.balance}"
a = Account("ann", 100)
b = Account("bob")
print(a, b, repr(a), [a, b], str(b))
print(a.deposit(50), a.withdraw(30), Account.count, a.interest, Account.interest)
a.interest = 0.05
print(a.interest, b.interest, Account.interest)
try:
    b.withdraw(1)
except ValueError as e:
    print("error:", e)
print(type(a).__name__, type(a) is Account, isinstance(a, Account), isinstance(5, Account))
print(hasattr(a, "owner"), hasattr(a, "nope"), getattr(a, "owner"), getattr(a, "nope", "dflt"))
setattr(a, "tag", "vip")
print(a.tag)
del a.tag
print(hasattr(a, "tag"))
m = a.deposit
print(m(1), m(1))
print(Account.deposit(a, 8))
class Empty:
    pass
e = Empty()
e.x = 1
print(e.x, type(e).__name__)
class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def __eq__(self, other):
        return isinstance(other, Point) and self.x == other.x and self.y == other.y
    def __lt__(self, other):
        return (self.x, self.y) < (other.x, other.y)
    def __repr__(self):
        return "Point(%d, %d)" % (self.x, self.y)
pts = [Point(3, 1), Point(1, 2), Point(1, 1)]
print(sorted(pts), Point(1, 1) == Point(1, 1), Point(1, 1) != Point(1, 2), Point(1, 2) in pts)
print(pts.index(Point(1, 2)), pts.count(Point(3, 1)), max(pts), min(pts))
print(callable(Point), callable(pts[0]), callable(len))
