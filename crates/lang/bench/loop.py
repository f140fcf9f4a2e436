# Loop-heavy: arithmetic on locals in a tight loop.
def main():
    total = 0
    for i in range(3_000_000):
        total += i * i % 7
    return total


print(main())
