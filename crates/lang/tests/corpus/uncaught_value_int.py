print("parsing")
n = int("12a")
