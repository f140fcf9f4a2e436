class A:
    def a(self):
        return self.b()
    def b(self):
        return self.c()
    def c(self):
        return {}["deep"]
A().a()
