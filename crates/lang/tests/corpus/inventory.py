class OutOfStock(Exception):
    def __init__(self, item, wanted, have):
        super().__init__(f"{item}: wanted {wanted}, have {have}")
        self.item = item
class Inventory:
    def __init__(self):
        self.stock = {}
        self.log = []
    def add(self, item, qty):
        self.stock[item] = self.stock.get(item, 0) + qty
        self.log.append(("add", item, qty))
    def take(self, item, qty):
        have = self.stock.get(item, 0)
        if qty > have:
            raise OutOfStock(item, qty, have)
        self.stock[item] = have - qty
        if self.stock[item] == 0:
            del self.stock[item]
        self.log.append(("take", item, qty))
    def report(self):
        return ", ".join(f"{k}={v}" for k, v in sorted(self.stock.items()))
inv = Inventory()
for item, qty in [("bolt", 100), ("nut", 250), ("gear", 7), ("bolt", 20)]:
    inv.add(item, qty)
print(inv.report())
orders = [("bolt", 50), ("gear", 10), ("nut", 250), ("spring", 1), ("bolt", 70)]
for item, qty in orders:
    try:
        inv.take(item, qty)
        print("took", qty, item)
    except OutOfStock as e:
        print("out of stock:", e, "| item:", e.item)
print(inv.report(), len(inv.log), inv.log[-1])
print(sum(q for op, _, q in inv.log if op == "add"), sum(q for op, _, q in inv.log if op == "take"))
