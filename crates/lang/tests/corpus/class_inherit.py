class Animal:
    sound = "..."
    def __init__(self, name):
        self.name = name
    def speak(self):
        return f"{self.name} says {self.sound}"
    def kind(self):
        return "animal"
class Dog(Animal):
    sound = "woof"
    def __init__(self, name, tricks=None):
        super().__init__(name)
        self.tricks = tricks or []
    def kind(self):
        return "dog, " + super().kind()
class Puppy(Dog):
    def speak(self):
        return super().speak() + "!"
for a in [Animal("generic"), Dog("rex", ["sit"]), Puppy("bit")]:
    print(a.speak(), "|", a.kind(), "|", type(a).__name__)
p = Puppy("pip")
print(isinstance(p, Dog), isinstance(p, Animal), isinstance(p, Puppy), issubclass(Puppy, Animal), issubclass(Animal, Dog))
print(p.tricks, Dog.sound, Puppy.sound, Animal.sound)
print(Puppy.__name__, Puppy.__bases__[0].__name__, [c.__name__ for c in Puppy.__mro__])
class Base:
    def __init__(self):
        self.log = ["base"]
class Mid(Base):
    def __init__(self):
        super().__init__()
        self.log.append("mid")
class Leaf(Mid):
    def __init__(self):
        super(Leaf, self).__init__()
        self.log.append("leaf")
print(Leaf().log)
class Shape:
    def area(self):
        raise NotImplementedError("subclass must implement")
    def describe(self):
        return f"{type(self).__name__} with area {self.area():.2f}"
class Circle(Shape):
    def __init__(self, r):
        self.r = r
    def area(self):
        return 3.14159 * self.r ** 2
class Square(Shape):
    def __init__(self, s):
        self.s = s
    def area(self):
        return self.s * self.s
for s in [Circle(1), Square(3)]:
    print(s.describe())
try:
    Shape().describe()
except NotImplementedError as e:
    print("NotImplementedError:", e)
class Counter:
    instances = 0
    def __init__(self):
        Counter.instances += 1
        self.id = Counter.instances
c1, c2, c3 = Counter(), Counter(), Counter()
print(c1.id, c2.id, c3.id, Counter.instances)
