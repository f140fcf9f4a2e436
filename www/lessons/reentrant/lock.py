# Lock vs RLock: update() takes the lock and calls log_change(), which takes the same lock
# again. A plain Lock does not know who holds it: the thread waits for itself, forever.
import threading

from racelab import check

THREADS = 1  # threads calling update() at once
CALLS = 100  # calls of update() each thread makes

lock = threading.Lock()
log = []


def log_change(entry):
    with lock:  # held by update() already: waits for itself
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
