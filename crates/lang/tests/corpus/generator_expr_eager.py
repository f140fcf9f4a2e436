nums = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
print(sum(n * n for n in nums), max(n for n in nums if n % 2 == 0), min((n for n in nums), default=0))
print(any(n > 8 for n in nums), all(n > 0 for n in nums), sorted(set(n % 4 for n in nums)))
print(list(zip((n for n in nums), "abc")), dict((n, n * 2) for n in nums[:3]))
g = (c.upper() for c in "hey")
print(next(g), list(g), list(g))
print(", ".join(f"{i}:{n}" for i, n in enumerate(nums) if n > 4))
print(tuple(x for x in range(3)), set(x % 2 for x in range(5)), len([x for x in (y for y in range(10)) if x > 5]))
