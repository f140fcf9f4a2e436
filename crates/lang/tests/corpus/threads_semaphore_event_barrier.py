# A semaphore caps how many threads are inside at once; an event starts them together; a
# barrier gives each party its arrival index.
import threading

slots = threading.Semaphore(2)
inside = 0
most = 0
guard = threading.Lock()
go = threading.Event()
arrivals = []
barrier = threading.Barrier(4)


def visitor():
    global inside, most
    go.wait()
    with slots:
        with guard:
            inside += 1
            most = max(most, inside)
        with guard:
            inside -= 1
    arrivals.append(barrier.wait())


threads = [threading.Thread(target=visitor) for _ in range(4)]
for t in threads:
    t.start()
print(go.is_set(), barrier.parties)
go.set()
for t in threads:
    t.join()
print(most <= 2, inside, sorted(arrivals), barrier.n_waiting, barrier.broken)
bounded = threading.BoundedSemaphore(1)
print(bounded.acquire(), bounded.acquire(blocking=False), bounded.acquire(timeout=0.01))
bounded.release()
try:
    bounded.release()
except ValueError as e:
    print("ValueError:", e)
try:
    threading.Semaphore(-1)
except ValueError as e:
    print("ValueError:", e)
go.clear()
print(go.is_set(), go.wait(0.01))
barrier.abort()
try:
    barrier.wait()
except threading.BrokenBarrierError:
    print("BrokenBarrierError", barrier.broken)
barrier.reset()
print(barrier.broken)
