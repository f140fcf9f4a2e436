// Small SVG charts for batches of runs: a histogram, horizontal bars, a labelled scatter.
//
// Each returns a <figure> with a caption and a text equivalent (the SVG is aria-hidden; a
// visually hidden list or the caption carries the numbers), drawn with classes from
// style.css so that light and dark themes both apply.

import { el, svgEl as svg } from './format.js';

function figure(caption, note, chart, text, attrs = {}) {
  chart.setAttribute('aria-hidden', 'true');
  return el('figure', { class: 'chart', ...attrs },
    el('figcaption', {}, caption, note ? [' ', el('span', { class: 'chart-note' }, note)] : null),
    chart,
    el('p', { class: 'visually-hidden' }, text));
}

/** "Nice" tick step for a range: 1, 2 or 5 times a power of ten. */
function step(range, ticks = 5) {
  const raw = range / ticks || 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
}

/**
 * A histogram of `values`: one bar per value when there are few distinct ones (a final
 * total, seats left), otherwise about 20 equal bins. `format` prints a value; `bad(v)` marks
 * bars of values that break the invariant.
 */
export function histogram(values, { caption, note = '', format = String, bad = () => false, attrs = {} }) {
  const W = 320, H = 140, left = 8, bottom = 28, top = 14;
  const chart = svg('svg', { class: 'chart histogram', viewBox: `0 0 ${W} ${H}` });
  if (!values.length) return figure(caption, note, chart, 'No runs yet.', attrs);
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  let bins;
  if (distinct.length <= 24) {
    bins = distinct.map((v) => ({ lo: v, hi: v, n: values.filter((x) => x === v).length }));
  } else {
    const lo = distinct[0], hi = distinct.at(-1);
    const width = (hi - lo) / 20;
    bins = Array.from({ length: 20 }, (_, i) => ({ lo: lo + i * width, hi: lo + (i + 1) * width, n: 0 }));
    for (const v of values) bins[Math.min(19, Math.floor((v - lo) / width))].n += 1;
  }
  const most = Math.max(...bins.map((b) => b.n));
  const bw = (W - 2 * left) / bins.length;
  bins.forEach((b, i) => {
    const h = ((H - bottom - top) * b.n) / most;
    const x = left + i * bw;
    const isBad = bad(b.lo) && bad(b.hi);
    chart.append(svg('rect', {
      class: `bar${isBad ? ' bad' : ''}`, x: x + 1, y: H - bottom - h, width: Math.max(1, bw - 2), height: h,
    }, null));
    if (b.n && (bins.length <= 12 || b.n === most)) {
      chart.append(svg('text', { x: x + bw / 2, y: H - bottom - h - 3, 'text-anchor': 'middle' }, String(b.n)));
    }
  });
  chart.append(svg('line', { class: 'axis', x1: left, x2: W - left, y1: H - bottom, y2: H - bottom }));
  const label = (b) => (b.lo === b.hi ? format(b.lo) : `${format(b.lo)}–${format(b.hi)}`);
  const shown = bins.length <= 6 ? bins.map((_, i) => i) : [0, Math.floor(bins.length / 2), bins.length - 1];
  for (const i of shown) {
    const b = bins[i];
    chart.append(svg('text', { x: left + i * bw + bw / 2, y: H - bottom + 14, 'text-anchor': 'middle' },
      b.lo === b.hi ? format(b.lo) : format((b.lo + b.hi) / 2)));
  }
  const text = bins.filter((b) => b.n).map((b) => `${label(b)}: ${b.n} run${b.n === 1 ? '' : 's'}`).join('; ');
  return figure(caption, note, chart, text, attrs);
}

/** Horizontal bars: `items` = [{ label, value, max, bad }], each bar `value` of `max`. */
export function bars(items, { caption, note = '', attrs = {} }) {
  const W = 320, row = 24, labelW = 150;
  const H = row * items.length + 6;
  const chart = svg('svg', { class: 'chart bars', viewBox: `0 0 ${W} ${H}` });
  items.forEach((it, i) => {
    const y = 4 + i * row;
    const w = it.max ? ((W - labelW - 60) * it.value) / it.max : 0;
    chart.append(
      svg('text', { class: 'label', x: 0, y: y + 14 }, it.label.length > 24 ? `${it.label.slice(0, 23)}…` : it.label),
      svg('rect', { class: `bar${it.bad ? ' bad' : ''}`, x: labelW, y: y + 3, width: Math.max(it.value ? 2 : 0, w), height: row - 10 }),
      svg('text', { x: labelW + w + 5, y: y + 14 }, `${it.value} of ${it.max}`),
    );
  });
  const text = items.map((it) => `${it.label}: ${it.value} of ${it.max}`).join('; ');
  return figure(caption, note, chart, text, attrs);
}

/** About how wide a label is, in the chart's units (11px semibold system-ui), a bit over. */
const labelWidth = (text) => text.length * 6.8;

/**
 * Where each point's label goes: beside its dot, right or left, at the dot's height or
 * lines above or below it, the nearest place that stays inside `area` (above the x axis's
 * numbers, inside the chart) and clear of the dots and the labels placed before it.
 * Failing that (a chart too crowded for its labels), the nearest place inside `area`.
 */
function placeLabels(dots, area) {
  const boxes = dots.map((d) => ({ x0: d.x - 7, x1: d.x + 7, y0: d.y - 7, y1: d.y + 7 }));
  const overlaps = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
  // Baselines by distance from the dot: beside it, then a line further up or down each time.
  const rows = [-6, 14];
  for (let k = 1; k < 20; k++) rows.push(-6 - 12 * k, 14 + 12 * k);
  return dots.map((d, i) => {
    const w = labelWidth(d.text);
    const tries = rows.flatMap((dy) => [[9, dy, 'start'], [-9, dy, 'end']]).map(([dx, dy, anchor]) => {
      const x = d.x + dx, y = d.y + dy;
      const x0 = anchor === 'start' ? x : x - w;
      // A line of text reaches about 12 above its baseline and 3 below.
      return { x, y, anchor, text: d.text, box: { x0, x1: x0 + w, y0: y - 12, y1: y + 3 } };
    });
    const inside = tries.filter(({ box }) => box.x0 >= area.x0 && box.x1 <= area.x1 && box.y0 >= area.y0 && box.y1 <= area.y1);
    const others = boxes.filter((_, j) => j !== i);
    const pick = inside.find(({ box }) => !others.some((b) => overlaps(box, b))) ?? inside[0] ?? tries[0];
    boxes.push(pick.box);
    return pick;
  });
}

/**
 * A scatter of labelled points: x and y in their own units (`xFormat`, `yFormat` print
 * them). `kind` on a point picks its class (`bad`, `deadlock`, or ok).
 */
export function scatter(points, { caption, note = '', xLabel, yLabel, xFormat = String, yFormat = String, yMax = 100, attrs = {} }) {
  const W = 440, H = 240, left = 44, right = 16, top = 16, bottom = 36;
  const chart = svg('svg', { class: 'chart scatter', viewBox: `0 0 ${W} ${H}` });
  const xMax = Math.max(...points.map((p) => p.x), 1e-9) * 1.15;
  const X = (x) => left + ((W - left - right) * x) / xMax;
  const Y = (y) => H - bottom - ((H - top - bottom) * y) / yMax;
  chart.append(
    svg('line', { class: 'axis', x1: left, x2: W - right, y1: H - bottom, y2: H - bottom }),
    svg('line', { class: 'axis', x1: left, x2: left, y1: top, y2: H - bottom }),
    svg('text', { x: (left + W - right) / 2, y: H - 4, 'text-anchor': 'middle' }, xLabel),
    svg('text', { x: 10, y: (top + H - bottom) / 2, 'text-anchor': 'middle', transform: `rotate(-90 10 ${(top + H - bottom) / 2})` }, yLabel),
  );
  const xs = step(xMax);
  for (let x = 0; x <= xMax; x += xs) {
    chart.append(svg('text', { x: X(x), y: H - bottom + 14, 'text-anchor': 'middle' }, xFormat(x)));
  }
  for (const y of [0, yMax / 2, yMax]) {
    chart.append(svg('text', { x: left - 6, y: Y(y) + 4, 'text-anchor': 'end' }, yFormat(y)));
  }
  const dots = points.map((p) => ({ x: X(p.x), y: Y(p.y), text: p.label }));
  const labels = placeLabels(dots, { x0: left + 2, x1: W - 2, y0: 2, y1: H - bottom - 2 });
  // A label pushed away from its dot (a crowded chart) is tied to it by a line, under the dots.
  labels.forEach((label, i) => {
    if (Math.abs(label.y - dots[i].y) > 14) {
      chart.append(svg('line', { class: 'leader', x1: dots[i].x, y1: dots[i].y, x2: label.x, y2: label.y - 4 }));
    }
  });
  points.forEach((p, i) => chart.append(svg('circle', { class: `dot ${p.kind ?? ''}`, cx: dots[i].x, cy: dots[i].y, r: 6 })));
  for (const label of labels) {
    chart.append(svg('text', { class: 'label', x: label.x, y: label.y, 'text-anchor': label.anchor }, label.text));
  }
  const text = points.map((p) => `${p.label}: ${xFormat(p.x)}, ${yFormat(p.y)}`).join('; ');
  return figure(caption, note, chart, text, attrs);
}
