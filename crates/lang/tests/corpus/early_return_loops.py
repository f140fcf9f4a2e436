def find_first(items, pred):
    for i, x in enumerate(items):
        if pred(x):
            return i, x
    return None
print(find_first([1, 3, 8, 5], lambda v: v % 2 == 0), find_first([], bool), find_first("abc", str.isupper))
def nested_search(grid, target):
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if v == target:
                return r, c
    return -1, -1
g = [[1, 2], [3, 4], [5, 6]]
print(nested_search(g, 4), nested_search(g, 7))
def first_dup(xs):
    seen = set()
    for x in xs:
        if x in seen:
            return x
        seen.add(x)
print(first_dup([1, 2, 3, 2, 1]), first_dup([1, 2]))
def loop_with_else(xs):
    for x in xs:
        if x < 0:
            break
    else:
        return "no negatives"
    return f"negative: {x}"
print(loop_with_else([1, 2]), loop_with_else([1, -3, 2]))
