employees = [
    {"name": "ann", "dept": "eng", "salary": 120},
    {"name": "bob", "dept": "ops", "salary": 90},
    {"name": "cid", "dept": "eng", "salary": 135},
    {"name": "dee", "dept": "sales", "salary": 70},
    {"name": "eve", "dept": "ops", "salary": 95},
]
by_dept = {}
for e in employees:
    by_dept.setdefault(e["dept"], []).append(e)
for dept, people in sorted(by_dept.items()):
    total = sum(p["salary"] for p in people)
    print(f"{dept:6} n={len(people)} total={total} avg={total / len(people):.1f} top={max(people, key=lambda p: p['salary'])['name']}")
raises = {e["name"]: round(e["salary"] * 1.05, 2) for e in employees if e["dept"] != "sales"}
print(raises)
print(sorted(employees, key=lambda e: (e["dept"], -e["salary"]))[0]["name"], len([e for e in employees if e["salary"] > 100]))
