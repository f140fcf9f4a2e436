class Venue:
    def __init__(self, seats):
        self.seats = seats
        self.bookings = []
    def book(self, who):
        if self.seats > 0:
            self.seats -= 1
            self.bookings.append(who)
            return True
        return False
v = Venue(10)
results = {}
for i in range(15):
    results[f"user{i:02d}"] = v.book(f"user{i:02d}")
print(v.seats, len(v.bookings), v.bookings[:3], v.bookings[-1])
print(sum(results.values()), [k for k, ok in results.items() if not ok])
refused = list(filter(lambda k: not results[k], results))
print(refused, len(refused))
