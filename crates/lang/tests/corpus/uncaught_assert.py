balance = 5
assert balance >= 0, "balance never negative"
balance -= 10
assert balance >= 0, f"balance went negative: {balance}"
