results = []
for item in ["1", "2", "x", "4", None, "6"]:
    try:
        results.append(int(item))
    except ValueError as e:
        results.append(f"bad:{item}")
    except TypeError:
        results.append("none")
    finally:
        results.append("|")
print(results)
def parse_all(items):
    ok, bad = 0, 0
    for it in items:
        try:
            float(it)
        except ValueError:
            bad += 1
            continue
        else:
            ok += 1
    return ok, bad
print(parse_all(["1.5", "abc", "2", "", "3e4", "nan", "inf", "--1"]))
def retry(n):
    attempts = 0
    while True:
        attempts += 1
        try:
            if attempts < n:
                raise RuntimeError(f"attempt {attempts} failed")
            return f"succeeded after {attempts}"
        except RuntimeError as e:
            print("retrying:", e)
print(retry(3))
errors = {}
for k in range(10):
    try:
        v = 100 // (k % 4) + [1, 2, 3][k % 5]
    except ZeroDivisionError:
        errors["zero"] = errors.get("zero", 0) + 1
    except IndexError:
        errors["index"] = errors.get("index", 0) + 1
print(errors)
def nested_loops():
    found = []
    for i in range(3):
        for j in range(3):
            try:
                if i == j:
                    raise ValueError((i, j))
            except ValueError as e:
                found.append(e.args[0])
                break
    return found
print(nested_loops())
