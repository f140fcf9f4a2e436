# A condition: the consumer waits (releasing the lock) until the producer's notify, and
# wait_for re-checks its predicate after every wake.
import threading
import time

cond = threading.Condition()
stock = []
log = []


def consumer(name, need):
    with cond:
        got = cond.wait_for(lambda: len(stock) >= need)
        log.append((name, got, len(stock) >= need))
        del stock[:need]


consumers = [threading.Thread(target=consumer, args=("c1", 2))]
for c in consumers:
    c.start()
time.sleep(0.02)
for i in range(3):
    with cond:
        stock.append(i)
        cond.notify_all()
    time.sleep(0.01)
for c in consumers:
    c.join()
print(log, stock)
with cond:
    print(cond.wait(timeout=0.01))
    print(cond.wait_for(lambda: False, timeout=0.01))
try:
    cond.wait()
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    cond.notify()
except RuntimeError as e:
    print("RuntimeError:", e)
plain = threading.Condition(threading.Lock())
with plain:
    plain.notify_all()
    print("notified nobody")
