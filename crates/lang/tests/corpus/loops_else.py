for n in range(2, 30):
    for d in range(2, n):
        if n % d == 0:
            print(n, "=", d, "*", n // d)
            break
    else:
        print(n, "is prime")
i = 0
while i < 5:
    i += 1
    if i == 3:
        continue
    print("i", i)
else:
    print("while done", i)
while True:
    i -= 1
    if i < 2:
        break
else:
    print("never")
print("end", i)
for x in []:
    print("no")
else:
    print("empty for-else")
count = 0
for a in range(4):
    for b in range(4):
        if b > a:
            break
        if (a + b) % 2:
            continue
        count += 1
print(count)
