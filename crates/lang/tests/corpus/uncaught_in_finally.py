try:
    print("body")
finally:
    print("finally runs")
    raise ValueError("from finally")
