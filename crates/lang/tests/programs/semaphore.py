# Eight visitors, a room for three: a Semaphore(3) never lets a fourth in.
import threading
import time

from racelab import check

room = threading.Semaphore(3)
count_lock = threading.Lock()
inside = 0
most = 0


def visit():
    global inside, most
    for _ in range(20):
        with room:
            with count_lock:
                inside += 1
                most = max(most, inside)
                check(inside <= 3, "at most three inside")
            time.sleep(0.0005)
            with count_lock:
                inside -= 1


visitors = [threading.Thread(target=visit) for _ in range(8)]
for v in visitors:
    v.start()
for v in visitors:
    v.join()
print("most inside at once:", most)
