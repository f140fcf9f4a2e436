# Lock vs RLock: update() takes the lock and calls log_change(), which takes the same lock
# again. An RLock remembers its owner and how many times it was taken: the holder may take
# it again, and it is free after as many releases.
import threading

from racelab import check

THREADS = 1  # threads calling update() at once
CALLS = 100  # calls of update() each thread makes

lock = threading.RLock()
log = []


def log_change(entry):
    with lock:  # held by this thread: taken again, depth 2
        log.append(entry)


def update():
    with lock:  # first take: the lock is free
        log_change("updated")


def caller():
    for _ in range(CALLS):
        update()


callers = [threading.Thread(target=caller) for _ in range(THREADS)]
for c in callers:
    c.start()
for c in callers:
    c.join()
completed_calls = len(log)
check(completed_calls == THREADS * CALLS, "every call returns")
print(f"{completed_calls} calls completed")
