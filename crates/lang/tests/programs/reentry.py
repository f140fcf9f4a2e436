# A method that takes the account's lock calls another that takes it again. With a plain
# Lock the thread waits for itself forever; an RLock lets its holder in again.
import threading

REENTRANT = False


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.RLock() if REENTRANT else threading.Lock()

    def deposit(self, amount):
        with self.lock:
            self.balance += amount

    def deposit_twice(self, amount):
        with self.lock:
            self.deposit(amount)
            self.deposit(amount)


account = Account(0)
workers = [threading.Thread(target=account.deposit_twice, args=(5,)) for _ in range(3)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print("balance", account.balance)
