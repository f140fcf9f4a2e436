xs = list(range(8))
idx = [None, -9, -3, -1, 0, 1, 3, 7, 9]
steps = [None, 1, 2, -1, -2, 3]
for st in steps:
    for a in idx:
        row = []
        for b in idx:
            row.append("".join(str(v) for v in xs[a:b:st]))
        print(st, a, row)
