class A:
    pass
result = None
print(result.value)
