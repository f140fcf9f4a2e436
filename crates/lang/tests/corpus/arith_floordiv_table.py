for a in range(-9, 10, 2):
    print(a, [a // b for b in (-4, -3, -2, -1, 1, 2, 3, 4)], [a % b for b in (-4, -3, -2, -1, 1, 2, 3, 4)])
for a in [-7.5, -2.0, -0.5, 0.5, 2.0, 7.5]:
    print(a, [a // b for b in (-2, -0.5, 0.5, 2)], [a % b for b in (-2, -0.5, 0.5, 2)])
print(-0.0 % 5, 0.0 % -5, -5 % 5, 5 % -5)
print([divmod(n, 7) for n in range(-10, 11, 5)])
