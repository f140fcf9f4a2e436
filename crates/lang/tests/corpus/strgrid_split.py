strings = ["", "abc", "Hello World", "  padded  ", "a,b,,c", "MiXeD cAsE", "123", "12.5", "tab\tsep", "line1\nline2", "ünïcode", "aaa"]
for s in strings:
    out = []
    try:
        out.append(repr(s.split()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.split(",")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.split("a")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.rsplit(None, 1)))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.split(" ", 1)))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.splitlines()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.partition(" ")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.rpartition("a")))
    except Exception as e:
        out.append(type(e).__name__)
    print(repr(s), '|', ' '.join(out))
