class Config:
    defaults = {"debug": False, "level": 1}
    names = []
    def __init__(self, **overrides):
        self.values = dict(Config.defaults)
        self.values.update(overrides)
        Config.names.append(overrides.get("name", "anon"))
    def get(self, k):
        return self.values.get(k)
c1 = Config(name="first", level=3)
c2 = Config(debug=True)
print(c1.values, c2.values, Config.names, c1.names is c2.names)
print(c1.get("level"), c2.get("debug"), c1.get("missing"))
class Node:
    def __init__(self, val, next=None):
        self.val = val
        self.next = next
def build(n):
    head = None
    for i in range(n, 0, -1):
        head = Node(i, head)
    return head
def to_list(node):
    out = []
    while node is not None:
        out.append(node.val)
        node = node.next
    return out
h = build(6)
print(to_list(h))
def reverse(node):
    prev = None
    while node:
        node.next, prev, node = prev, node, node.next
    return prev
print(to_list(reverse(h)))
class Tree:
    def __init__(self):
        self.root = None
    def insert(self, v):
        def ins(node, v):
            if node is None:
                return {"v": v, "l": None, "r": None}
            if v < node["v"]:
                node["l"] = ins(node["l"], v)
            else:
                node["r"] = ins(node["r"], v)
            return node
        self.root = ins(self.root, v)
    def inorder(self):
        out = []
        def walk(n):
            if n:
                walk(n["l"])
                out.append(n["v"])
                walk(n["r"])
        walk(self.root)
        return out
t = Tree()
for v in [50, 30, 70, 20, 40, 60, 80, 35]:
    t.insert(v)
print(t.inorder())
class Counter:
    total = 0
    def hit(self):
        self.total += 1
        return self.total
a, b = Counter(), Counter()
print(a.hit(), a.hit(), b.hit(), Counter.total, a.total, b.total)
print("ok", type(a).__name__, a.__class__.__name__, a.__dict__)
