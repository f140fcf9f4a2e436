# Seat booking: booking attempts on a pool of worker threads race for the last seats.
# One lock around the check and the update makes check-then-act one step: exactly as many
# bookings as seats are confirmed, the rest refused.
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
    with seats_lock:
        if seats > 0:
            with invalid():  # invalid, but nobody can look
                time.sleep(PROCESSING_MS / 1000)
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
