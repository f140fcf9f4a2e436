s = "abcdefg"
for a in (None, -2, 0, 2, 5):
    for b in (None, -1, 3, 10):
        for st in (None, 1, -1, 2, -3):
            print(repr(s[a:b:st]), end=" ")
        print()
