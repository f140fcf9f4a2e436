arrivals = [(0, "alice"), (2, "bob"), (3, "carol"), (7, "dan"), (8, "erin")]
queue = []
served = []
t = 0
agent_busy_until = 0
i = 0
while len(served) < len(arrivals):
    while i < len(arrivals) and arrivals[i][0] <= t:
        queue.append(arrivals[i][1])
        print(f"t={t}: {arrivals[i][1]} arrives, queue={queue}")
        i += 1
    if queue and t >= agent_busy_until:
        c = queue.pop(0)
        agent_busy_until = t + 2
        served.append((c, t))
        print(f"t={t}: serving {c}")
    t += 1
print(served, [c for c, _ in served] == [n for _, n in arrivals])
