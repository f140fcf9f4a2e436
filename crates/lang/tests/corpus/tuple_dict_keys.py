grid = {}
for r in range(3):
    for c in range(3):
        grid[(r, c)] = r * 3 + c
print(grid[(1, 2)], grid[2, 0], len(grid), (1, 1) in grid, (5, 5) in grid)
print(sorted(grid.items())[:4])
neighbors = {}
for (r, c), v in grid.items():
    neighbors[v] = [grid[(r + dr, c + dc)] for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)) if (r + dr, c + dc) in grid]
print(neighbors)
pairs = {(a, b): a * b for a in range(1, 4) for b in range(a, 4)}
print(pairs)
visited = set()
stack = [(0, 0)]
while stack:
    cell = stack.pop()
    if cell in visited or cell not in grid:
        continue
    visited.add(cell)
    r, c = cell
    stack.extend([(r + 1, c), (r, c + 1)])
print(len(visited), sorted(visited))
print({(1, "a"): 1, (1, "b"): 2}[(1, "b")], hash((1, 2)) == hash((1, 2)))
