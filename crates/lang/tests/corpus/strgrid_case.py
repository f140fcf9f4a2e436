strings = ["", "abc", "Hello World", "  padded  ", "a,b,,c", "MiXeD cAsE", "123", "12.5", "tab\tsep", "line1\nline2", "ünïcode", "aaa"]
for s in strings:
    out = []
    try:
        out.append(repr(s.upper()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.lower()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.title()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.capitalize()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.swapcase()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.casefold()))
    except Exception as e:
        out.append(type(e).__name__)
    print(repr(s), '|', ' '.join(out))
