parts = []
for i in range(10):
    parts.append(str(i) * (i % 3 + 1))
s = ",".join(parts)
print(s, len(s))
print(s.split(",")[::3], s.count("1"), s.replace(",", ""))
words = "the quick brown fox jumps over the lazy dog".split()
print(len(words), sorted(words), sorted(set(words)))
print(" ".join(w.capitalize() for w in words))
print(" ".join(reversed(words)), words[::-1] == list(reversed(words)))
freq = {}
for w in words:
    freq[w] = freq.get(w, 0) + 1
print(freq)
acro = "".join(w[0].upper() for w in words)
print(acro)
text = ""
for i in range(5):
    text += f"<{i}>"
print(text)
csv = "name,qty\nfoo,3\nbar,10\n"
lines = csv.strip().splitlines()
header, *body = lines
print(header.split(","), [ln.split(",") for ln in body])
print(sum(int(ln.split(",")[1]) for ln in body))
print("a" + "b" * 3 + "c", "=" * 20)
print("Hello"[0], "Hello"[-1], "Hello"[1:-1], "Hello"[10:], "Hello"[-10:2])
pal = "A man a plan a canal Panama".replace(" ", "").lower()
print(pal == pal[::-1], pal)
