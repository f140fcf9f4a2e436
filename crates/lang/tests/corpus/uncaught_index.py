seats = [1, 2, 3]
i = 0
while True:
    print(seats[i])
    i += 1
