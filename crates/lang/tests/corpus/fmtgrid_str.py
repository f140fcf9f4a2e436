vals = ["", "a", "hello", "naïve", "  sp "]
specs = ['', 's', '10', '<10', '>10', '^10', '*^9', '-<6', '.2', '10.3', '=^5']
for v in vals:
    out = []
    for s in specs:
        try:
            out.append("[" + format(v, s) + "]")
        except (ValueError, TypeError) as e:
            out.append(type(e).__name__)
    print(repr(v), " ".join(out))
