total = 0
for i in range(1, 101):
    if i % 15 == 0:
        total += i * 2
    elif i % 5 == 0:
        total -= i
    elif i % 3 == 0:
        total += i // 3
    else:
        total += i % 7
print(total)
acc = 1.0
for i in range(1, 20):
    acc = acc * 1.1 + i / 3
print(acc, round(acc, 3), int(acc), f"{acc:.4f}")
print(7 // 2 * 2 + 7 % 2, -7 // 2 * 2 + -7 % 2, 2 ** 3 ** 2, (2 ** 3) ** 2, -2 ** 2, (-2) ** 2)
print(10 - 3 - 2, 100 / 10 / 5, 2 * 3 + 4 * 5, (2 + 3) * (4 + 5), 17 % 5 * 3, 1 + 2 * 3 ** 2)
print(abs(-0.0), abs(-7), -abs(-7), max(-0.0, 0.0), min(0.0, -0.0))
mean = sum([1, 2, 3, 4]) / 4
var = sum((x - mean) ** 2 for x in [1, 2, 3, 4]) / 4
print(mean, var, var ** 0.5)
print(round(0.1 + 0.2, 10), round(1e-10, 5), round(123.456, -1), round(-123.456, 1))
print(int(1e15), int(-1e15), int(1.5e3), float(10 ** 15))
