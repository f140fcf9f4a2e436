class BankError(Exception):
    pass
class Overdraft(BankError):
    pass
try:
    raise Overdraft("-5")
except ValueError:
    print("not this")
