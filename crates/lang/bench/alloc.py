# Allocation-heavy: build a list of tuples and strings, read it back, drop it; twice.
def main():
    s = 0
    for _ in range(2):
        rows = []
        for i in range(300_000):
            rows.append((i, i * 2, str(i)))
        for a, b, c in rows:
            s += a + b + len(c)
    return s


print(main())
