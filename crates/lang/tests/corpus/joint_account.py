def run(order):
    balance = 1000
    log = []
    for op in order:
        if op == "deposit":
            balance += 1000
            log.append(f"+1000 -> {balance}")
        else:
            balance -= 1200
            if balance < 0:
                balance -= 10
                log.append(f"-1200 overdraft fee -> {balance}")
            else:
                log.append(f"-1200 -> {balance}")
    return balance, log
for order in (["deposit", "withdraw"], ["withdraw", "deposit"]):
    final, log = run(order)
    print(order, final)
    for line in log:
        print("   ", line)
