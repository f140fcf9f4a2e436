// A run's trace as files: racelab's own JSON, and the Chrome trace event format, which
// Perfetto (ui.perfetto.dev) and chrome://tracing open.
//
// In the Chrome trace each thread of the run is a process ("thread 2") with three tracks:
// what it holds and waits for, its temporarily invalid stretches, and its single moments
// (reads, writes, checks). Spans on one track must nest; a lock and an invalid stretch need
// not (a lesson may lock only part of its update), so they get tracks of their own.

/** Track ids inside each thread's process. */
const TRACK = { sync: 0, invalid: 1, ops: 2 };
const TRACK_NAMES = { [TRACK.sync]: 'locks and waits', [TRACK.invalid]: 'invalid data', [TRACK.ops]: 'reads, writes, checks' };

/** Opening and closing ops of each kind of span. */
const SPANS = {
  request: { close: 'acquire', track: TRACK.sync, name: (o) => `waits for ${o}`, cat: 'wait' },
  acquire: { close: 'release', track: TRACK.sync, name: (o) => `holds ${o}`, cat: 'lock' },
  wait: { close: 'wake', track: TRACK.sync, name: (o) => `waits on ${o}`, cat: 'wait' },
  'invalid-begin': { close: 'invalid-end', track: TRACK.invalid, name: () => 'shared data invalid', cat: 'invalid' },
};
const CLOSERS = new Map(Object.entries(SPANS).map(([open, s]) => [s.close, open]));

/**
 * `report`'s trace in the Chrome trace event format: `{ traceEvents, displayTimeUnit,
 * otherData }`. Spans become complete events (`ph: "X"`, `ts` and `dur` in µs), single
 * operations instant events (`ph: "i"`), names metadata events (`ph: "M"`). A span still open
 * where the trace was cut ends at the trace's last timestamp.
 */
export function toChromeTrace(report) {
  const trace = report.trace;
  const obj = (i) => trace.objects[i] ?? `object ${i}`;
  const events = [];
  const threads = [...new Set(trace.events.map((e) => e.thread))].sort((a, b) => a - b);
  for (const t of threads) {
    const pid = t + 1;
    events.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: `thread ${t}` } });
    events.push({ name: 'process_sort_index', ph: 'M', pid, tid: 0, args: { sort_index: t } });
    for (const [tid, name] of Object.entries(TRACK_NAMES)) {
      events.push({ name: 'thread_name', ph: 'M', pid, tid: Number(tid), args: { name } });
    }
  }
  // Open spans per (thread, kind, object), a stack each: reentrant locks nest.
  const open = new Map();
  const keyOf = (e, kind) => `${e.thread}/${kind}/${e.obj ?? ''}`;
  const end = trace.events.length ? trace.events.at(-1).t_us : 0;
  const span = (e, kind, begin, until) => {
    const s = SPANS[kind];
    const args = { seq: begin.seq, end_seq: until?.seq ?? null };
    events.push({
      name: s.name(obj(begin.obj)),
      cat: s.cat, ph: 'X', pid: begin.thread + 1, tid: s.track,
      // Times are whole nanoseconds: rounding the difference keeps float noise from making
      // a slice seem to end a hair after the one around it.
      ts: begin.t_us, dur: Math.max(0, Math.round(((until?.t_us ?? end) - begin.t_us) * 1e3) / 1e3), args,
    });
  };
  for (const e of trace.events) {
    if (SPANS[e.op]) {
      const k = keyOf(e, e.op);
      if (!open.has(k)) open.set(k, []);
      open.get(k).push(e);
    }
    const opener = CLOSERS.get(e.op);
    if (opener) {
      const begin = open.get(keyOf(e, opener))?.pop();
      if (begin) span(e, opener, begin, e);
    }
    const instant = {
      read: () => `read ${obj(e.obj)} = ${e.value}`,
      write: () => `write ${obj(e.obj)} = ${e.value}`,
      signal: () => `signal ${obj(e.obj)}`,
      check: () => `check ${e.invariant}: ${e.held ? 'held' : 'BROKEN'}`,
    }[e.op];
    if (instant) {
      events.push({
        name: instant(), cat: e.op, ph: 'i', s: 't', pid: e.thread + 1, tid: TRACK.ops, ts: e.t_us,
        args: { seq: e.seq, ...(e.value !== undefined ? { value: e.value } : {}) },
      });
    }
  }
  for (const stack of open.values()) {
    for (const begin of stack) span(begin, begin.op, begin, null);
  }
  return {
    traceEvents: events,
    displayTimeUnit: 'ns',
    otherData: {
      source: 'racelab',
      scenario: report.scenario,
      strategy: report.strategy,
      params: JSON.stringify(report.params),
      recorded: trace.recorded,
      dropped: trace.dropped,
      truncated: trace.truncated,
    },
  };
}

/** A file name for `report`'s trace: racelab-bank-none-seed42.json, or .chrome.json for Perfetto. */
export function fileName(report, kind) {
  const seed = report.params?.seed ?? 'x';
  return `racelab-${report.scenario}-${report.strategy}-seed${seed}${kind === 'chrome' ? '.chrome' : ''}.json`;
}

/** Saves `data` as a JSON file through the browser's download. */
export function download(data, name) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own copy once started; free ours soon after.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
