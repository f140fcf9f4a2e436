# Seat booking: booking attempts on a pool of worker threads race for the last seats.
# Checking for a free seat and taking it are two steps: a seat that another worker is
# still processing looks free, so more bookings are confirmed than there are seats.
import time
from concurrent.futures import ThreadPoolExecutor

from racelab import check, invalid

SEATS = 10
ATTEMPTS = 15  # booking attempts handed to the pool
THREADS = 10  # worker threads in the pool
PROCESSING_MS = 100  # between the seat check and taking the seat

seats = SEATS


def book(customer):
    global seats
    if seats > 0:
        with invalid():  # the seat still looks free
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
