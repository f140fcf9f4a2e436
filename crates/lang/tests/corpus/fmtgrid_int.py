vals = [0, 7, -42, 1234567, 255]
specs = ['', 'd', '5', '<5', '^7', '>+8', '08', ',', '_', 'x', '#X', 'o', 'b', '#b', 'e', '.2f', '%', '=+9', ' ']
for v in vals:
    out = []
    for s in specs:
        try:
            out.append("[" + format(v, s) + "]")
        except (ValueError, TypeError) as e:
            out.append(type(e).__name__)
    print(repr(v), " ".join(out))
