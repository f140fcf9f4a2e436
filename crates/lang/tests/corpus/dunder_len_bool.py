class Bag:
    def __init__(self, *items):
        self.items = list(items)
    def __len__(self):
        return len(self.items)
    def __contains__(self, x):
        return x in self.items
    def __repr__(self):
        return f"Bag{tuple(self.items)}"
bags = [Bag(), Bag(1), Bag(1, 2, 3)]
for b in bags:
    print(b, len(b), bool(b), 2 in b, "yes" if b else "no")
print(sorted(bags, key=len), max(bags, key=len), [len(b) for b in bags if b])
class Flag:
    def __init__(self, on):
        self.on = on
    def __bool__(self):
        return self.on
print([bool(Flag(True)), bool(Flag(False))], Flag(True) and "and-ok", Flag(False) or "or-ok", not Flag(False))
print(any([Flag(False), Flag(True)]), all([Flag(True), Flag(False)]), list(filter(None, [Flag(True), Flag(False)]))[0].on)
