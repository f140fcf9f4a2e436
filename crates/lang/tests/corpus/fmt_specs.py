n = 1234567.891
i = 1234567
print(f"{n:,}", f"{n:,.2f}", f"{n:.3e}", f"{n:10.1f}|", f"{n:<15.2f}|", f"{n:^15.2f}|")
print(f"{i:,}", f"{i:_}", f"{i:>12}", f"{i:<12}|", f"{i:^12}|", f"{i:012}", f"{i:+}", f"{-i:+}")
print(f"{255:x}", f"{255:X}", f"{255:#x}", f"{255:o}", f"{255:#o}", f"{255:b}", f"{255:#b}", f"{65:c}")
print(f"{0.5:%}", f"{0.125:.1%}", f"{3:.2f}", f"{2.5:g}", f"{1e20:g}", f"{1e-20:g}", f"{123.456:G}")
w = 8
p = 3
x = 3.14159265
print(f"{x:{w}.{p}f}|", f"{x:>{w}}|", f"{'ab':{w}}|", f"{'ab':*^{w}}|")
name = "Ada"
print(f"{name!r}", f"{name!s}", f"{name:>6}", f"{name:-<6}", f"{name=}", f"{x=:.2f}", f"{1+2=}")
print(f"{'{'}{{literal}}{'}'}")
items = [("apple", 1.5, 3), ("banana", 0.25, 12), ("cherry", 10.0, 1)]
for nm, price, qty in items:
    print(f"{nm:<10}{price:>8.2f}{qty:>5d}{price * qty:>10,.2f}")
print(format(1234.5, ",.1f"), format(42, "05d"), format("hi", "^6"), format(3.0, ""), format(7))
print(f"{True}", f"{None}", f"{[1, 2]}", f"{(1,)}", f"{ {'a': 1} }")
print(f"{-0.0}", f"{1e16}", f"{12:,}", f"{-1234:,}", f"{0:,}")
print(f"{1234.5678:,.0f}", f"{-5:05}", f"{5:<05}", f"{3.0:.0f}", f"{2.5:.0f}", f"{3.5:.0f}")
