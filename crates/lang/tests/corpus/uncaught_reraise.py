try:
    [].pop()
except IndexError:
    print("logging then re-raise")
    raise
