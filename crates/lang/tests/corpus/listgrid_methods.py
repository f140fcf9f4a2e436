base = [3, 1, 4, 1, 5, 9, 2, 6]
ops = [
    ("append", lambda l: l.append(0)),
    ("extend", lambda l: l.extend([7, 7])),
    ("insert0", lambda l: l.insert(0, -1)),
    ("insert_neg", lambda l: l.insert(-2, 99)),
    ("pop", lambda l: l.pop()),
    ("pop2", lambda l: l.pop(2)),
    ("remove1", lambda l: l.remove(1)),
    ("sort", lambda l: l.sort()),
    ("sortrev", lambda l: l.sort(reverse=True)),
    ("sortkey", lambda l: l.sort(key=lambda v: (v % 3, v))),
    ("reverse", lambda l: l.reverse()),
    ("clear", lambda l: l.clear()),
    ("index5", lambda l: l.index(5)),
    ("count1", lambda l: l.count(1)),
    ("copy", lambda l: l.copy()),
    ("del_slice", lambda l: l.__class__),
]
for name, op in ops:
    l = list(base)
    r = op(l)
    print(f"{name:10}", r if not isinstance(r, type) else r.__name__, l)
l = list(base)
l += [1]
l *= 2
print(l, len(l), l.count(1))
