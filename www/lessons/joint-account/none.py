# A joint account: two people use it at the same moment at two ATMs, one paying in, the
# other taking out. Each reads the balance, processes, then writes the new one: if both
# read before either writes, the second write wipes out the first.
import random
import threading
import time

from racelab import check

BALANCE = 1000  # in the account at the start
DEPOSIT = 1000  # what one person pays in
WITHDRAWAL = 1200  # what the other takes out at another ATM
FEE = 10  # overdraft fee, when a withdrawal leaves the account below zero
DELAY_MS = 5  # between reading the balance and writing the new one
JITTER_MS = 3  # each person reaches the ATM after a random wait of up to this long

balance = BALANCE
order = []  # which transaction wrote first


def after_withdrawal(b):
    b -= WITHDRAWAL
    if b < 0:
        b -= FEE
    return b


def deposit(amount):
    global balance
    time.sleep(random.uniform(0, JITTER_MS / 1000))
    b = balance
    time.sleep(DELAY_MS / 1000)  # processing
    balance = b + amount
    order.append("deposit")


def withdraw(amount):
    global balance
    time.sleep(random.uniform(0, JITTER_MS / 1000))
    b = balance
    time.sleep(DELAY_MS / 1000)
    b -= amount
    if b < 0:
        b -= FEE  # overdraft fee
    balance = b
    order.append("withdrawal")


people = [
    threading.Thread(target=deposit, args=(DEPOSIT,)),
    threading.Thread(target=withdraw, args=(WITHDRAWAL,)),
]
for p in people:
    p.start()
for p in people:
    p.join()
serial_outcomes = [after_withdrawal(BALANCE + DEPOSIT), after_withdrawal(BALANCE) + DEPOSIT]
check(balance in serial_outcomes, "the balance is a serial outcome")
print(f"balance {balance:,} (serially {serial_outcomes[0]:,} or {serial_outcomes[1]:,})")
