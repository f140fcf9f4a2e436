records = "alice:30:london;bob:25:paris;carol:41:berlin;dave:x:rome"
people = []
for rec in records.split(";"):
    name, age, city = rec.split(":")
    try:
        people.append((name.title(), int(age), city.upper()))
    except ValueError:
        print("bad age for", name, repr(age))
print(people)
print(sorted(people, key=lambda p: p[1]), sum(p[1] for p in people) / len(people))
kv = "a=1, b=2,c = 3 ,d=4"
pairs = dict((k.strip(), int(v)) for k, v in (item.split("=") for item in kv.split(",")))
print(pairs)
path = "/usr/local/lib/python3.11/site.py"
parts = path.strip("/").split("/")
print(parts, parts[-1].rsplit(".", 1), "/".join(parts[:2]))
print(path.startswith("/usr"), path.endswith(".py"), path.count("/"), path.partition("lib"))
csv = "id,name,score\n1,ann,90\n2,ben,75\n3,cy,82"
rows = [r.split(",") for r in csv.split("\n")]
header, data = rows[0], rows[1:]
table = [dict(zip(header, r)) for r in data]
print(table)
print(max(table, key=lambda r: int(r["score"]))["name"], [r["name"].upper() for r in table])
