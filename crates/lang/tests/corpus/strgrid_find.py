strings = ["", "abc", "Hello World", "  padded  ", "a,b,,c", "MiXeD cAsE", "123", "12.5", "tab\tsep", "line1\nline2", "ünïcode", "aaa"]
for s in strings:
    out = []
    try:
        out.append(repr(s.find("a")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.rfind("a")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.count("a")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.find("l", 3)))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.count("")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.startswith("a")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.endswith("c")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.find("")))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.rfind("", 2)))
    except Exception as e:
        out.append(type(e).__name__)
    print(repr(s), '|', ' '.join(out))
