# Transfers between accounts, each under both accounts' locks taken in one global order:
# no money is lost and no two tellers wait for each other in a circle.
import threading
from racelab import check


class Account:
    def __init__(self, ident, balance):
        self.ident = ident
        self.balance = balance
        self.lock = threading.Lock()


accounts = [Account(i, 100) for i in range(4)]


def transfer(src, dst, amount):
    first, second = (src, dst) if src.ident < dst.ident else (dst, src)
    with first.lock:
        with second.lock:
            if src.balance >= amount:
                src.balance -= amount
                dst.balance += amount


def teller(k):
    for i in range(300):
        src = accounts[(k + i) % 4]
        dst = accounts[(k + 2 * i + 1) % 4]
        if src is not dst:
            transfer(src, dst, (i % 7) + 1)


tellers = [threading.Thread(target=teller, args=(k,), name=f"teller-{k}") for k in range(3)]
for t in tellers:
    t.start()
for t in tellers:
    t.join()
total = sum(a.balance for a in accounts)
check(total == 400, "money is conserved")
print("total", total)
