class BankError(Exception):
    pass
class InsufficientFunds(BankError):
    def __init__(self, needed, available):
        super().__init__(f"need {needed}, have {available}")
        self.needed = needed
        self.available = available
class Frozen(BankError):
    def __str__(self):
        return "account is frozen!"
def withdraw(balance, amount, frozen=False):
    if frozen:
        raise Frozen("ignored")
    if amount > balance:
        raise InsufficientFunds(amount, balance)
    return balance - amount
for args in [(100, 30), (10, 50), (10, 5, True)]:
    try:
        print("ok", withdraw(*args))
    except InsufficientFunds as e:
        print("insufficient:", e, e.needed, e.available, e.args)
    except BankError as e:
        print("bank error:", type(e).__name__, e, repr(e.args))
class WithArgs(Exception):
    pass
try:
    raise WithArgs(1, 2, 3)
except WithArgs as e:
    print(e, e.args, len(e.args))
class NoInit(ValueError):
    def describe(self):
        return "described: " + str(self)
try:
    raise NoInit("bad value")
except ValueError as e:
    print(e.describe(), isinstance(e, NoInit), isinstance(e, ValueError))
def chain():
    try:
        1 / 0
    except ZeroDivisionError as e:
        raise BankError("wrapped") from e
try:
    chain()
except BankError as e:
    print(e, type(e.__cause__).__name__, e.__cause__)
def context():
    try:
        [][1]
    except IndexError:
        raise KeyError("during")
try:
    context()
except KeyError as e:
    print(repr(e), type(e.__context__).__name__)
