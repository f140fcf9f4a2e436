# What sharing costs real threads: the lesson bank's transfer and audit, run by two tellers
# four ways, with no delay: each teller with its own accounts and lock, sharing only the
# lock, sharing only the accounts (no mutual exclusion: the totals go wrong, the point is
# the time), and sharing both, as the lesson does. Prints the time each way took.
#
#   racelab run crates/lang/bench/threads/sharing.py     (and pg.run({ program }) in a page)
import random
import threading
import time

from racelab import check, invalid

ACCOUNTS = [5000, 10000, 7500, 7000, 6000, 9000]
THREADS = 2
TRANSFERS = 50_000  # in all, split between the tellers


class Account:
    def __init__(self, number, balance):
        self.number = number
        self.balance = balance


def transfer(lock, src, dst, amount):
    with lock:
        if src.balance < amount:
            return
        with invalid():
            src.balance -= amount
            dst.balance += amount


def audit(lock, accounts):
    with lock:
        balances = [a.balance for a in accounts]
        # As the lesson's audit, but a check that holds every way (the way with shared
        # accounts and a lock each loses money, and recording failures would cost time).
        check(sum(balances) > 0, "the bank is not empty")


def new_accounts():
    return [Account(number, balance) for number, balance in enumerate(ACCOUNTS)]


shared_accounts = new_accounts()
shared_lock = threading.RLock()


def teller(share_accounts, share_lock):
    accounts = shared_accounts if share_accounts else new_accounts()
    lock = shared_lock if share_lock else threading.RLock()
    for _ in range(TRANSFERS // THREADS):
        src, dst = random.sample(accounts, 2)
        transfer(lock, src, dst, random.randint(1, 100))
        audit(lock, accounts)


def timed(share_accounts, share_lock):
    tellers = [threading.Thread(target=teller, args=(share_accounts, share_lock)) for _ in range(THREADS)]
    start = time.perf_counter()
    for t in tellers:
        t.start()
    for t in tellers:
        t.join()
    return (time.perf_counter() - start) * 1000


for words, share_accounts, share_lock in [
    ("own accounts, own lock", False, False),
    ("own accounts, shared lock", False, True),
    ("shared accounts, own lock", True, False),
    ("shared accounts, shared lock", True, True),
]:
    ms = timed(share_accounts, share_lock)
    print(f"{words:30} {ms:7.1f} ms")
