# Producers put numbered items on a bounded queue, consumers take them until they get a
# sentinel: every item is delivered exactly once.
import queue
import threading

from racelab import check

PRODUCERS = 3
CONSUMERS = 3
ITEMS = 200
SENTINEL = None

q = queue.Queue(maxsize=10)
delivered = []
delivered_lock = threading.Lock()


def produce(me):
    for i in range(ITEMS):
        q.put((me, i))


def consume():
    while True:
        item = q.get()
        if item is SENTINEL:
            q.task_done()
            return
        with delivered_lock:
            delivered.append(item)
        q.task_done()


producers = [threading.Thread(target=produce, args=(p,)) for p in range(PRODUCERS)]
consumers = [threading.Thread(target=consume) for _ in range(CONSUMERS)]
for t in producers + consumers:
    t.start()
for p in producers:
    p.join()
for _ in consumers:
    q.put(SENTINEL)
q.join()
for c in consumers:
    c.join()
expected = sorted((p, i) for p in range(PRODUCERS) for i in range(ITEMS))
check(sorted(delivered) == expected, "every item delivered exactly once")
print("delivered", len(delivered), "of", len(expected))
