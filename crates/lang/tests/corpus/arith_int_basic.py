# integer arithmetic, including negative floor division and modulo
nums = [-7, -3, -1, 0, 1, 3, 7, 10, -10]
divs = [-3, -2, -1, 1, 2, 3, 5]
for a in nums:
    row = []
    for b in divs:
        row.append(f"{a}//{b}={a // b} {a}%{b}={a % b}")
    print("; ".join(row))
print(2 ** 10, 2 ** 0, (-2) ** 3, 10 ** 18)
print(7 / 2, -7 / 2, 1 / 3, 10 / 5)
print(abs(-5), abs(5), -(-5), +5, ~5, ~-1)
print(5 & 3, 5 | 3, 5 ^ 3, 1 << 10, 1024 >> 3, -16 >> 2)
print(divmod(17, 5), divmod(-17, 5), divmod(17, -5), divmod(-17, -5))
print(pow(2, 10), pow(3, 4, 5), pow(2, -1))
print(round(2.5), round(3.5), round(-2.5), round(1.23456, 2), round(1234, -2))
print(int("42"), int("-17"), int("  8  "), int("ff", 16), int("0b101", 0), int(3.99), int(-3.99))
print(max(3, 9, 2), min(3, 9, 2), sum([1, 2, 3, 4]), sum(range(101)))
print(True + True, True * 10, False - 1)
x = 10
x += 5; print(x)
x -= 3; print(x)
x *= 2; print(x)
x //= 5; print(x)
x %= 3; print(x)
x **= 5; print(x)
print(0 == 0.0, 1 == True, 2 > 1.5, -1 < -0.5)
print(17 % 5 == 2, -17 % 5, 17 % -5)
print(1_000_000 + 1, 0x1F, 0o17, 0b1010)
big = 2 ** 62
print(big, big - 1 + big)
