class Oops(Exception):
    def __str__(self):
        return "custom message here"
raise Oops()
