# Four threads add to one counter. `counter += 1` reads the global, adds one and writes it
# back: another thread can come between the read and the write, and its update is lost.
import threading

LOCKED = False
THREADS = 4
INCREMENTS = 100_000

counter = 0
lock = threading.Lock()


def work():
    global counter
    for _ in range(INCREMENTS):
        if LOCKED:
            with lock:
                counter += 1
        else:
            counter += 1


threads = [threading.Thread(target=work) for _ in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
expected = THREADS * INCREMENTS
print(f"counter = {counter:,} (expected {expected:,}, lost {expected - counter:,})")
