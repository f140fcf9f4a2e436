# Thread arguments: positional, keyword, and a thread's run() called directly.
import threading

log = []


def greet(greeting, name="world", punct="!"):
    log.append(f"{greeting}, {name}{punct}")


t1 = threading.Thread(target=greet, args=("hello",))
t2 = threading.Thread(target=greet, args=("hi",), kwargs={"name": "Ada"})
t3 = threading.Thread(target=greet, kwargs={"greeting": "hey", "punct": "?"})
for t in (t1, t2, t3):
    t.start()
    t.join()
t4 = threading.Thread(target=greet, args=("ran",), kwargs={"name": "here"})
t4.run()
print(log)
try:
    t1.start()
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    threading.Thread(target=greet).join()
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    threading.current_thread().join()
except RuntimeError as e:
    print("RuntimeError:", e)
t5 = threading.Thread(target=greet, args=("renamed",))
t5.name = "teller"
t5.daemon = True
print(t5.name, t5.daemon)
t5.start()
t5.join()
try:
    t5.daemon = False
except RuntimeError as e:
    print("RuntimeError:", e)
print(log[-1])
