# A bounded queue between a producer and two consumers: every item is taken exactly once,
# and join() returns once each was marked done.
import threading
import queue

q = queue.Queue(maxsize=3)
taken = [[], []]


def producer(n):
    for i in range(n):
        q.put(i)
    for _ in range(2):
        q.put(None)


def consumer(k):
    while True:
        item = q.get()
        if item is None:
            q.task_done()
            return
        taken[k].append(item)
        q.task_done()


workers = [threading.Thread(target=consumer, args=(k,)) for k in range(2)]
for w in workers:
    w.start()
producer(20)
q.join()
for w in workers:
    w.join()
print(sorted(taken[0] + taken[1]) == list(range(20)), q.qsize(), q.empty(), q.full())
try:
    q.get_nowait()
except queue.Empty:
    print("Empty")
small = queue.Queue(1)
small.put("a")
try:
    small.put("b", block=False)
except queue.Full:
    print("Full", small.qsize(), small.full(), small.maxsize)
try:
    small.put("c", timeout=0.01)
except queue.Full:
    print("still full")
print(small.get(), small.empty())
small.task_done()
try:
    small.task_done()
except ValueError as e:
    print("ValueError:", e)
try:
    small.get(timeout=-1)
except ValueError as e:
    print("ValueError:", e)
