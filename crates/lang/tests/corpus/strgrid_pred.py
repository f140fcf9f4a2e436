strings = ["", "abc", "Hello World", "  padded  ", "a,b,,c", "MiXeD cAsE", "123", "12.5", "tab\tsep", "line1\nline2", "ünïcode", "aaa"]
for s in strings:
    out = []
    try:
        out.append(repr(s.isdigit()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.isalpha()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.isalnum()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.isspace()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.isupper()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.islower()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.istitle()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.isdecimal()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.isnumeric()))
    except Exception as e:
        out.append(type(e).__name__)
    try:
        out.append(repr(s.isidentifier()))
    except Exception as e:
        out.append(type(e).__name__)
    print(repr(s), '|', ' '.join(out))
