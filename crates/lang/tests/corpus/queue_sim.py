class Customer:
    def __init__(self, name, arrival, service):
        self.name, self.arrival, self.service = name, arrival, service
    def __repr__(self):
        return self.name
customers = [Customer(f"c{i}", i * 3 % 11, 2 + i % 4) for i in range(8)]
customers.sort(key=lambda c: c.arrival)
print(customers, [c.arrival for c in customers])
clock = 0
waits = []
queue = []
served = []
i = 0
while i < len(customers) or queue:
    while i < len(customers) and customers[i].arrival <= clock:
        queue.append(customers[i])
        i += 1
    if queue:
        c = queue.pop(0)
        waits.append(clock - c.arrival)
        clock += c.service
        served.append((c.name, clock))
    else:
        clock = customers[i].arrival
print(served)
print(waits, sum(waits) / len(waits), max(waits))
