vals = [0, 1, -3, 7, 2.5, -0.5, True, "ab", [1], (2,), None]
for a in vals:
    row = []
    for b in vals:
        try:
            row.append(repr(a << b))
        except Exception as e:
            row.append(type(e).__name__)
    print(repr(a), row)
