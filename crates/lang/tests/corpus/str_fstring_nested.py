data = {"name": "Widget", "price": 19.99, "tags": ["a", "b"]}
print(f"{data['name']} costs ${data['price']:.2f} with {len(data['tags'])} tags")
print(f"{'-'.join(data['tags'])} | {data['tags'][0].upper()}")
width = 12
for label, val in [("alpha", 1), ("beta", 22.5), ("gamma", -3)]:
    print(f"{label:.<{width}}{val:>8}")
print(f"{3 + 4}", f"{'nested ' + f'{1 + 1}'}", f"{[x * x for x in range(4)]}")
print(f"{10:#06x}", f"{-10:#x}", f"{1000000:,d}", f"{0.000123:.2e}", f"{1.0:g}", f"{100:e}")
val = 3.14159
prec = 2
print(f"{val:.{prec}f}", f"{val:{width}.{prec}f}|", f"{val!r:>20}")
print(f"{'left':<8}|{'mid':^8}|{'right':>8}|")
print(f"{42=}", f"{val = :.1f}", f"{data['name'] = }")
items = ["x", "y"]
print(f"{items!s}", f"{items!r}", f"{'quote'!r}", f"{'é'!a}")
print(f"{True:>6}", f"{None!s:>6}", f"{12.5:08.2f}", f"{-12.5:+08.2f}")
n = 5
print(f"{n} squared is {n * n}, {'even' if n % 2 == 0 else 'odd'}")
print(f"{{braces}} and {n}", f"{n:{'>'}{10}}")
