def f():
    raise RuntimeError("state machine broke")
print("before")
f()
