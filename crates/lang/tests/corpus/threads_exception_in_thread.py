# An exception that escapes a thread ends that thread only: the main thread goes on.
import threading


def parse(text):
    return int(text)


def worker(text, out):
    out.append(parse(text))


out = []
good = threading.Thread(target=worker, args=("42", out))
bad = threading.Thread(target=worker, args=("forty-two", out))
good.start()
good.join()
bad.start()
bad.join()
print(out, good.is_alive(), bad.is_alive())
print("main thread finished")
