from datetime import datetime
import datetime as dt
start = datetime.now()
total = sum(range(10000))
end = dt.datetime.now()
delta = end - start
print(total, delta.total_seconds() >= 0, type(delta).__name__, type(start).__name__)
d = dt.timedelta(seconds=90)
print(d, d.total_seconds(), d.seconds, d.days, dt.timedelta(days=1, hours=2), dt.timedelta(minutes=1) * 3)
print(dt.timedelta(milliseconds=1500), dt.timedelta(hours=25), dt.timedelta(0))
x = datetime(2024, 3, 15, 12, 30, 45)
print(x, x.year, x.month, x.day, x.hour, x.minute, x.second)
y = x + dt.timedelta(days=20)
print(y, y - x, (y - x).days, x < y)
print(repr(d), repr(dt.timedelta(days=2, seconds=5)))
