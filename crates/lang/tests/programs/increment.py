# Two threads add one to the same global, once each. `x += 1` reads x, adds one and writes
# it back: if both read before either writes, one update is lost.
import threading

from racelab import check

LOCKED = False

x = 0
lock = threading.Lock()


def inc():
    global x
    if LOCKED:
        with lock:
            x += 1
    else:
        x += 1


ts = [threading.Thread(target=inc) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
check(x == 2, "no update lost")
