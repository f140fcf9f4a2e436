# Dicts and strings: count words.
def main():
    words = ["alpha", "beta", "gamma", "delta", "eps"]
    counts = {}
    for i in range(1_000_000):
        w = words[i % 5]
        counts[w] = counts.get(w, 0) + 1
    return sorted(counts.items())


print(main())
