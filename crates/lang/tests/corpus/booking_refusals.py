class SoldOut(Exception):
    pass
class Show:
    def __init__(self, title, seats):
        self.title = title
        self.free = list(range(1, seats + 1))
        self.sold = {}
    def book(self, who, n=1):
        if n > len(self.free):
            raise SoldOut(f"{self.title}: only {len(self.free)} left, {who} wanted {n}")
        got = [self.free.pop(0) for _ in range(n)]
        self.sold[who] = self.sold.get(who, []) + got
        return got
show = Show("Hamlet", 10)
requests = [("ann", 2), ("bob", 3), ("cy", 1), ("dee", 4), ("eli", 1), ("fay", 2)]
for who, n in requests:
    try:
        print(who, "got", show.book(who, n))
    except SoldOut as e:
        print("refused:", e)
print(show.free, show.sold, sum(len(v) for v in show.sold.values()))
