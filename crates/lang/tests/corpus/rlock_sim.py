class RLock:
    def __init__(self):
        self.owner = None
        self.count = 0
    def acquire(self, who):
        if self.owner is None or self.owner == who:
            self.owner = who
            self.count += 1
            return True
        return False
    def release(self, who):
        if self.owner != who:
            raise RuntimeError("cannot release un-acquired lock")
        self.count -= 1
        if self.count == 0:
            self.owner = None
lock = RLock()
print(lock.acquire("main"), lock.acquire("main"), lock.acquire("other"), lock.count, lock.owner)
lock.release("main")
print(lock.count, lock.owner)
lock.release("main")
print(lock.count, lock.owner, lock.acquire("other"))
try:
    lock.release("main")
except RuntimeError as e:
    print("RuntimeError:", e)
