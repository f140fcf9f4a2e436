x = 10
squares = [x * x for x in range(5)]
print(x, squares)
y = 3
adds = [y + i for i in range(3)]
print(adds)
def f():
    k = 2
    return [k * i for i in range(4)], {i: k for i in range(2)}, {k + i for i in range(3)}
print(f())
class C:
    factor = 3
    values = [1, 2, 3]
    doubled = [v * 2 for v in values]
print(C.doubled)
pairs = [(i, j) for i in range(3) for j in range(i, 3) if (i + j) % 2 == 0]
print(pairs)
nested = [[(r, c) for c in range(2)] for r in range(2)]
print(nested)
funcs = [(lambda i=i: i * 10) for i in range(3)]
print([fn() for fn in funcs])
total = sum(v for v in range(10) if v % 3 == 0)
print(total, list(v for v in "abc"), tuple(i * i for i in range(4)))
gen_in_call = ",".join(str(i) for i in range(5))
print(gen_in_call)
