# Five philosophers, five forks: each takes the fork on the left, then the one on the
# right. When all five hold their left fork at once, each waits for a neighbour forever.
import threading
import time

PHILOSOPHERS = 5
MEALS = 20
forks = [threading.Lock() for _ in range(PHILOSOPHERS)]
meals = [0] * PHILOSOPHERS


def philosopher(i):
    left, right = forks[i], forks[(i + 1) % PHILOSOPHERS]
    for _ in range(MEALS):
        with left:
            time.sleep(0.0002)
            with right:
                meals[i] += 1


diners = [threading.Thread(target=philosopher, args=(i,), name=f"philosopher-{i}") for i in range(PHILOSOPHERS)]
for d in diners:
    d.start()
for d in diners:
    d.join()
print("meals", meals)
