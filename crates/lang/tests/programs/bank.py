# Five tellers move money between six accounts; after every transfer a teller audits the
# bank. The total never changes if transfers are atomic, so an audit that sees another total
# caught a transfer half done.
import random
import threading

from racelab import check, invalid

STRATEGY = "none"  # "none", "global" (one RLock) or "ordered" (per-account locks, in order)
ACCOUNTS = 6
TELLERS = 5
TRANSFERS = 2_000


class Account:
    def __init__(self, number, balance):
        self.number = number
        self.balance = balance
        self.lock = threading.Lock()


accounts = [Account(i, 100) for i in range(ACCOUNTS)]
TOTAL = sum(a.balance for a in accounts)
bank_lock = threading.RLock()


def transfer(src, dst, amount):
    if src.balance >= amount:
        with invalid():  # the money is in flight until the credit lands
            src.balance -= amount
            dst.balance += amount


def audit():
    return sum(a.balance for a in accounts)


def teller(seed):
    for _ in range(TRANSFERS):
        src, dst = random.sample(accounts, 2)
        amount = random.randint(1, 20)
        if STRATEGY == "global":
            with bank_lock:
                transfer(src, dst, amount)
                check(audit() == TOTAL, "total is unchanged")
        elif STRATEGY == "ordered":
            first, second = sorted((src, dst), key=lambda a: a.number)
            with first.lock, second.lock:
                transfer(src, dst, amount)
            locks = [a.lock for a in accounts]
            for lock in locks:
                lock.acquire()
            check(audit() == TOTAL, "total is unchanged")
            for lock in reversed(locks):
                lock.release()
        else:
            transfer(src, dst, amount)
            check(audit() == TOTAL, "total is unchanged")


tellers = [threading.Thread(target=teller, args=(i,), name=f"teller-{i}") for i in range(TELLERS)]
for t in tellers:
    t.start()
for t in tellers:
    t.join()
print("final total", audit(), "expected", TOTAL)
