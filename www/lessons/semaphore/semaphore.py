# Ten workers want to book a travel package; each booking takes a while, and the office
# should serve at most LIMIT at once. A Semaphore(LIMIT) lets at most LIMIT threads into
# a block at once; the rest wait for one to leave.
import threading
import time

from racelab import check

WORKERS = 10  # wanting to book, each on its own thread
LIMIT = 3  # most bookings allowed at once
BOOKING_MS = 20  # how long one booking takes

# The office's head count, under a lock of its own so that it measures rather than races.
count_lock = threading.Lock()
semaphore = threading.Semaphore(LIMIT)
inside = 0
max_inside = 0
completed = 0


def come_in():
    global inside, max_inside
    with count_lock:
        inside += 1
        max_inside = max(max_inside, inside)
        now = inside
    check(now <= LIMIT, "never more than LIMIT inside")


def go_out():
    global inside, completed
    with count_lock:
        inside -= 1
        completed += 1


def book(worker):
    with semaphore:  # at most LIMIT past this line
        come_in()
        print(f"{worker} is booking")
        time.sleep(BOOKING_MS / 1000)
        print(f"{worker} is done")
        go_out()


workers = [threading.Thread(target=book, args=(w,)) for w in range(WORKERS)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print(f"at most {max_inside} inside at once (limit {LIMIT}); {completed} bookings")
