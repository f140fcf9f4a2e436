big = 10.0 ** 300
print(big)
print(big ** 2)
