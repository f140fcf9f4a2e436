def transfer(src, dst, amount):
    return amount
print(transfer(1, 2, 3))
transfer(1, 2)
