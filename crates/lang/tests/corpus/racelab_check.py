from racelab import check
balance = 100
check(balance >= 0, "balance non-negative")
for i in range(5):
    balance -= 30
    check(balance >= 0, "balance non-negative")
print("final", balance)
import racelab
racelab.check(True, "always")
print("done")
