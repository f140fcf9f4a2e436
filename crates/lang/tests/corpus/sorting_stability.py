records = [("ann", 3), ("bob", 1), ("cid", 3), ("dee", 2), ("eve", 1), ("fay", 2), ("gus", 3)]
print(sorted(records, key=lambda r: r[1]))
print(sorted(records, key=lambda r: r[1], reverse=True))
print(sorted(records, key=lambda r: -r[1]))
by_name_desc = sorted(records, key=lambda r: r[0], reverse=True)
print(sorted(by_name_desc, key=lambda r: r[1]))
nums = [5, -3, 2, -2, 3, -5, 0, 1, -1]
print(sorted(nums, key=abs), sorted(nums, key=abs, reverse=True), sorted(nums, key=lambda v: v * v))
words = ["Banana", "apple", "cherry", "Apple", "banana", "date"]
print(sorted(words), sorted(words, key=str.lower), sorted(words, key=lambda w: (len(w), w)))
floats = [2.5, -1.0, 2.5, 0.0, -0.0, 10.25, 1e-3]
print(sorted(floats), sorted(floats, reverse=True))
mixed = [(1, "b"), (1, "a"), (0, "z"), (1, "a")]
mixed.sort()
print(mixed)
data = list(range(20))
data.sort(key=lambda v: v % 4)
print(data)
data.sort(key=lambda v: v % 3, reverse=True)
print(data)
print(sorted("hello world"), sorted({3: "c", 1: "a", 2: "b"}), sorted([[2, 1], [1, 2], [1]]))
