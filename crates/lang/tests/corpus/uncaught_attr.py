class Account:
    def __init__(self):
        self.balance = 10
a = Account()
print(a.balance)
print(a.balanc)
