# The bank: tellers move money between accounts, and after every transfer a teller audits
# the whole bank. Between the debit and the credit the money is in neither account: the
# bank is briefly invalid, and an audit that looks then sees money missing.
import random
import threading
import time

from racelab import check, invalid

ACCOUNTS = [5000, 10000, 7500, 7000, 6000, 9000]  # starting balances
THREADS = 5  # tellers, each on its own thread
TRANSFERS_PER_THREAD = 9999
MAX_AMOUNT = 100
DELAY = 2  # microseconds between debit and credit


class Account:
    def __init__(self, number, balance):
        self.number = number
        self.balance = balance
        self.lock = threading.Lock()


accounts = [Account(number, balance) for number, balance in enumerate(ACCOUNTS)]
TOTAL = sum(ACCOUNTS)


def transfer(src, dst, amount):
    with src.lock:  # from, then to: no global order
        with dst.lock:  # A to B here, B to A there: each waits for the other
            if src.balance < amount:
                return
            with invalid():
                src.balance -= amount
                time.sleep(DELAY / 1_000_000)
                dst.balance += amount


def audit():
    for a in accounts:
        a.lock.acquire()
    balances = [a.balance for a in accounts]
    for a in reversed(accounts):
        a.lock.release()
    check(sum(balances) == TOTAL, "the total is unchanged")
    check(min(balances) >= 0, "no balance is negative")


def teller():
    for _ in range(TRANSFERS_PER_THREAD):
        src, dst = random.sample(accounts, 2)
        transfer(src, dst, random.randint(1, MAX_AMOUNT))
        audit()


tellers = [threading.Thread(target=teller) for _ in range(THREADS)]
for t in tellers:
    t.start()
for t in tellers:
    t.join()
audit()
balances = [a.balance for a in accounts]
total = sum(balances)
print(f"total {total:,} (expected {TOTAL:,})")
