# A passengers thread must not collect anyone before the flight-status thread says the
# flight has landed. Here nobody waits: the bus leaves for arrivals long before the plane
# is on the ground.
import threading
import time

from racelab import check

LANDING_MS = 50  # when the flight lands, after the start

start = time.monotonic()
landed = False
landed_at_ms = None
pickup_at_ms = None


def now_ms():
    return round((time.monotonic() - start) * 1000, 3)


def flight_status():
    global landed, landed_at_ms
    time.sleep(LANDING_MS / 1000)
    landed = True
    landed_at_ms = now_ms()
    print("flight landed")


def passengers():
    global pickup_at_ms
    pickup_at_ms = now_ms()
    check(landed, "nobody is collected before landing")
    print("collecting passengers")  # nobody checked whether it landed


threads = [threading.Thread(target=flight_status), threading.Thread(target=passengers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
