def classify(n):
    if n < 0:
        return "negative"
    elif n == 0:
        return "zero"
    elif n < 10:
        return "small"
    elif n < 100:
        return "medium"
    else:
        return "large"
print([classify(n) for n in (-5, 0, 3, 42, 1000)])
x = 7
print("odd" if x % 2 else "even", "big" if x > 5 else "small" if x > 2 else "tiny")
print(x > 5 and "yes", x > 50 and "yes", x > 50 or "fallback", 0 or None or "last", 1 and 2 and 3)
print(not x, not 0, not "", not [1], [] or {} or 0)
def side(v, log):
    log.append(v)
    return v
log = []
r = side(0, log) and side(1, log)
print(r, log)
log = []
r = side(1, log) or side(2, log)
print(r, log)
log = []
print(side(1, log) < side(2, log) < side(3, log), log)
log = []
print(side(3, log) < side(2, log) < side(5, log), log)
total = 0
n = 0
while n < 100:
    n += 1
    if n % 3 == 0 or n % 5 == 0:
        total += n
print(total)
matrix = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
found = None
for r, row in enumerate(matrix):
    for c, val in enumerate(row):
        if val == 6:
            found = (r, c)
print(found)
if found and found[0] == 1:
    print("row 1")
if not None:
    print("None is falsy")
