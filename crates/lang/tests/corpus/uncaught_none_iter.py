def get():
    return None
for x in get():
    print(x)
