// A run's trace as a timeline: one lane per thread, time across, and the lesson drawn on
// it: each lock held (blue), waited for (hatched), each temporarily invalid stretch (red),
// every check that failed (a red marker above its lane) and every lost update (an ink
// diamond). Choosing a violation zooms to it and says which threads were where.
//
// x is time, or, at a click, event order: the browser's clock ticks every few µs, so a
// thread's events come in bursts sharing one time, and only their sequence numbers keep
// them apart.
//
// A trace holds up to 100,000 events, so show() turns them once into per-lane typed arrays
// of spans and points, sorted along both axes. A frame binary-searches the visible range,
// merges spans that fall into the same pixels, and fills one path per colour; frames are
// drawn on requestAnimationFrame after a change, never in a loop.

import { el, num } from './format.js';
import {
  CHECK_BAD, CHECK_OK, HIT_ORDER, HOLD, INVALID, LOST, REQUEST, SIGNAL, WAIT, buildModel, fixed, lastPerThread, lowerBound, niceStep, spanText, tickText, timeText, upperBound,
} from './timeline-model.js';

// Geometry, in CSS pixels. Within a lane: markers on top, the bands in the middle, the
// checks that held and the read/write ticks underneath.
const GUTTER = 78;
const RIGHT = 12;
const AXIS = 24;
const LANE = 40;
const MARK_Y = 1;
const BAND_Y = 10;
const BAND_H = 20;
const CHECK_Y = 31;
const TICK_Y = 34;
const TICK_H = 5;

const MIN_SPAN_US = 0.05; // deepest zoom: 50 ns across the whole plot
const MIN_SPAN_EVENTS = 8; // or eight events, in event order
const STATS_KEEP = 2000;


// The drawing takes its colours from style.css, so that it follows the light or dark scheme
// (and any later change to the palette) like the rest of the page.
const CSS_VARS = ['panel', 'ink', 'muted', 'line', 'accent', 'bad', 'ok', 'lock-bg', 'code-bg', 'focus', 'wait'];

export class Timeline {
  #box;
  #dom = null;
  #ctx = null;
  #colors = null;
  #hatch = null;
  #report = null;
  /** How the run's lesson speaks of its invalid stretch (`{ words, verbs? }`), if it does. */
  #words = null;
  #m = null; // the preprocessed trace
  #x = null; // the x axis: #m.time (µs) or #m.order (sequence numbers)
  #vs = 0; // the view, in the x axis' units
  #ve = 1;
  #cssW = 0;
  #cssH = 0;
  #dpr = 1;
  #frame = 0; // pending requestAnimationFrame
  #times = [];
  #frames = 0;
  #lastMs = 0;
  #hover = null;
  #selected = -1;
  #drag = null;
  #rangeText = '';
  #resize = new ResizeObserver(() => this.#measure());

  constructor(box) {
    this.#box = box;
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
      if (!this.#m) return;
      this.#readColors();
      this.#invalidate();
    });
    this.clear();
  }

  /** Durations of the frames drawn since resetStats(): { frames, lastMs, medianMs }. */
  get drawStats() {
    const sorted = [...this.#times].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const medianMs = sorted.length === 0 ? 0
      : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return { frames: this.#frames, lastMs: this.#lastMs, medianMs };
  }

  resetStats() {
    this.#times = [];
    this.#frames = 0;
    this.#lastMs = 0;
  }

  /**
   * What is in view: { axis: 'time' | 'order', startUs, endUs } (µs since the threads
   * started), and in event order also { startSeq, endSeq }.
   */
  get view() {
    const x = this.#x;
    if (!x || !x.order) return { axis: 'time', startUs: this.#vs, endUs: this.#ve };
    return {
      axis: 'order',
      startUs: this.#m.timeOfSeq(this.#vs),
      endUs: this.#m.timeOfSeq(this.#ve),
      startSeq: this.#vs,
      endSeq: this.#ve,
    };
  }

  /** Whether x is event order (sequence numbers) rather than time. */
  get eventOrder() {
    return Boolean(this.#x?.order);
  }

  /**
   * Puts events evenly in sequence order (true) or on the run's clock (false), keeping
   * roughly the same events in view. The browser's clock ticks every few µs, so zoomed in,
   * many events share a time; in sequence order each has its own place.
   */
  setEventOrder(on) {
    const m = this.#m;
    if (!m || on === this.eventOrder) return;
    const from = this.view;
    this.#x = on ? m.order : m.time;
    this.#hover = null;
    if (on) {
      const { first, last } = m.seqsBetween(from.startUs, from.endUs);
      this.#setView(first - 0.5, last - first + 1);
    } else {
      this.#setView(from.startUs, from.endUs - from.startUs);
    }
    this.#dom.order.setAttribute('aria-pressed', String(on));
    this.#invalidate();
  }

  /** The trace's violations (report.trace.violations), [] when none is shown. */
  get violations() {
    return this.#report?.trace?.violations ?? [];
  }

  /** The shown trace's event `seq` (as in report.trace.events), or null. */
  event(seq) {
    return this.#m?.eventAt(seq) ?? null;
  }

  /** Where lane `i` is on the canvas, in CSS pixels: { top, bottom, bandTop, bandBottom }. */
  laneBox(i) {
    const top = AXIS + i * LANE;
    return { top, bottom: top + LANE, bandTop: top + BAND_Y, bandBottom: top + BAND_Y + BAND_H };
  }

  /** Where event `seq` is drawn on the canvas ({ x, y } in CSS pixels), or null if out of view. */
  locate(seq) {
    const e = this.#m?.eventAt(seq);
    if (!e) return null;
    const x = GUTTER + ((this.#x.at(seq) - this.#vs) * this.#plotWidth()) / (this.#ve - this.#vs);
    if (x < GUTTER || x > GUTTER + this.#plotWidth()) return null;
    const top = AXIS + e.thread * LANE;
    const bad = e.op === 'check' && !e.held;
    const y = e.op === 'read' || e.op === 'write' ? top + TICK_Y + TICK_H / 2
      : bad || e.op === 'signal' ? top + MARK_Y + 4
        : e.op === 'check' ? top + CHECK_Y + 1 : top + BAND_Y + BAND_H / 2;
    return { x, y };
  }

  /** Removes the timeline, leaving a hint of how to get one. */
  clear() {
    this.#stop();
    this.#box.replaceChildren(el('p', { class: 'placeholder timeline-hint' },
      'Tick “Record a trace” and run a demo to see each thread\'s timeline.'));
  }

  /**
   * Draws `report.trace` (or says how to record one). `invalid` is how its lesson speaks of
   * the invalid stretch (the catalog entry's `invalid`: `{ words, verbs? }`), if it does.
   */
  show(report, invalid = null) {
    this.#stop();
    this.#report = report;
    this.#words = invalid;
    const trace = report?.trace;
    if (!trace) {
      // main.js shows {} before the first run: no run yet, nothing to run "again".
      if (!report?.outcome) this.clear();
      else {
        this.#box.replaceChildren(el('p', { class: 'placeholder timeline-hint' },
          'Tick “Record a trace” and run again to see each thread\'s timeline.'));
      }
      return;
    }
    if (trace.events.length === 0) {
      this.#box.replaceChildren(el('p', { class: 'placeholder timeline-hint' },
        'The trace is empty: this run\'s threads touched nothing a trace records (shared numbers, locks, waits).'));
      return;
    }
    this.#m = buildModel(report);
    this.#x = this.#m.frozen ? this.#m.order : this.#m.time;
    this.#build();
    this.#readColors();
    this.#vs = this.#x.start;
    this.#ve = this.#x.end;
    this.#resize.observe(this.#dom.stage);
    this.#measure();
  }

  /** Pans by `fraction` of the visible width (positive: later). */
  panBy(fraction) {
    const w = this.#ve - this.#vs;
    this.#setView(this.#vs + fraction * w, w);
  }

  /** Magnifies by `factor` (2: twice as close; 0.5: twice as far) around `atFraction` of the width. */
  zoomBy(factor, atFraction = 0.5) {
    const w = this.#ve - this.#vs;
    const at = this.#vs + atFraction * w;
    const w2 = this.#clampWidth(w / factor);
    this.#setView(at - atFraction * w2, w2);
  }

  /** Shows the whole trace. */
  fit() {
    if (this.#x) this.#setView(this.#x.start, this.#x.end - this.#x.start);
  }

  /** Selects violation `i` of the trace: zooms to it and explains it. */
  selectViolation(i) {
    const m = this.#m;
    const list = this.violations;
    if (!m || i < 0 || i >= list.length) return;
    this.#selected = i;
    const v = list[i];
    const x = this.#x;
    // The failed check's reads, and around them each thread's last stretch they overlapped, but not much
    // more: a thread preempted mid-transfer can stay "invalid" for milliseconds.
    const lo = x.at(v.begin);
    const hi = x.at(v.seq);
    const reach = Math.max(hi - lo, x.order ? 24 : 10) * 2;
    let from = lo;
    let to = hi;
    for (const o of lastPerThread(v.overlapped)) {
      from = Math.min(from, Math.max(lo - reach, x.at(o.begin)));
      to = Math.max(to, Math.min(hi + reach, o.end === null ? x.end : x.at(o.end)));
    }
    const pad = Math.max((to - from) * 0.25, x.order ? 3 : 0.5);
    this.#setView(from - pad, to - from + 2 * pad);
    this.#renderViolations();
    this.#explainViolation(v, i);
    this.#invalidate();
  }

  // ---- building --------------------------------------------------------------------------

  #stop() {
    if (this.#frame) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    this.#resize.disconnect();
    this.#m = null;
    this.#x = null;
    this.#dom = null;
    this.#ctx = null;
    this.#hover = null;
    this.#selected = -1;
    this.#drag = null;
    this.#rangeText = '';
    // The next show() builds a new canvas: it must be sized even if the box is not.
    this.#cssW = 0;
    this.#cssH = 0;
  }

  #build() {
    const m = this.#m;
    const trace = this.#report.trace;
    // A symbol's button is named in words; a worded button keeps its words as its name, so
    // that speech input ("click Fit all") finds it, and explains itself in a tooltip.
    const button = (text, onClick, { label = null, title = label } = {}) => {
      const b = el('button', { type: 'button', 'aria-label': label, title }, text);
      b.addEventListener('click', onClick);
      return b;
    };
    const range = el('span', { class: 'timeline-range' });
    const order = el('button', { type: 'button', class: 'timeline-order', 'aria-pressed': String(this.#x.order),
      title: 'Space events evenly in the order they happened, instead of by time' }, 'Event order');
    order.addEventListener('click', () => this.setEventOrder(!this.eventOrder));
    const toolbar = el('div', { class: 'timeline-toolbar', role: 'toolbar', 'aria-label': 'Timeline view' },
      button('+', () => this.zoomBy(2), { label: 'Zoom in' }),
      button('−', () => this.zoomBy(0.5), { label: 'Zoom out' }),
      button('Fit all', () => this.fit(), { title: 'Show the whole trace' }),
      order,
      range);
    const canvas = el('canvas', {
      class: 'timeline-canvas',
      tabindex: '0',
      role: 'application',
      'aria-roledescription': 'timeline',
      'aria-label': summary(m, this.#report),
      'data-lanes': m.lanes.length,
      'data-events': m.events.length,
      'data-violations': trace.violations.length,
    });
    const tooltip = el('div', { class: 'timeline-tooltip', role: 'tooltip', hidden: true });
    const stage = el('div', { class: 'timeline-stage' }, canvas, tooltip);
    const violations = el('div', { class: 'timeline-violations' });
    const details = el('div', { class: 'timeline-details', 'aria-live': 'polite' },
      el('p', { class: 'placeholder' }, m.badChecks
        ? 'Choose a violation, or click a red marker on the timeline, to see which threads were where at that moment.'
        : 'Click a marker on the timeline to see which threads were where at that moment.'));
    this.#box.replaceChildren(
      toolbar,
      el('p', { class: 'timeline-note' }, note(m, trace, this.#report)),
      legend(m, this.#words),
      stage,
      el('div', { class: 'timeline-explain' }, violations, details),
    );
    this.#dom = { canvas, stage, tooltip, range, order, violations, details };
    this.#ctx = canvas.getContext('2d');
    this.#listen(canvas);
    this.#renderViolations();
  }

  #listen(canvas) {
    canvas.addEventListener('keydown', (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const step = e.shiftKey ? 0.5 : 0.1;
      switch (e.key) {
        case 'ArrowLeft': this.panBy(-step); break;
        case 'ArrowRight': this.panBy(step); break;
        case '+': case '=': this.zoomBy(1.5); break;
        case '-': case '_': this.zoomBy(1 / 1.5); break;
        case 'Home': case '0': this.fit(); break;
        default: return;
      }
      e.preventDefault();
    });
    canvas.addEventListener('wheel', (e) => {
      e.preventDefault();
      const px = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.#cssW : 1;
      const at = this.#fractionAt(e.offsetX);
      if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) this.panBy((e.deltaX * px) / this.#plotWidth());
      else this.zoomBy(Math.exp((-e.deltaY * px) / 500), at);
    }, { passive: false });
    canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      canvas.setPointerCapture(e.pointerId);
      this.#drag = { x: e.offsetX, vs: this.#vs, moved: false };
    });
    canvas.addEventListener('pointermove', (e) => {
      const d = this.#drag;
      if (d) {
        const dx = e.offsetX - d.x;
        if (Math.abs(dx) > 3) d.moved = true;
        if (d.moved) {
          this.#setHover(null);
          this.#setView(d.vs - dx * ((this.#ve - this.#vs) / this.#plotWidth()), this.#ve - this.#vs);
          return;
        }
      }
      this.#setHover(this.#hit(e.offsetX, e.offsetY), e.offsetX, e.offsetY);
    });
    const end = (e) => {
      const d = this.#drag;
      this.#drag = null;
      if (d && !d.moved && e.type === 'pointerup') this.#click(this.#hit(e.offsetX, e.offsetY));
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('pointerleave', () => { if (!this.#drag) this.#setHover(null); });
  }

  #readColors() {
    const style = getComputedStyle(this.#box);
    const c = {};
    for (const name of CSS_VARS) c[name] = style.getPropertyValue(`--${name}`).trim() || '#888';
    this.#colors = c;
    // The wait-for-a-lock band: diagonal hatching, so it reads as "not yet" next to a hold.
    const tile = document.createElement('canvas');
    tile.width = tile.height = 6;
    const t = tile.getContext('2d');
    t.strokeStyle = c.muted;
    t.lineWidth = 1.3;
    t.beginPath();
    t.moveTo(-1, 7); t.lineTo(7, -1);
    t.moveTo(-1, 1); t.lineTo(1, -1);
    t.moveTo(5, 7); t.lineTo(7, 5);
    t.stroke();
    this.#hatch = this.#ctx.createPattern(tile, 'repeat');
  }

  #measure() {
    const dom = this.#dom;
    if (!dom) return;
    const w = Math.floor(dom.stage.clientWidth);
    const h = AXIS + this.#m.lanes.length * LANE + 4;
    const dpr = window.devicePixelRatio || 1;
    if (w === this.#cssW && h === this.#cssH && dpr === this.#dpr && dom.canvas.width) return;
    this.#cssW = w;
    this.#cssH = h;
    this.#dpr = dpr;
    dom.canvas.width = Math.max(1, Math.round(w * dpr));
    dom.canvas.height = Math.round(h * dpr);
    dom.canvas.style.height = `${h}px`;
    this.#invalidate();
  }

  // ---- the view --------------------------------------------------------------------------

  #plotWidth() {
    return Math.max(10, this.#cssW - GUTTER - RIGHT);
  }

  #fractionAt(x) {
    return Math.min(1, Math.max(0, (x - GUTTER) / this.#plotWidth()));
  }

  #clampWidth(w) {
    const x = this.#x;
    const full = x.end - x.start;
    return Math.min(full, Math.max(Math.min(x.order ? MIN_SPAN_EVENTS : MIN_SPAN_US, full), w));
  }

  #setView(start, width) {
    const x = this.#x;
    if (!x) return;
    const w = this.#clampWidth(width);
    const s = Math.min(x.end - w, Math.max(x.start, start));
    if (s === this.#vs && s + w === this.#ve) return;
    this.#vs = s;
    this.#ve = s + w;
    this.#invalidate();
  }

  #invalidate() {
    if (this.#frame || !this.#m) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#draw();
    });
  }

  // ---- drawing ---------------------------------------------------------------------------

  #draw() {
    const m = this.#m;
    const ctx = this.#ctx;
    if (!m || !ctx || this.#cssW === 0) return;
    const started = performance.now();
    const c = this.#colors;
    const W = this.#cssW;
    const H = this.#cssH;
    const pw = this.#plotWidth();
    const vs = this.#vs;
    const k = pw / (this.#ve - vs);
    const xMax = GUTTER + pw;
    ctx.setTransform(this.#dpr, 0, 0, this.#dpr, 0, 0);
    ctx.fillStyle = c.panel;
    ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = c['code-bg'];
    for (let l = 1; l < m.lanes.length; l += 2) ctx.fillRect(0, AXIS + l * LANE, W, LANE);
    this.#drawAxis(ctx, pw, k);

    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, AXIS, pw, H - AXIS);
    ctx.clip();
    const sel = this.#selected >= 0 ? this.violations[this.#selected] : null;
    if (sel) this.#drawMoment(ctx, sel, k);

    const holdBand = new Path2D();
    const holdEdge = new Path2D();
    const request = new Path2D();
    const wait = new Path2D();
    const invalid = new Path2D();
    const x0 = GUTTER;
    const tEnd = this.#ve;
    for (let l = 0; l < m.lanes.length; l++) {
      const lane = this.#x.lanes[l];
      const y = AXIS + l * LANE;
      addSpans(lane.spans[HOLD], vs, tEnd, x0, k, xMax, holdBand, y + BAND_Y, BAND_H, holdEdge, y + BAND_Y + BAND_H - 2, 2);
      addSpans(lane.spans[REQUEST], vs, tEnd, x0, k, xMax, request, y + BAND_Y + 4, BAND_H - 8);
      addSpans(lane.spans[WAIT], vs, tEnd, x0, k, xMax, wait, y + BAND_Y + 4, BAND_H - 8);
      addSpans(lane.spans[INVALID], vs, tEnd, x0, k, xMax, invalid, y + BAND_Y + 3, BAND_H - 6);
    }
    ctx.fillStyle = c['lock-bg'];
    ctx.fill(holdBand);
    ctx.fillStyle = c.accent;
    ctx.fill(holdEdge);
    // Solid, not a translucent --muted: the band keeps 3:1 against both lane shades.
    ctx.fillStyle = c.wait;
    ctx.fill(wait);
    ctx.fillStyle = this.#hatch;
    ctx.fill(request);
    ctx.fillStyle = c.bad;
    ctx.fill(invalid);

    this.#drawPoints(ctx, vs, k, pw);
    if (sel) this.#drawSelection(ctx, sel, k);
    if (this.#hover) this.#drawHover(ctx, this.#hover, k);
    ctx.restore();

    ctx.fillStyle = c.muted;
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    for (let l = 0; l < m.lanes.length; l++) ctx.fillText(`thread ${l}`, 8, AXIS + l * LANE + BAND_Y + BAND_H / 2);

    const text = this.#x.order
      ? `showing events #${num(Math.max(0, Math.ceil(this.#vs)))}–#${num(Math.floor(this.#ve))}`
      : `showing ${spanText(this.#vs, this.#ve)}`;
    if (text !== this.#rangeText) this.#dom.range.textContent = this.#rangeText = text;
    const took = performance.now() - started;
    this.#frames++;
    this.#lastMs = took;
    this.#times.push(took);
    if (this.#times.length > STATS_KEEP) this.#times.splice(0, this.#times.length - STATS_KEEP);
  }

  #drawAxis(ctx, pw, k) {
    const c = this.#colors;
    const vs = this.#vs;
    const ve = this.#ve;
    const order = this.#x.order;
    const step = Math.max(order ? 1 : 0, niceStep((ve - vs) / Math.max(2, pw / 110)));
    if (!(step > 0)) return;
    const big = Math.max(Math.abs(vs), Math.abs(ve)) >= 1000 && step >= 100;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'center';
    const grid = new Path2D();
    ctx.fillStyle = c.muted;
    for (let t = Math.ceil(vs / step) * step; t <= ve; t += step) {
      const x = Math.round(GUTTER + (t - vs) * k) + 0.5;
      grid.moveTo(x, AXIS - 5);
      grid.lineTo(x, this.#cssH);
      ctx.fillText(order ? `#${num(t + 0)}` : tickText(t, step, big), Math.min(Math.max(x, GUTTER + 24), GUTTER + pw - 24), AXIS / 2 - 2);
    }
    grid.moveTo(GUTTER, AXIS - 0.5);
    grid.lineTo(GUTTER + pw, AXIS - 0.5);
    ctx.strokeStyle = c.line;
    ctx.lineWidth = 1;
    ctx.stroke(grid);
  }

  #drawPoints(ctx, vs, k, pw) {
    const m = this.#m;
    const c = this.#colors;
    const bad = new Path2D();
    const lost = new Path2D();
    const lostHalo = new Path2D();
    const okTicks = new Path2D();
    const signals = new Path2D();
    const reads = new Path2D();
    const writes = new Path2D();
    const margin = 8 / k;
    for (let l = 0; l < m.lanes.length; l++) {
      const lane = this.#x.lanes[l];
      const y = AXIS + l * LANE;
      const p = lane.points;
      const hi = upperBound(p.t, this.#ve + margin);
      // Markers closer than half their width would draw over each other: keep the first.
      // (Overlapping anti-aliased triangles are what a software rasteriser is slowest at.)
      let lastBad = -Infinity;
      let lastLost = -Infinity;
      let lastOk = -Infinity;
      for (let j = lowerBound(p.t, vs - margin); j < hi; j++) {
        const x = GUTTER + (p.t[j] - vs) * k;
        switch (p.kind[j]) {
          case CHECK_BAD:
            if (x - lastBad < 4) break;
            lastBad = x;
            // No closePath(): fill() closes subpaths anyway, and Chromium's closePath
            // makes building a path of thousands of triangles quadratic (tens of ms).
            bad.moveTo(x - 4.5, y + MARK_Y);
            bad.lineTo(x + 4.5, y + MARK_Y);
            bad.lineTo(x, y + MARK_Y + 8);
            break;
          case LOST: {
            if (x - lastLost < 4) break;
            lastLost = x;
            const cy = y + BAND_Y + BAND_H / 2;
            lost.moveTo(x, cy - 5);
            lost.lineTo(x + 4, cy);
            lost.lineTo(x, cy + 5);
            lost.lineTo(x - 4, cy);
            lostHalo.moveTo(x, cy - 7);
            lostHalo.lineTo(x + 6, cy);
            lostHalo.lineTo(x, cy + 7);
            lostHalo.lineTo(x - 6, cy);
            break;
          }
          case CHECK_OK:
            if (x - lastOk < 1) break;
            lastOk = x;
            okTicks.rect(x - 0.75, y + CHECK_Y - 2, 1.5, 6);
            break;
          case SIGNAL:
            signals.rect(x - 0.75, y + MARK_Y + 1, 1.5, 7);
            break;
          default:
        }
      }
      // Reads and writes only once they are a few pixels apart.
      const rw = lane.rw;
      const lo = lowerBound(rw.t, vs - margin);
      const end = upperBound(rw.t, this.#ve + margin);
      if ((end - lo) * 4 > pw) continue;
      for (let j = lo; j < end; j++) {
        const x = GUTTER + (rw.t[j] - vs) * k;
        (rw.write[j] ? writes : reads).rect(x - 0.5, y + TICK_Y, 1, TICK_H);
      }
    }
    ctx.fillStyle = c.muted;
    ctx.fill(reads);
    ctx.fillStyle = c.ink;
    ctx.fill(writes);
    ctx.fillStyle = c.ok;
    ctx.fill(okTicks);
    ctx.fillStyle = c.accent;
    ctx.fill(signals);
    ctx.fillStyle = c.bad;
    ctx.fill(bad);
    // Filled, not outlined: stroking thousands of diamonds costs a software rasteriser
    // more than everything else in the frame. A lost update usually sits on a red stretch,
    // where ink alone is under 3:1 in either scheme; a larger diamond in the panel's colour
    // underneath rings it so that it stands out from the red.
    ctx.fillStyle = c.panel;
    ctx.fill(lostHalo);
    ctx.fillStyle = c.ink;
    ctx.fill(lost);
  }

  /** Behind everything: the failed check's window across every lane, so "where was each thread" reads down. */
  #drawMoment(ctx, v, k) {
    const x1 = GUTTER + (this.#x.at(v.begin) - this.#vs) * k;
    const x2 = GUTTER + (this.#x.at(v.seq) - this.#vs) * k;
    ctx.globalAlpha = 0.18;
    ctx.fillStyle = this.#colors.focus;
    ctx.fillRect(x1 - 1, AXIS, Math.max(2, x2 - x1 + 2), this.#cssH - AXIS);
    ctx.globalAlpha = 1;
  }

  #drawSelection(ctx, v, k) {
    const ax = this.#x;
    const c = this.#colors;
    const xOf = (t) => GUTTER + (t - this.#vs) * k;
    const box = (lane, t1, t2) => {
      const x1 = xOf(t1);
      const y = AXIS + lane * LANE + BAND_Y;
      ctx.strokeRect(x1 - 2, y - 2, Math.max(1, xOf(t2) - x1) + 4, BAND_H + 4);
    };
    ctx.strokeStyle = c.focus;
    ctx.lineWidth = 2;
    for (const o of v.overlapped) box(o.thread, ax.at(o.begin), o.end === null ? ax.end : ax.at(o.end));
    ctx.strokeStyle = c.bad;
    box(v.thread, ax.at(v.begin), ax.at(v.seq));
    const x = xOf(ax.at(v.seq));
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, AXIS);
    ctx.lineTo(Math.round(x) + 0.5, this.#cssH);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  #drawHover(ctx, hit, k) {
    const c = this.#colors;
    const y = AXIS + hit.lane * LANE;
    ctx.strokeStyle = c.ink;
    ctx.lineWidth = 1.5;
    if (hit.type === 'span') {
      const sp = this.#x.lanes[hit.lane].spans[hit.kind];
      const i = hit.list[0];
      const x1 = GUTTER + (sp.s[i] - this.#vs) * k;
      const x2 = GUTTER + (sp.e[i] - this.#vs) * k;
      ctx.strokeRect(x1 - 1, y + BAND_Y - 1, Math.max(1, x2 - x1) + 2, BAND_H + 2);
    } else {
      const x = GUTTER + (hit.t - this.#vs) * k;
      const kind = hit.type === 'point' ? this.#x.lanes[hit.lane].points.kind[hit.j] : -1;
      const cy = hit.type === 'rw' ? y + TICK_Y + TICK_H / 2
        : kind === CHECK_BAD || kind === SIGNAL ? y + MARK_Y + 4
          : kind === CHECK_OK ? y + CHECK_Y + 1 : y + BAND_Y + BAND_H / 2;
      ctx.beginPath();
      ctx.arc(x, cy, 6, 0, Math.PI * 2);
      ctx.stroke();
    }
  }

  // ---- pointing --------------------------------------------------------------------------

  /** What is under (x, y) on the canvas: a point ({ type: 'point' | 'rw' }) or spans. */
  #hit(x, y) {
    const m = this.#m;
    if (!m || x < GUTTER || x > GUTTER + this.#plotWidth()) return null;
    const l = Math.floor((y - AXIS) / LANE);
    if (l < 0 || l >= m.lanes.length) return null;
    const lane = this.#x.lanes[l];
    const k = this.#plotWidth() / (this.#ve - this.#vs);
    const t = this.#vs + (x - GUTTER) / k;
    let best = null;
    let bestD = 6 / k;
    const p = lane.points;
    for (let j = lowerBound(p.t, t - bestD); j < p.t.length && p.t[j] <= t + 6 / k; j++) {
      // A failed check wins a near tie: it is what the learner is looking for.
      const d = Math.abs(p.t[j] - t) - (p.kind[j] === CHECK_BAD ? 2 / k : 0);
      if (d < bestD) { bestD = d; best = { type: 'point', lane: l, j, t: p.t[j], event: p.ev[j] }; }
    }
    const rw = lane.rw;
    const rwShown = (upperBound(rw.t, this.#ve) - lowerBound(rw.t, this.#vs)) * 4 <= this.#plotWidth();
    if (!best && rwShown) {
      bestD = 3 / k;
      for (let j = lowerBound(rw.t, t - bestD); j < rw.t.length && rw.t[j] <= t + 3 / k; j++) {
        const d = Math.abs(rw.t[j] - t);
        if (d < bestD) { bestD = d; best = { type: 'rw', lane: l, j, t: rw.t[j], event: rw.ev[j] }; }
      }
    }
    if (best) {
      // Everything else of this thread's drawn at the same spot: on a coarse clock, a
      // burst of events shares one time, and the tooltip should not pretend otherwise.
      const near = 0.5 / k;
      const also = new Set();
      const gather = (at, ev) => {
        for (let j = lowerBound(at, best.t - near); j < at.length && at[j] <= best.t + near && also.size < 500; j++) {
          if (ev[j] !== best.event) also.add(ev[j]);
        }
      };
      gather(p.t, p.ev);
      if (rwShown) gather(rw.t, rw.ev);
      best.also = [...also].sort((a, b) => a - b);
      return best;
    }
    const tol = 2 / k;
    for (const kind of HIT_ORDER) {
      const sp = lane.spans[kind];
      const list = [];
      for (let i = lowerBound(sp.maxEnd, t - tol); i < sp.s.length && sp.s[i] <= t + tol; i++) {
        if (sp.e[i] >= t - tol) list.push(i);
      }
      // The innermost first: the one the pointer is most likely aiming at.
      if (list.length) {
        list.sort((a, b) => (sp.e[a] - sp.s[a]) - (sp.e[b] - sp.s[b]));
        return { type: 'span', lane: l, kind, list };
      }
    }
    return null;
  }

  #setHover(hit, x = 0, y = 0) {
    const tip = this.#dom?.tooltip;
    if (!tip) return;
    const same = (a, b) => a === b || (a && b && a.type === b.type && a.lane === b.lane
      && a.j === b.j && a.kind === b.kind && a.list?.[0] === b.list?.[0]);
    if (!same(hit, this.#hover)) {
      this.#hover = hit;
      this.#invalidate();
    }
    if (!hit) {
      tip.hidden = true;
      return;
    }
    tip.textContent = this.#describeHit(hit);
    tip.hidden = false;
    // Beside the pointer, flipped to the left near the right edge.
    const left = x + 14 + tip.offsetWidth > this.#cssW ? Math.max(0, x - 14 - tip.offsetWidth) : x + 14;
    tip.style.left = `${left}px`;
    tip.style.top = `${y + 16}px`;
  }

  #click(hit) {
    if (!hit || hit.type === 'span') return;
    const e = this.#m.events[hit.event];
    const v = this.#m.violationAt.get(e.seq);
    if (v !== undefined) this.selectViolation(v);
    else this.#explainMoment(e);
  }

  // ---- words -----------------------------------------------------------------------------

  #obj(i) {
    return this.#report.trace.objects[i] ?? `object ${i}`;
  }

  #describeEvent(e) {
    const o = this.#obj(e.obj);
    switch (e.op) {
      case 'read': return `read ${o} = ${num(e.value)}`;
      case 'write': return `write ${o} = ${num(e.value)}`;
      case 'check': return `check “${e.invariant}” ${e.held ? 'held' : 'failed'}${e.line ? ` at line ${e.line}` : ''}`;
      case 'invalid-begin': return 'began an invalid stretch';
      case 'invalid-end': return 'ended its invalid stretch';
      default: return `${e.op} ${o}`;
    }
  }

  #eventText(e) {
    return `thread ${e.thread} · ${this.#describeEvent(e)} · ${timeText(e.t_us)} · #${e.seq}`;
  }

  #describeHit(hit) {
    const m = this.#m;
    if (hit.type !== 'span') {
      const e = m.events[hit.event];
      let text = this.#eventText(e);
      const points = this.#x.lanes[hit.lane].points;
      const lostEvent = hit.type === 'point' && points.kind[hit.j] === LOST ? m.eventAt(points.aux[hit.j]) : null;
      if (lostEvent) text += ` · overwrote #${lostEvent.seq}, thread ${lostEvent.thread}'s update: lost`;
      if (m.violationAt.has(e.seq)) text += ' · click to explain';
      const also = hit.also ?? [];
      for (const i of also.slice(0, 8)) text += `\n  also ${this.#describeEvent(m.events[i])} · #${m.events[i].seq}`;
      if (also.length > 8) text += `\n  and ${num(also.length - 8)} more at this spot`;
      return text;
    }
    const sp = this.#x.lanes[hit.lane].spans[hit.kind];
    const i = hit.list[0];
    const when = `${spanText(m.timeOf(sp.a[i]), sp.b[i] < 0 ? m.lastTime : m.timeOf(sp.b[i]))}${sp.b[i] < 0 ? ' (to the end of the trace)' : ''}`;
    const seqs = `#${sp.a[i]}–${sp.b[i] < 0 ? '' : `#${sp.b[i]}`}`;
    const who = `thread ${hit.lane}`;
    switch (hit.kind) {
      case HOLD: return `${who} holds ${hit.list.map((j) => this.#obj(sp.o[j])).join(', ')} ${when} · ${seqs}`;
      case REQUEST: return `${who} waits for ${this.#obj(sp.o[i])} ${when} · ${seqs}`;
      case WAIT: return `${who} waits on ${this.#obj(sp.o[i])} ${when} · ${seqs}`;
      default: return `${who} ${this.#stretchText(hit.lane, sp.a[i], sp.b[i])}: shared data invalid ${when} · ${seqs}`;
    }
  }

  /** "had debited account[1] and not yet credited account[4]": the stretch's own writes. */
  /**
   * What thread `lane` had done in its stretch `begin`..`end` (-1: still open), from the
   * stretch's own writes: "had debited account[1] and not yet credited account[4]". With
   * `at`, as of that event: writes after it are the ones "not yet" done. Without, the
   * stretch's first write is what it had done and its last what it had not.
   */
  #stretchText(lane, begin, end, at = null) {
    const writes = this.#m.eventsOf(lane, begin, end < 0 ? Infinity : end).filter((e) => e.op === 'write');
    if (writes.length === 0) return 'was inside its invalid stretch';
    // The lesson's verbs for a stretch's first and last writes (the bank: a debit, then a
    // credit), else "updated".
    const [first, last] = this.#words?.verbs ?? [];
    const verb = (w) => (w === writes[0] ? first : last) ?? 'updated';
    const said = (list) => list.map((w) => `${verb(w)} ${this.#obj(w.obj)}`).join(' and ');
    const split = at === null ? (writes.length > 1 ? 1 : writes.length) : writes.filter((w) => w.seq <= at).length;
    const done = writes.slice(0, split);
    const todo = at === null && writes.length > 2 ? writes.slice(-1) : writes.slice(split);
    if (!done.length) return `had not yet ${said(todo)}`;
    if (todo.length) return `had ${said(done)} and not yet ${said(todo)}`;
    return end < 0 ? `had ${said(done)}; the trace ends before it finished` : `had ${said(done)}, about to finish`;
  }

  /** Where thread `lane` was at `seq`: what it held, waited for, was in the middle of. */
  #whereAt(lane, seq) {
    const m = this.#m;
    const L = m.order.lanes[lane]; // sorted by start seq, which the early exit below needs
    const inside = (kind) => {
      const sp = L.spans[kind];
      const out = [];
      for (let i = 0; i < sp.s.length && sp.a[i] <= seq; i++) {
        if (sp.b[i] < 0 || sp.b[i] > seq) out.push(i);
      }
      return out.map((i) => ({ obj: sp.o[i], a: sp.a[i], b: sp.b[i] }));
    };
    const parts = [];
    const holds = inside(HOLD);
    if (holds.length) parts.push(`holding ${holds.map((h) => this.#obj(h.obj)).join(', ')}`);
    for (const r of inside(REQUEST)) parts.push(`waiting for ${this.#obj(r.obj)} since #${r.a}`);
    for (const w of inside(WAIT)) parts.push(`waiting on ${this.#obj(w.obj)} since #${w.a}`);
    for (const s of inside(INVALID)) parts.push(`inside its invalid stretch since #${s.a}: ${this.#stretchText(lane, s.a, s.b, seq)}`);
    const last = m.lastEventOf(lane, seq);
    if (!last) parts.push(m.eventsOf(lane, -1, Infinity).length ? 'had not started yet' : 'has no events in the trace');
    else parts.push(`last event: ${this.#describeEvent(last)} (#${last.seq}, ${timeText(last.t_us)})`);
    return parts.join('; ');
  }

  #whereList(seq, skip = -1) {
    return el('ul', { class: 'timeline-where' }, this.#m.lanes.map((_, l) => (l === skip ? null
      : el('li', { 'data-thread': l }, el('strong', {}, `thread ${l}`), ': ', this.#whereAt(l, seq)))));
  }

  #explainViolation(v, i) {
    const m = this.#m;
    const check = m.eventAt(v.seq);
    const what = check?.invariant ? `“${check.invariant}”` : 'a check';
    // One line per thread: its last stretch the checked reads overlapped (a preempted thread
    // can overlap hundreds), and how many came before it.
    const overlapped = lastPerThread(v.overlapped).map((o) => {
      const earlier = v.overlapped.filter((p) => p.thread === o.thread).length - 1;
      return el('li', { 'data-thread': o.thread },
        el('strong', {}, `thread ${o.thread}`), ` ${this.#stretchText(o.thread, o.begin, o.end ?? -1)} `,
        el('span', { class: 'timeline-seq' },
          `(#${o.begin}–${o.end === null ? 'end of trace' : `#${o.end}`}, ${spanText(m.timeOf(o.begin), o.end === null ? m.lastTime : m.timeOf(o.end))})`),
        earlier ? `, after ${num(earlier)} earlier stretch${earlier === 1 ? '' : 'es'} while it read` : '');
    });
    const lost = v.lost_before;
    this.#dom.details.replaceChildren(...[
      el('h3', {}, `Failed check ${num(i + 1)} of ${num(this.violations.length)}`),
      el('p', {}, el('strong', {}, `thread ${v.thread}`),
        ` read the shared data from #${v.begin} to #${v.seq} (${spanText(m.timeOf(v.begin), m.timeOf(v.seq))}) and ${what} failed`,
        check?.line ? ` at line ${check.line}.` : '.'),
      overlapped.length
        ? [el('p', {}, 'Meanwhile, inside their invalid stretches (outlined on the timeline):'),
          el('ul', { class: 'timeline-overlapped' }, overlapped)]
        : el('p', {}, 'No other thread was inside its invalid stretch while it read.'),
      el('p', { class: lost ? 'timeline-lost' : '' }, lost
        ? `${num(lost)} update${lost === 1 ? ' had' : 's had'} already been lost: the data was wrong for good.`
        : 'No update had been lost yet: what it read was only mid-update.'),
      el('p', {}, `Where every thread was when the check failed (#${v.seq}):`),
      this.#whereList(v.seq),
    ].flat());
  }

  #explainMoment(e) {
    this.#dom.details.replaceChildren(
      el('h3', {}, this.#eventText(e)),
      el('p', {}, `Where every thread was at #${e.seq}:`),
      this.#whereList(e.seq),
    );
  }

  #renderViolations() {
    const box = this.#dom.violations;
    const list = this.violations;
    const n = list.length;
    const m = this.#m;
    let heading;
    const failed = n || m.badChecks;
    if (failed) heading = `${num(failed)} check${failed === 1 ? '' : 's'} failed in this trace`;
    else if (m.okChecks) heading = 'Every check held in this trace';
    else heading = 'Nothing in this trace checks the shared data';
    const parts = [el('h3', {}, heading)];
    if (m.badChecks) {
      parts.push(el('p', {}, 'Each red marker is one: click it to see where every thread was at that moment.'));
    }
    if (m.lost) parts.push(el('p', {}, `${num(m.lost)} lost update${m.lost === 1 ? '' : 's'} (ink diamonds).`));
    if (n) {
      const cur = this.#selected;
      const step = (d) => {
        const b = el('button', { type: 'button', disabled: d < 0 ? cur <= 0 : cur >= n - 1 },
          d < 0 ? 'Previous' : 'Next');
        b.setAttribute('aria-label', d < 0 ? 'Previous failed check' : 'Next failed check');
        b.addEventListener('click', () => this.selectViolation(cur < 0 ? 0 : cur + d));
        return b;
      };
      parts.push(el('div', { class: 'timeline-stepper' }, step(-1),
        el('span', {}, cur < 0 ? `${num(n)} to look at` : `${num(cur + 1)} of ${num(n)}`), step(1)));
      // A page of the list around the selection: thousands of buttons would help nobody.
      const PAGE = 10;
      const from = Math.max(0, Math.min(n - PAGE, (cur < 0 ? 0 : cur) - 4));
      parts.push(el('ol', { class: 'timeline-violation-list', start: from + 1 },
        list.slice(from, from + PAGE).map((v, j) => {
          const i = from + j;
          const check = m.eventAt(v.seq);
          const b = el('button', { type: 'button', 'data-violation': i, 'aria-current': i === cur ? 'true' : false },
            `thread ${v.thread} · ${timeText(m.timeOf(v.seq))} · ${check?.invariant ?? 'check'}${check?.line ? `, line ${check.line}` : ''}`);
          b.addEventListener('click', () => this.selectViolation(i));
          return el('li', {}, b);
        })));
    }
    const focused = box.contains(document.activeElement) ? document.activeElement : null;
    const keep = focused?.getAttribute('aria-label') ?? (focused?.dataset.violation !== undefined ? 'list' : null);
    box.replaceChildren(...parts);
    // Re-rendering must not drop keyboard focus on the floor.
    if (keep === 'list') box.querySelector('[aria-current="true"]')?.focus();
    else if (keep) {
      const again = [...box.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === keep);
      (again && !again.disabled ? again : box.querySelector('[aria-current="true"]'))?.focus();
    }
  }
}

/**
 * Adds the visible spans of `sp` to `path` as rectangles (and to `path2`, if given, at
 * another height). Spans closer than a pixel are merged into one rectangle: zoomed out, a
 * lane's thousands of spans become at most one rectangle per pixel column.
 */
function addSpans(sp, vs, ve, x0, k, xMax, path, y, h, path2 = null, y2 = 0, h2 = 0) {
  const n = sp.s.length;
  let cx0 = 0;
  let cx1 = -Infinity;
  const flush = () => {
    path.rect(cx0, y, cx1 - cx0, h);
    if (path2) path2.rect(cx0, y2, cx1 - cx0, h2);
  };
  for (let i = lowerBound(sp.maxEnd, vs); i < n; i++) {
    const s = sp.s[i];
    if (s > ve) break;
    const e = sp.e[i];
    if (e < vs) continue;
    // Clamped to just outside the plot (far zoom would otherwise give huge coordinates),
    // and snapped to half pixels: edges off the pixel grid cost software rasterisers
    // (headless Chromium, GPU-less laptops) twice as much anti-aliasing.
    const a = Math.round(Math.max(x0 - 2, x0 + (s - vs) * k) * 2) / 2;
    const b = Math.max(a + 1, Math.round(Math.min(xMax + 2, x0 + (e - vs) * k) * 2) / 2);
    if (b <= cx1) continue;
    if (a <= cx1 + 0.5) {
      cx1 = b;
      continue;
    }
    if (cx1 > -Infinity) flush();
    cx0 = a;
    cx1 = b;
  }
  if (cx1 > -Infinity) flush();
}

// ---- text --------------------------------------------------------------------------------

function note(m, trace, report) {
  const n = num(trace.recorded ?? m.events.length);
  const long = timeText(m.lastTime);
  let text;
  if (trace.truncated) {
    const run = report.elapsed_ms ? ` of the ${fixed(report.elapsed_ms, report.elapsed_ms >= 100 ? 0 : 1)} ms run` : ' of the run';
    text = `${n} events, the first ${long}${run} (trace cut at ${num(trace.limit)} events; ${num(trace.dropped)} more were counted, not kept).`;
  } else {
    text = `${n} events over ${long}: the whole run.`;
  }
  if (m.clockTick) {
    text += ` The browser's clock ticks about every ${timeText(m.clockTick)}, so events close together share a time: `
      + '“Event order” spaces them out in the order they happened.';
  }
  return text;
}

function summary(m, report) {
  const parts = [`Timeline of ${m.lanes.length} thread${m.lanes.length === 1 ? '' : 's'}, ${num(m.events.length)} events over ${timeText(m.lastTime)}`];
  if (m.holds) parts.push(`${num(m.holds)} lock holds`);
  if (m.invalid) parts.push(`${num(m.invalid)} invalid stretches`);
  if (m.badChecks) parts.push(`${num(m.badChecks)} checks failed`);
  if (m.lost) parts.push(`${num(m.lost)} lost updates`);
  return `${parts.join(', ')}. Left and right arrows pan, plus and minus zoom, Home fits the whole trace.`;
}

/** The legend: what each mark means, the invalid stretch in its lesson's `words`. */
function legend(m, words) {
  const item = (cls, text, show = true) => (show ? el('li', {}, el('span', { class: `timeline-key ${cls}`, 'aria-hidden': 'true' }), text) : null);
  return el('ul', { class: 'timeline-legend', 'aria-label': 'Legend' },
    item('hold', 'holds a lock', m.holds),
    item('request', 'waits for a lock', m.requests),
    item('invalid', words?.words ?? 'shared data temporarily invalid', m.invalid),
    item('wait', 'waits on an event, barrier or condition', m.waits),
    item('check-ok', 'a check held', m.okChecks),
    item('violation', 'a check failed', m.badChecks),
    item('lost', 'lost update: a write over one it never read', m.lost),
    item('signal', 'sets an event or notifies a condition', m.signals),
    item('rw', 'reads and writes (zoom in)', m.rws));
}
