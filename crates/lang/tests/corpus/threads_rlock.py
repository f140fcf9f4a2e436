# An RLock can be taken again by the thread that holds it; a Lock could not.
import threading


class Account:
    def __init__(self, balance):
        self.balance = balance
        self.lock = threading.RLock()

    def deposit(self, amount):
        with self.lock:
            self.balance += amount

    def withdraw(self, amount):
        with self.lock:
            if self.balance < amount:
                raise ValueError(f"insufficient funds: {self.balance} < {amount}")
            self.balance -= amount

    def move_in(self, amounts):
        with self.lock:
            for a in amounts:
                self.deposit(a)


acc = Account(100)
workers = [threading.Thread(target=acc.move_in, args=([1, 2, 3],)) for _ in range(5)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print(acc.balance)
try:
    acc.withdraw(1000)
except ValueError as e:
    print(e)
rl = threading.RLock()
print(rl.acquire(), rl.acquire())
rl.release()
rl.release()
try:
    rl.release()
except RuntimeError as e:
    print("RuntimeError:", e)
