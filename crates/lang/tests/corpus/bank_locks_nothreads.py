class Lock:
    def __init__(self, name):
        self.name = name
        self.held = False
        self.acquired = 0
    def __enter__(self):
        assert not self.held, f"{self.name} already held"
        self.held = True
        self.acquired += 1
        return self
    def __exit__(self, *exc):
        self.held = False
        return False
class Account:
    def __init__(self, n, balance):
        self.n = n
        self.balance = balance
        self.lock = Lock(f"lock{n}")
accounts = [Account(i, b) for i, b in enumerate([5000, 10000, 7500, 7000, 6000, 9000])]
TOTAL = sum(a.balance for a in accounts)
def transfer(src, dst, amount):
    first, second = sorted([src, dst], key=lambda a: a.n)
    with first.lock:
        with second.lock:
            if src.balance < amount:
                return False
            src.balance -= amount
            dst.balance += amount
            return True
seed = 7
def rnd(n):
    global seed
    seed = (seed * 48271) % 2147483647
    return seed % n
done = 0
for _ in range(2000):
    a, b = rnd(6), rnd(6)
    if a != b and transfer(accounts[a], accounts[b], rnd(100) + 1):
        done += 1
print(done, sum(a.balance for a in accounts) == TOTAL, [a.balance for a in accounts])
print([a.lock.acquired for a in accounts], any(a.lock.held for a in accounts))
try:
    with accounts[0].lock:
        with accounts[0].lock:
            pass
except AssertionError as e:
    print("AssertionError:", e, accounts[0].lock.held)
