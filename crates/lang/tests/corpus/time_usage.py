import time
from time import perf_counter, sleep
start = time.time()
t0 = perf_counter()
m0 = time.monotonic()
sleep(0.01)
time.sleep(0)
elapsed = perf_counter() - t0
print(elapsed >= 0, time.time() >= start, time.monotonic() >= m0)
print(type(start).__name__, type(elapsed).__name__, isinstance(time.time_ns(), int))
total = 0
for i in range(1000):
    total += i
print(total, f"{0.5:.1f}s")
try:
    time.sleep(-1)
except ValueError as e:
    print("ValueError:", e)
