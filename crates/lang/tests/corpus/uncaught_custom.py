class InsufficientFunds(Exception):
    pass
def transfer(balance, amount):
    if amount > balance:
        raise InsufficientFunds(f"cannot move {amount}, only {balance}")
    return balance - amount
print(transfer(100, 30))
print(transfer(10, 30))
