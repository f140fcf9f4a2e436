def main():
    total = 10
    for i in range(3):
        print("step", i, total / (2 - i))
main()
