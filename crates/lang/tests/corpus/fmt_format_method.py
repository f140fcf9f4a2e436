print("{} + {} = {}".format(1, 2, 3))
print("{0} {1} {0}".format("a", "b"))
print("{name} is {age} years".format(name="Ann", age=7))
print("{:>8}|{:<8}|{:^8}|".format("r", "l", "c"))
print("{:.3f} {:,} {:08.2f}".format(3.14159, 1234567, -3.5))
print("{0[0]} {0[1]} {1[key]}".format([10, 20], {"key": "v"}))
class P:
    def __init__(self):
        self.x = 3
        self.y = 4
p = P()
print("({0.x}, {0.y})".format(p))
print("{!r} {!s}".format("s", "s"))
print("{:{}}|".format("w", 5))
print("{{}} {}".format("braces"))
print("{:x} {:b} {:o} {:e}".format(255, 5, 8, 1500.0))
print("{:+.2%}".format(0.1234))
print("{:*>10}".format("pad"))
print("{:d}".format(True), "{}".format(True))
