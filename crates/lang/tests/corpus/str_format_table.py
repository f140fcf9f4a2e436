rows = [("Alice", 34, 1234.5), ("Bob", 5, 7.25), ("Christina", 101, -0.5)]
print(f"{'name':<10}|{'age':>5}|{'balance':>12}")
print("-" * 29)
for name, age, bal in rows:
    print(f"{name:<10}|{age:>5}|{bal:>12,.2f}")
print("{:=^29}".format(" totals "))
print(f"{sum(r[1] for r in rows):>16}|{sum(r[2] for r in rows):>12.3f}")
for w in range(1, 6):
    print(f"[{'x' * w:>{w + 2}}] [{w:0{w}d}] [{w / 3:.{w}f}]")
print("%-10s|%5d|%12.2f" % rows[0])
print("|".join(f"{i:^5}" for i in range(4)))
