// A deadlock's wait-for cycle drawn as a small graph: threads (circles) and locks (boxes) on
// a ring, "waits for" arrows dashed from each thread to its lock, "held by" arrows solid
// from each lock to the thread holding it. Read clockwise, it is the story of the deadlock.

import { svgEl as node } from './format.js';

/** The point `r` away from `from`, towards `to`. */
function towards(from, to, r) {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const d = Math.hypot(dx, dy) || 1;
  return { x: from.x + (dx / d) * r, y: from.y + (dy / d) * r };
}

/** The cycle `cycle` ([{ thread, holds, waits_for }]) as an SVG figure. */
export function cycleGraph(cycle) {
  const nodes = cycle.flatMap((edge) => [
    { kind: 'thread', label: `thread ${edge.thread}`, short: `T${edge.thread}` },
    { kind: 'lock', label: edge.waits_for, short: edge.waits_for },
  ]);
  const lockWidth = Math.max(...nodes.filter((n) => n.kind === 'lock').map((n) => n.short.length)) * 7 + 16;
  const ring = nodes.length === 2 ? 70 : 60 + nodes.length * 12;
  const width = 2 * ring + lockWidth + 40;
  const height = 2 * ring + 70;
  const c = { x: width / 2, y: height / 2 };
  nodes.forEach((n, i) => {
    // Start at the left so that a one-thread cycle reads "thread -> lock" left to right.
    const a = Math.PI + (2 * Math.PI * i) / nodes.length;
    n.x = c.x + ring * Math.cos(a);
    n.y = c.y + ring * Math.sin(a);
    n.r = n.kind === 'thread' ? 24 : 16;
  });

  const svg = node('svg', {
    class: 'cycle-graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': `Wait-for cycle: ${cycle.map((e) => `thread ${e.thread} waits for ${e.waits_for}, held by the next`).join('; ')}`,
  });
  const defs = node('defs');
  for (const kind of ['waits', 'holds']) {
    const marker = node('marker', {
      id: `cycle-arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
    });
    marker.append(node('path', { d: 'M0,0 L10,5 L0,10 z', class: `arrowhead ${kind}` }));
    defs.append(marker);
  }
  svg.append(defs);

  nodes.forEach((from, i) => {
    const to = nodes[(i + 1) % nodes.length];
    const kind = from.kind === 'thread' ? 'waits' : 'holds';
    // Bend each arrow outwards so that the two arrows of a one-thread cycle do not overlap.
    const mid = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
    const out = towards(c, mid, 1);
    const bend = nodes.length === 2 ? 55 : 18;
    const ctrl = { x: mid.x + (out.x - c.x) * bend, y: mid.y + (out.y - c.y) * bend };
    const a = towards(from, ctrl, from.r + 2);
    const b = towards(to, ctrl, to.r + 4);
    svg.append(node('path', { d: `M${a.x},${a.y} Q${ctrl.x},${ctrl.y} ${b.x},${b.y}`, class: `arrow ${kind}`, 'marker-end': `url(#cycle-arrow-${kind})` }));
    const label = { x: (a.x + 2 * ctrl.x + b.x) / 4, y: (a.y + 2 * ctrl.y + b.y) / 4 };
    svg.append(node('text', { x: label.x, y: label.y, class: `arrow-label ${kind}`, 'text-anchor': 'middle' },
      kind === 'waits' ? 'waits for' : 'held by'));
  });

  for (const n of nodes) {
    const g = node('g', { class: `cycle-node ${n.kind}` });
    if (n.kind === 'thread') {
      g.append(node('circle', { cx: n.x, cy: n.y, r: n.r }));
    } else {
      g.append(node('rect', { x: n.x - lockWidth / 2, y: n.y - n.r, width: lockWidth, height: 2 * n.r, rx: 5 }));
    }
    g.append(node('text', { x: n.x, y: n.y + 4, 'text-anchor': 'middle' }, n.short));
    svg.append(g);
  }
  return svg;
}
