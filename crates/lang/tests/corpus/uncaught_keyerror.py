stock = {"apple": 3}
print(stock["apple"])
print(stock["pear"])
