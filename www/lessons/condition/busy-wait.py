# One travel agent serves a queue of customers who arrive at different times, some
# together. The queue is locked, so nobody is lost, but the agent checks it again and
# again while it is empty: correct, and a core burnt on empty polls.
import threading
import time

from racelab import check

CUSTOMERS = 5  # each on its own thread; the agent takes one more
UNIT_MS = 20  # one unit of the arrival pattern 1, 1, 0, 1, 0
WRITE_MS = 2  # how long a customer takes to write their name in the queue
SERVE_MS = 5  # how long the agent takes to serve one customer

GAPS = [1, 1, 0, 1, 0]  # units between arrivals, repeated for more customers
names = [None] * CUSTOMERS  # the queue is names[head:tail]
head = tail = 0
arrived = []  # who has finished joining: what the agent stops by
joined = []  # the order customers took their places in
served = []
empty_polls = 0
queue_lock = threading.Lock()


def customer(name):
    global tail
    time.sleep(arrival(name))
    with queue_lock:
        place = tail
        joined.append(name)
        time.sleep(WRITE_MS / 1000)
        names[place] = name
        tail = place + 1
        arrived.append(name)


def agent():
    global head, empty_polls
    while True:
        with queue_lock:  # again and again while empty
            if head == tail and len(arrived) == CUSTOMERS:
                break
            who = None
            if head < tail:
                who = names[head]
                head += 1
        if who is not None:
            serve(who)
        else:
            empty_polls += 1


def arrival(name):
    return sum(GAPS[k % len(GAPS)] for k in range(name + 1)) * UNIT_MS / 1000


def serve(who):
    time.sleep(SERVE_MS / 1000)
    served.append(who)


threads = [threading.Thread(target=agent)]
threads += [threading.Thread(target=customer, args=(name,)) for name in range(CUSTOMERS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
position = {name: i for i, name in enumerate(joined)}
latest = -1
for who in served:
    if who in position:
        check(position[who] >= latest, "served in the order they joined")
        latest = max(latest, position[who])
for name in range(CUSTOMERS):
    check(served.count(name) == 1, "every customer is served once")
check(None not in served, "every customer is served once")
print(f"joined {joined}, served {served}, {empty_polls} empty polls")
