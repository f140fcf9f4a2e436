strings = ["", "abc", "Hello World", "  padded  ", "a,b,,c", "MiXeD cAsE", "123", "12.5", "tab\tsep", "line1\nline2", "ünïcode", "aaa"]
for s in strings:
    out = []
    try:
        out.append(repr(s.replace("a", "A")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.replace("", "-")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.replace("l", "", 1)))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.replace(" ", "_")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s * 2))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s[::-1]))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s[1:-1]))
    except Exception as e:
        out.append(type(e).__name__)
    print(repr(s), '|', ' '.join(out))
