class A:
    def m(self, x):
        return x
print(A().m(1))
A().m(1, 2)
