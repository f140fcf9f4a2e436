# Runners wait for the starting signal (an Event), then meet at the end of each lap (a
# Barrier): nobody starts early, and nobody starts lap n+1 before everyone finished lap n.
import threading

from racelab import check

RUNNERS = 4
LAPS = 5
start = threading.Event()
lap_done = threading.Barrier(RUNNERS)
laps = [0] * RUNNERS
started_early = []


def run(me):
    start.wait()
    if not start.is_set():
        started_early.append(me)
    for lap in range(LAPS):
        laps[me] += 1
        lap_done.wait()
        check(min(laps) == lap + 1, "every runner finished the lap")
        lap_done.wait()


runners = [threading.Thread(target=run, args=(i,)) for i in range(RUNNERS)]
for r in runners:
    r.start()
start.set()
for r in runners:
    r.join()
print("laps", laps, "started early", started_early)
