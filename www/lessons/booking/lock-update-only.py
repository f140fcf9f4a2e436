# Seat booking: booking attempts on a pool of worker threads race for the last seats.
# The lock covers only the update: no decrement is lost, but the check is outside it, so
# check-then-act still lets the seat count go below zero.
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from racelab import check, invalid

SEATS = 10
ATTEMPTS = 15  # booking attempts handed to the pool
THREADS = 10  # worker threads in the pool
PROCESSING_MS = 100  # between the seat check and taking the seat

seats = SEATS
seats_lock = threading.Lock()


def book(customer):
    global seats
    if seats > 0:  # checked outside the lock
        with invalid():  # the seat still looks free
            time.sleep(PROCESSING_MS / 1000)
            with seats_lock:
                seats -= 1
        check(seats >= 0, "seats never below zero")
        return "confirmed"
    return "refused"


with ThreadPoolExecutor(max_workers=THREADS) as pool:
    results = list(pool.map(book, range(ATTEMPTS)))
confirmed = results.count("confirmed")
refused = results.count("refused")
seats_left = seats
check(confirmed <= SEATS, "never more confirmed than seats")
print(f"{confirmed} confirmed, {refused} refused, {seats_left} seats left")
