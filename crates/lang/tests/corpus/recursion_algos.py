def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print([fib(i) for i in range(20)])
def hanoi(n, a, b, c, moves):
    if n == 0:
        return
    hanoi(n - 1, a, c, b, moves)
    moves.append((a, c))
    hanoi(n - 1, b, a, c, moves)
m = []
hanoi(5, "A", "B", "C", m)
print(len(m), m[:5])
def perms(xs):
    if len(xs) <= 1:
        return [xs]
    out = []
    for i in range(len(xs)):
        for p in perms(xs[:i] + xs[i + 1:]):
            out.append([xs[i]] + p)
    return out
print(len(perms([1, 2, 3, 4])), perms([1, 2, 3]))
def gcd(a, b):
    return a if b == 0 else gcd(b, a % b)
print(gcd(1071, 462), gcd(17, 5), gcd(100, 75))
def flatten(x):
    if isinstance(x, list):
        out = []
        for y in x:
            out.extend(flatten(y))
        return out
    return [x]
print(flatten([1, [2, [3, [4, [5]]]], 6]))
def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))
print(ackermann(2, 3))
def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)
print(depth(500))
memo = {}
def ways(n):
    if n in memo:
        return memo[n]
    r = 1 if n <= 1 else ways(n - 1) + ways(n - 2)
    memo[n] = r
    return r
print(ways(80))
def binsearch(xs, t, lo, hi):
    if lo > hi:
        return -1
    mid = (lo + hi) // 2
    if xs[mid] == t:
        return mid
    if xs[mid] < t:
        return binsearch(xs, t, mid + 1, hi)
    return binsearch(xs, t, lo, mid - 1)
data = list(range(0, 200, 3))
print([binsearch(data, t, 0, len(data) - 1) for t in (0, 3, 99, 100, 198, 199)])
def msort(xs):
    if len(xs) < 2:
        return xs
    mid = len(xs) // 2
    a, b = msort(xs[:mid]), msort(xs[mid:])
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            out.append(a[i]); i += 1
        else:
            out.append(b[j]); j += 1
    return out + a[i:] + b[j:]
print(msort([5, 3, 9, 1, 5, 0, -2, 8, 7]))
try:
    def forever(n):
        return forever(n + 1)
    forever(0)
except RecursionError as e:
    print("RecursionError:", e)
