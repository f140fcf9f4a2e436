vals = [0.0, -0.0, 3.14159, -2.5, 1234567.891, 1e-7, 1e21, 0.5]
specs = ['', 'f', '.0f', '.3f', '10.2f', '<10.1f', '^12.4e', 'e', 'E', 'g', '.3g', 'G', '%', '.1%', ',.2f', '+.2f', '08.3f', '_.1f', 'n']
for v in vals:
    out = []
    for s in specs:
        try:
            out.append("[" + format(v, s) + "]")
        except (ValueError, TypeError) as e:
            out.append(type(e).__name__)
    print(repr(v), " ".join(out))
