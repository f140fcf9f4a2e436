class Semaphore:
    def __init__(self, n):
        self.value = n
        self.max_inside = 0
        self.inside = 0
    def acquire(self):
        if self.value == 0:
            return False
        self.value -= 1
        self.inside += 1
        self.max_inside = max(self.max_inside, self.inside)
        return True
    def release(self):
        self.value += 1
        self.inside -= 1
sem = Semaphore(3)
waiting = [f"w{i}" for i in range(10)]
active = []
steps = 0
while waiting or active:
    while waiting and sem.acquire():
        active.append(waiting.pop(0))
    steps += 1
    done = active.pop(0)
    sem.release()
    print(f"step {steps}: {done} finished, active={active}")
print(sem.max_inside, sem.value, steps)
