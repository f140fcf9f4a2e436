class Ticket:
    next_id = 1
    issued = []
    def __init__(self, holder):
        self.id = Ticket.next_id
        Ticket.next_id += 1
        self.holder = holder
        Ticket.issued.append(self)
    def __repr__(self):
        return f"#{self.id}:{self.holder}"
for name in ["ann", "bob", "cy"]:
    Ticket(name)
print(Ticket.issued, Ticket.next_id)
t = Ticket("dee")
t.next_id = 100
print(t.next_id, Ticket.next_id, Ticket("eve"))
class Sub(Ticket):
    prefix = "VIP"
    def __repr__(self):
        return self.prefix + super().__repr__()
print(Sub("fay"), Ticket.issued[-1], len(Ticket.issued), Sub.next_id)
