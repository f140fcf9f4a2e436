strings = ["", "abc", "Hello World", "  padded  ", "a,b,,c", "MiXeD cAsE", "123", "12.5", "tab\tsep", "line1\nline2", "ünïcode", "aaa"]
for s in strings:
    out = []
    try:
        out.append(repr(s.strip()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.lstrip()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.rstrip()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.strip("a")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.strip(" ab")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.rstrip("0123456789")))
    except Exception as e:
        out.append(type(e).__name__)
    print(repr(s), '|', ' '.join(out))
