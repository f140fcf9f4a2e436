# Workers write their own slots; join makes their results visible to the main thread.
import threading

results = [None] * 4
seen_names = [None] * 4


def square_sum(i, n):
    total = 0
    for k in range(n):
        total += k * k
    results[i] = total
    seen_names[i] = threading.current_thread().name


threads = [threading.Thread(target=square_sum, args=(i, 1000 * (i + 1))) for i in range(4)]
print([t.name for t in threads])
print([t.is_alive() for t in threads])
for t in threads:
    t.start()
for t in threads:
    t.join()
print(results)
print(seen_names)
print([t.is_alive() for t in threads])
print(threading.current_thread().name, threading.main_thread().name)
named = threading.Thread(target=lambda: None, name="teller-1")
print(named.name, named.daemon)
named.start()
named.join()
print(threading.active_count())
