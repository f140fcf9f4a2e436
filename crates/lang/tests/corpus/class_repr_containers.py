class Item:
    def __init__(self, name, price):
        self.name = name
        self.price = price
    def __repr__(self):
        return f"Item({self.name!r}, {self.price})"
class Cart:
    def __init__(self):
        self.items = []
    def add(self, item):
        self.items.append(item)
        return self
    def total(self):
        return sum(i.price for i in self.items)
    def __str__(self):
        lines = [f"  {i.name:<8}{i.price:>7.2f}" for i in self.items]
        return "Cart:\n" + "\n".join(lines) + f"\n  {'total':<8}{self.total():>7.2f}"
c = Cart().add(Item("pen", 1.5)).add(Item("book", 12.25)).add(Item("bag", 30))
print(c)
print(c.items, {i.name: i for i in c.items}, (c.items[0],), [[c.items[1]]])
print(sorted(c.items, key=lambda i: i.price, reverse=True)[0], max(c.items, key=lambda i: i.price).name)
print(str(c.items[0]), repr(c.items[0]), f"{c.items[0]}", "%s|%r" % (c.items[0], c.items[0]))
class Plain:
    pass
p = Plain()
print(type(p).__name__, str(p).startswith("<__main__.Plain object at 0x"), repr(p)[:22])
