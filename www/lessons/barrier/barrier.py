# Four travellers get ready at their own pace; with the guide, five parties must all be
# there before the tour starts. Barrier(n).wait() returns only when n threads have called
# it: nobody goes on until everybody has arrived.
import random
import threading
import time

from racelab import check

TRAVELLERS = 4  # each on its own thread; the guide takes one more
MAX_READY_MS = 50  # each traveller is ready after a random 1 ms to this

start = time.monotonic()
barrier = threading.Barrier(TRAVELLERS + 1)
parties = ["guide"] + [f"traveller {i}" for i in range(1, TRAVELLERS + 1)]
ready = []  # who is ready, in the order they were
ready_at_ms = [None] * len(parties)
start_at_ms = [None] * len(parties)


def now_ms():
    return round((time.monotonic() - start) * 1000, 3)


def get_ready(me):
    ready_at_ms[me] = now_ms()
    ready.append(parties[me])
    print(f"{parties[me]} ready")


def set_off(me):
    start_at_ms[me] = now_ms()
    check(len(ready) == len(parties), "nobody starts before every party is ready")
    print(f"{parties[me]}: tour starts")


def guide():
    get_ready(0)
    barrier.wait()  # until all have arrived
    set_off(0)


def traveller(me):
    time.sleep(random.uniform(0.001, MAX_READY_MS / 1000))
    get_ready(me)
    barrier.wait()
    set_off(me)


threads = [threading.Thread(target=guide)]
threads += [threading.Thread(target=traveller, args=(i,)) for i in range(1, TRAVELLERS + 1)]
for t in threads:
    t.start()
for t in threads:
    t.join()
