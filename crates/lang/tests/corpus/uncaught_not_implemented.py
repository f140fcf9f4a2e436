class Shape:
    def area(self):
        raise NotImplementedError("area is abstract")
Shape().area()
