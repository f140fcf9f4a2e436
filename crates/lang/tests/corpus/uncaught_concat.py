name = "n"
count = 3
print(name + count)
