# Globals: a module-level loop, where every read and write of `total` is a global's.
total = 0
for i in range(3_000_000):
    total += i
print(total)
