# Objects: a method call and an attribute update per iteration, as the bank lesson does.
class Account:
    def __init__(self, balance):
        self.balance = balance

    def deposit(self, amount):
        self.balance += amount
        return self.balance


def main():
    a = Account(0)
    for i in range(1_000_000):
        a.deposit(i % 10)
    return a.balance


print(main())
