# Fifteen customers try to book the last ten seats through a pool of ten threads. Checking
# for a free seat and taking it are two steps: without a lock, two customers both see the
# last seat.
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from racelab import check

LOCKED = False
SEATS = 10
CUSTOMERS = 15

seats = SEATS
confirmed = []
lock = threading.Lock()


def reserve(customer):
    global seats
    if seats > 0:
        time.sleep(0.001)  # the payment takes a moment
        seats -= 1
        confirmed.append(customer)
        return True
    return False


def book(customer):
    if LOCKED:
        with lock:
            return reserve(customer)
    return reserve(customer)


with ThreadPoolExecutor(max_workers=10) as pool:
    booked = list(pool.map(book, range(CUSTOMERS)))
check(seats >= 0, "seats never below zero")
check(len(confirmed) <= SEATS, "never more confirmed than seats")
print(f"confirmed {len(confirmed)} of {CUSTOMERS}, seats left {seats}")
