class Event:
    def __init__(self):
        self.flag = False
        self.waiters = []
    def set(self):
        self.flag = True
        woken = list(self.waiters)
        self.waiters.clear()
        return woken
    def wait(self, who):
        if self.flag:
            return True
        self.waiters.append(who)
        return False
landed = Event()
print([landed.wait(p) for p in ["p1", "p2", "p3"]], landed.waiters)
print("woken:", landed.set(), landed.wait("late"))
class Barrier:
    def __init__(self, parties):
        self.parties = parties
        self.arrived = []
        self.generation = 0
    def arrive(self, who):
        self.arrived.append(who)
        if len(self.arrived) == self.parties:
            group = self.arrived
            self.arrived = []
            self.generation += 1
            return group
        return None
b = Barrier(5)
for who in ["t1", "t2", "guide", "t3", "t4", "t5"]:
    r = b.arrive(who)
    print(who, "->", r)
print(b.generation, b.arrived)
