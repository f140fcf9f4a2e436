vals = [0, 1, -1, 0.0, 1.0, -0.5, True, False, 2 ** 53, 2.0 ** 53, 3]
for a in vals:
    print(a, [a == b for b in vals].count(True), [a < b for b in vals].count(True), [a >= b for b in vals].count(True))
print(1 < 2 < 3, 3 > 2 > 1, 1 < 3 < 2, 1 == 1.0 == True, 0 < 0.5 <= 1)
x = 5
print(0 <= x < 10, 0 <= x < 5, x == 5 != 6, 1 < x > 3)
print(None is None, None == None, None != 0, 1 is not None, [] is not [])
print(max([1, 2.5, 2]), min([-1, -1.5]), sorted([3, 1.5, 2, -0.5, True]))
print(float("inf") > 10 ** 18, float("-inf") < -10 ** 18, float("nan") == float("nan"))
