strings = ["", "abc", "Hello World", "  padded  ", "a,b,,c", "MiXeD cAsE", "123", "12.5", "tab\tsep", "line1\nline2", "ünïcode", "aaa"]
for s in strings:
    out = []
    try:
        out.append(repr(s.center(15, "*")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.ljust(12, ".")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.rjust(12)))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.zfill(8)))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.center(4)))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.expandtabs(2)))
    except Exception as e:
        out.append(type(e).__name__)
    print(repr(s), '|', ' '.join(out))
