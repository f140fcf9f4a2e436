import random
random.seed(42)
xs = [random.randint(1, 6) for _ in range(1000)]
print(len(xs), min(xs) >= 1, max(xs) <= 6, all(1 <= x <= 6 for x in xs))
f = [random.random() for _ in range(100)]
print(all(0 <= v < 1 for v in f))
u = random.uniform(5, 10)
print(5 <= u <= 10)
deck = list(range(20))
random.shuffle(deck)
print(sorted(deck) == list(range(20)), len(deck))
hand = random.sample(deck, 5)
print(len(hand), len(set(hand)), all(h in deck for h in hand))
pick = random.choice(["a", "b", "c"])
print(pick in ("a", "b", "c"))
r = random.randrange(0, 100, 5)
print(r % 5 == 0 and 0 <= r < 100)
c = random.choices(["x", "y"], k=10)
print(len(c), set(c) <= {"x", "y"})
try:
    random.choice([])
except IndexError as e:
    print("IndexError:", e)
try:
    random.randint(5, 1)
except ValueError:
    print("ValueError for empty range")
