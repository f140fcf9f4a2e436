vals = [True, False]
specs = ['', 'd', '5', '>6', 'x', '.1f', '^7']
for v in vals:
    out = []
    for s in specs:
        try:
            out.append("[" + format(v, s) + "]")
        except (ValueError, TypeError) as e:
            out.append(type(e).__name__)
    print(repr(v), " ".join(out))
