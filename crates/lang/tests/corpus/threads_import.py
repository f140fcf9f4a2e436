import threading
import queue
from concurrent.futures import ThreadPoolExecutor
import time, random
print("imports ok")
def work(n):
    return n * n
print([work(i) for i in range(5)])
