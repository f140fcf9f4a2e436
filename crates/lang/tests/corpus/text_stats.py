text = """It was the best of times, it was the worst of times,
it was the age of wisdom, it was the age of foolishness,
it was the epoch of belief, it was the epoch of incredulity."""
lines = text.splitlines()
words = [w.strip(",.").lower() for w in text.split()]
print(len(lines), len(words), len(set(words)))
freq = {}
for w in words:
    freq[w] = freq.get(w, 0) + 1
top = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
print(top)
print(max(words, key=len), min(words, key=len), sorted(set(len(w) for w in words)))
print([ln[:12] for ln in lines], [len(ln) for ln in lines])
caps = " ".join(w.capitalize() for w in words[:6])
print(caps)
vowels = sum(1 for ch in text.lower() if ch in "aeiou")
print(vowels, text.count("it was"), text.lower().count("it was"), text.find("worst"), text.rfind("epoch"))
print(text.replace("\n", " | ")[:70])
