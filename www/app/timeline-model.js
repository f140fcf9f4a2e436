// The timeline's model: a run's trace turned into per-lane typed arrays of spans and
// points, sorted along both axes, and the time and axis texts; plain functions with no DOM
// or canvas, so that Node tests them without a browser (tests/unit). timeline.js is the
// view: it draws the model and answers hovers and clicks.

// Span kinds, in drawing order (later ones on top).
export const HOLD = 0;
export const REQUEST = 1;
export const WAIT = 2;
export const INVALID = 3;
export const KINDS = 4;
// Hover looks for the narrowest meaning first: inside a hold there may be a stretch.
export const HIT_ORDER = [INVALID, REQUEST, WAIT, HOLD];

// Point kinds.
export const CHECK_OK = 0;
export const CHECK_BAD = 1;
export const LOST = 2;
export const SIGNAL = 3;

// ---- the model ---------------------------------------------------------------------------

function spanBuilder() {
  return { s: [], e: [], a: [], b: [], o: [] };
}

/** Turns a report's trace into per-lane typed arrays (see the header). */
export function buildModel(report) {
  const trace = report.trace;
  const events = trace.events;
  let lanesN = Math.max(1, report.threads ?? 1);
  let tMin = 0;
  let tMax = 0;
  for (const e of events) {
    if (e.thread >= lanesN) lanesN = e.thread + 1;
    if (e.t_us > tMax) tMax = e.t_us;
    if (e.t_us < tMin) tMin = e.t_us;
  }
  const start = tMin;
  // A little past the last event, so that what happens at the very end is not on the edge
  // of the plot, and spans still open visibly run on.
  const end = tMax + Math.max((tMax - tMin) * 0.01, 0.5);
  const distinctTimes = new Set();
  for (let i = 0; i < events.length && distinctTimes.size < 4; i++) distinctTimes.add(events[i].t_us);
  const b = Array.from({ length: lanesN }, () => ({
    spans: Array.from({ length: KINDS }, spanBuilder),
    points: { t: [], kind: [], ev: [], aux: [] },
    rw: { t: [], ev: [], write: [] },
    ev: [],
    holds: new Map(), // obj -> { depth, t, seq }: reentrant locks count their depth
    requests: new Map(),
    waits: new Map(),
    invalid: null,
  }));
  const push = (sp, t1, t2, s1, s2, obj) => {
    sp.s.push(t1); sp.e.push(t2); sp.a.push(s1); sp.b.push(s2); sp.o.push(obj);
  };
  // A span opened in `open` (by object) ends at event `e`, if it was opened.
  const close = (open, sp, e, t) => {
    const o = open.get(e.obj);
    if (!o) return;
    push(sp, o.t, t, o.seq, e.seq, e.obj);
    open.delete(e.obj);
  };
  const point = (L, t, kind, ev, aux = -1) => {
    L.points.t.push(t); L.points.kind.push(kind); L.points.ev.push(ev); L.points.aux.push(aux);
  };
  let badChecks = 0;
  let okChecks = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const L = b[e.thread];
    const t = e.t_us;
    L.ev.push(i);
    switch (e.op) {
      case 'read': case 'write':
        L.rw.t.push(t); L.rw.ev.push(i); L.rw.write.push(e.op === 'write' ? 1 : 0);
        break;
      case 'request':
        L.requests.set(e.obj, { t, seq: e.seq });
        break;
      case 'acquire': {
        close(L.requests, L.spans[REQUEST], e, t);
        const h = L.holds.get(e.obj);
        if (h) h.depth++;
        else L.holds.set(e.obj, { depth: 1, t, seq: e.seq });
        break;
      }
      case 'release': {
        const h = L.holds.get(e.obj);
        if (h && --h.depth === 0) {
          push(L.spans[HOLD], h.t, t, h.seq, e.seq, e.obj);
          L.holds.delete(e.obj);
        }
        break;
      }
      case 'wait':
        L.waits.set(e.obj, { t, seq: e.seq });
        break;
      case 'wake':
        close(L.waits, L.spans[WAIT], e, t);
        break;
      case 'signal':
        point(L, t, SIGNAL, i);
        break;
      case 'invalid-begin':
        if (!L.invalid) L.invalid = { t, seq: e.seq };
        break;
      case 'invalid-end':
        if (L.invalid) push(L.spans[INVALID], L.invalid.t, t, L.invalid.seq, e.seq, -1);
        L.invalid = null;
        break;
      case 'check':
        point(L, t, e.held ? CHECK_OK : CHECK_BAD, i);
        if (e.held) okChecks++;
        else badChecks++;
        break;
      default:
    }
  }
  // Spans still open when the trace ends run to its end (a cut trace, a deadlock).
  for (const L of b) {
    for (const [obj, h] of L.holds) push(L.spans[HOLD], h.t, end, h.seq, -1, obj);
    for (const [obj, r] of L.requests) push(L.spans[REQUEST], r.t, end, r.seq, -1, obj);
    for (const [obj, w] of L.waits) push(L.spans[WAIT], w.t, end, w.seq, -1, obj);
    if (L.invalid) push(L.spans[INVALID], L.invalid.t, end, L.invalid.seq, -1, -1);
  }

  // Events are numbered from the first one kept, one after another; search if not.
  const base = events[0].seq;
  const dense = events.at(-1).seq - base === events.length - 1;
  const indexOf = (seq) => {
    if (dense) return seq - base;
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid].seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const eventAt = (seq) => {
    const e = events[indexOf(seq)];
    return e && e.seq === seq ? e : null;
  };
  for (const lu of trace.lost_updates ?? []) {
    const i = indexOf(lu.by);
    const e = events[i];
    if (e && e.seq === lu.by) point(b[e.thread], e.t_us, LOST, i, lu.lost);
  }

  // Two x axes over the same lanes: time (µs), and sequence order, where an event sits at
  // its seq and a span still open at the end runs to one past the last event.
  const lastSeq = events.at(-1).seq;
  const seqOf = (arr) => arr.map((i) => events[i].seq);
  const lanes = b.map((L) => ({
    spans: L.spans.map((sp) => packSpans(sp, sp.s, sp.e)),
    points: packPoints(L.points, L.points.t),
    rw: packRw(L.rw, L.rw.t),
    ev: Int32Array.from(L.ev),
  }));
  const orderLanes = b.map((L, l) => ({
    spans: L.spans.map((sp) => packSpans(sp, sp.a, sp.b.map((x) => (x < 0 ? lastSeq + 1 : x)))),
    points: packPoints(L.points, seqOf(L.points.ev)),
    rw: packRw(L.rw, seqOf(L.rw.ev)),
    ev: lanes[l].ev,
  }));
  const violationAt = new Map((trace.violations ?? []).map((v, i) => [v.seq, i]));
  const timeOf = (seq) => eventAt(seq)?.t_us ?? end;
  return {
    events,
    lanes,
    start,
    end,
    lastTime: tMax,
    /** The clock hardly moved (a run that deadlocked at once): only event order shows anything. */
    frozen: distinctTimes.size < 4,
    signals: b.reduce((n, L) => n + L.points.kind.filter((k) => k === SIGNAL).length, 0),
    rws: b.reduce((n, L) => n + L.rw.t.length, 0),
    time: { order: false, lanes, start, end, at: timeOf },
    order: { order: true, lanes: orderLanes, start: base - 0.5, end: lastSeq + 1.5, at: (seq) => seq },
    clockTick: clockTick(b),
    badChecks,
    okChecks,
    lost: (trace.lost_updates ?? []).length,
    invalid: lanes.reduce((n, l) => n + l.spans[INVALID].s.length, 0),
    holds: lanes.reduce((n, l) => n + l.spans[HOLD].s.length, 0),
    requests: lanes.reduce((n, l) => n + l.spans[REQUEST].s.length, 0),
    waits: lanes.reduce((n, l) => n + l.spans[WAIT].s.length, 0),
    violationAt,
    eventAt,
    timeOf,
    /** The time at a (fractional) place in sequence order. */
    timeOfSeq: (x) => timeOf(Math.min(lastSeq, Math.max(base, Math.round(x)))),
    /**
     * The first and last sequence numbers of the events timed within [t0, t1]. A scan, not
     * a search: a thread preempted between numbering an event and reading the clock times
     * it late, so times are not quite monotonic in seq, and a view in time must become the
     * view in order of exactly its events (a violation shown in time stays shown).
     */
    seqsBetween(t0, t1) {
      let first = Infinity;
      let last = -Infinity;
      for (const e of events) {
        if (e.t_us < t0 || e.t_us > t1) continue;
        if (e.seq < first) first = e.seq;
        if (e.seq > last) last = e.seq;
      }
      if (first > last) first = last = this.seqAtTime(t0);
      return { first, last };
    },
    /** The first event at or after time `t` (`last`: the last one at or before it). */
    seqAtTime(t, last = false) {
      // Times are nearly monotonic in seq across threads: close enough for a view.
      let lo = 0;
      let hi = events.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (last ? events[mid].t_us <= t : events[mid].t_us < t) lo = mid + 1;
        else hi = mid;
      }
      return events[Math.min(events.length - 1, Math.max(0, last ? lo - 1 : lo))].seq;
    },
    /** Thread `lane`'s events with begin < seq < end. */
    eventsOf(lane, begin, endSeq) {
      const ev = lanes[lane].ev;
      const out = [];
      for (let j = firstAfter(ev, events, begin); j < ev.length && events[ev[j]].seq < endSeq; j++) out.push(events[ev[j]]);
      return out;
    },
    /** Thread `lane`'s last event at or before `seq`. */
    lastEventOf(lane, seq) {
      const ev = lanes[lane].ev;
      const j = firstAfter(ev, events, seq) - 1;
      return j >= 0 ? events[ev[j]] : null;
    },
  };
}

/** Of a violation's overlapped stretches, each thread's last (in begin order). */
export function lastPerThread(stretches) {
  const last = new Map();
  for (const o of stretches) if (!last.has(o.thread) || last.get(o.thread).begin < o.begin) last.set(o.thread, o);
  return [...last.values()].sort((a, b) => a.thread - b.thread);
}

/** The first position in `ev` (event indices in seq order) whose event's seq is > `seq`. */
function firstAfter(ev, events, seq) {
  let lo = 0;
  let hi = ev.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[ev[mid]].seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index order sorting by `t`, then `tie`; null when already sorted (the usual case). */
function orderOf(t, tie) {
  for (let i = 1; i < t.length; i++) {
    if (t[i] < t[i - 1] || (t[i] === t[i - 1] && tie[i] < tie[i - 1])) {
      return Array.from(t, (_, j) => j).sort((x, y) => t[x] - t[y] || tie[x] - tie[y]);
    }
  }
  return null;
}

/**
 * How often the run's clock ticked, in µs, if it is coarse enough to matter: browsers
 * round performance.now() to a few µs, so a thread's events come in bursts at one time.
 * 0 when most events have a time of their own.
 */
function clockTick(builders) {
  let same = 0;
  let n = 0;
  const steps = [];
  for (const L of builders) {
    const t = L.rw.t;
    for (let i = 1; i < t.length; i++) {
      n++;
      if (t[i] === t[i - 1]) same++;
      else if (steps.length < 4096) steps.push(t[i] - t[i - 1]);
    }
  }
  if (n < 100 || same / n < 0.3 || steps.length === 0) return 0;
  steps.sort((x, y) => x - y);
  return steps[Math.floor(steps.length / 4)];
}

const pick = (arr, order, Type) => (order ? Type.from(order, (i) => arr[i]) : Type.from(arr));

/** Spans with `starts` and `ends` on the x axis, sorted by start. */
function packSpans(sp, starts, ends) {
  // Spans are pushed when they close, so nested holds arrive out of start order.
  const order = orderOf(starts, sp.a);
  const s = pick(starts, order, Float64Array);
  const e = pick(ends, order, Float64Array);
  // The running maximum of the ends: where a binary search for "still visible at t" starts.
  const maxEnd = new Float64Array(e.length);
  let max = -Infinity;
  for (let i = 0; i < e.length; i++) maxEnd[i] = max = Math.max(max, e[i]);
  return { s, e, maxEnd, a: pick(sp.a, order, Float64Array), b: pick(sp.b, order, Float64Array), o: pick(sp.o, order, Int32Array) };
}

/** Points at `at` on the x axis, sorted. */
function packPoints(p, at) {
  const order = orderOf(at, p.ev);
  return {
    t: pick(at, order, Float64Array),
    kind: pick(p.kind, order, Uint8Array),
    ev: pick(p.ev, order, Int32Array),
    aux: pick(p.aux, order, Float64Array),
  };
}

function packRw(rw, at) {
  const order = orderOf(at, rw.ev);
  return { t: pick(at, order, Float64Array), ev: pick(rw.ev, order, Int32Array), write: pick(rw.write, order, Uint8Array) };
}

/** First index with a[i] >= x (a sorted ascending). */
export function lowerBound(a, x) {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with a[i] > x. */
export function upperBound(a, x) {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---- text --------------------------------------------------------------------------------

const formats = new Map();
export function fixed(n, digits) {
  let f = formats.get(digits);
  if (!f) {
    f = new Intl.NumberFormat('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    formats.set(digits, f);
  }
  return f.format(n);
}

/** A time on the run's clock: "12.41 µs", "120.4 µs", "3.217 ms". */
export function timeText(us) {
  const a = Math.abs(us);
  if (a >= 1000) return `${fixed(us / 1000, a >= 100000 ? 1 : a >= 10000 ? 2 : 3)} ms`;
  return `${fixed(us, a >= 100 ? 1 : 2)} µs`;
}

/** "3.10–4.25 µs", "1.204–1.310 ms": precise enough to tell the ends apart. */
export function spanText(a, b) {
  const ms = Math.max(Math.abs(a), Math.abs(b)) >= 1000;
  const unit = ms ? 1000 : 1;
  const width = Math.abs(b - a) / unit;
  const base = ms ? 3 : 2;
  const digits = Math.min(6, Math.max(base, width > 0 ? Math.ceil(-Math.log10(width)) + 1 : base));
  return `${fixed(a / unit, digits)}–${fixed(b / unit, digits)} ${ms ? 'ms' : 'µs'}`;
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** An axis label: "120 µs", "1.2 ms", "3,200.5 µs" when zoomed in deep. */
export function tickText(t, step, big) {
  if (Math.abs(t) < step / 1e6) t = 0;
  if (big) return `${fixed(t / 1000, Math.max(0, Math.ceil(-Math.log10(step / 1000) - 1e-9)))} ms`;
  return `${fixed(t, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)))} µs`;
}
