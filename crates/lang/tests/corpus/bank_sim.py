class InsufficientFunds(Exception):
    pass
class Account:
    def __init__(self, owner, balance):
        self.owner = owner
        self.balance = balance
        self.history = []
    def withdraw(self, amount):
        if amount > self.balance:
            raise InsufficientFunds(f"{self.owner} has {self.balance}, needs {amount}")
        self.balance -= amount
        self.history.append(-amount)
    def deposit(self, amount):
        self.balance += amount
        self.history.append(amount)
    def __repr__(self):
        return f"<{self.owner}: {self.balance}>"
class Bank:
    def __init__(self, balances):
        self.accounts = [Account(f"acct{i}", b) for i, b in enumerate(balances)]
        self.total = sum(balances)
        self.failed = 0
    def transfer(self, src, dst, amount):
        a, b = self.accounts[src], self.accounts[dst]
        try:
            a.withdraw(amount)
        except InsufficientFunds:
            self.failed += 1
            return False
        b.deposit(amount)
        return True
    def audit(self):
        return sum(acc.balance for acc in self.accounts) == self.total
bank = Bank([5000, 10000, 7500, 7000, 6000, 9000])
state = 12345
def rand(n):
    global state
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n
ok = 0
audits = 0
for i in range(3000):
    src = rand(6)
    dst = rand(6)
    if src == dst:
        continue
    if bank.transfer(src, dst, rand(100) + 1):
        ok += 1
    if bank.audit():
        audits += 1
print(bank.accounts, ok, bank.failed, audits, bank.total)
print([len(a.history) for a in bank.accounts], sum(sum(a.history) for a in bank.accounts))
richest = max(bank.accounts, key=lambda a: a.balance)
print(richest, sorted(bank.accounts, key=lambda a: a.balance)[:2])
