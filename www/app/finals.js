// A run's final state, drawn the way its lesson talks about it. A lesson's run carries its
// drawing in the report (`view`: the manifest's table or lanes, already evaluated over the
// program's globals), so this module draws plain rows and marks and knows no lesson; the
// hand-written scenarios' drawings below go when they are retired.

import { el, ms, num } from './format.js';

const row = (label, value, attrs = {}) =>
  el('tr', {}, el('th', { scope: 'row' }, label), el('td', { class: 'num', ...attrs }, value));

const table = (label, rows) => el('table', { class: 'final', 'aria-label': label }, el('tbody', {}, rows));

/** The final-state view of `report`, for the result panel. */
export function renderFinal(report) {
  if (report.view) return drawView(report.view, report.final);
  const draw = DRAW[report.scenario];
  return draw ? draw(report.final, report) : el('pre', {}, JSON.stringify(report.final, null, 2));
}

/** One short phrase of the final state, for the history table. */
export function finalSummary(report) {
  if (report.view) return report.view.summary ?? '';
  const f = report.final;
  switch (report.scenario) {
    case 'bank': return `total ${num(f.total)}`;
    case 'booking': return `${num(f.confirmed)} confirmed`;
    case 'joint-account': return `balance ${num(f.balance)}`;
    case 'reentrant': return `${num(f.completed_calls)} calls done`;
    case 'semaphore': return `${f.max_inside} inside at most`;
    case 'event': return f.pickup_at_ms === null ? 'no pickup' : `pickup at ${ms(f.pickup_at_ms)}`;
    case 'barrier': return `${report.invariants[0].violations} early starts`;
    case 'condition': return `served ${f.served.join(' ')}`;
    default: return '';
  }
}

const DRAW = {
  bank(f) {
    const rows = f.balances.map((b, i) => row(`account ${i}`, num(b), { class: `num${b < 0 ? ' negative' : ''}` }));
    const off = f.total - f.expected_total;
    rows.push(row('total', [num(f.total), off !== 0 ? ` (${off > 0 ? '+' : ''}${num(off)})` : ''],
      { class: `num${off !== 0 ? ' negative' : ''}`, 'data-total': f.total }));
    return table('Final balances', rows);
  },

  booking(f, report) {
    const seats = report.params.seats;
    return table('Final bookings', [
      row('confirmed', `${num(f.confirmed)} of ${num(seats)} seats`, { class: `num${f.confirmed > seats ? ' negative' : ''}` }),
      row('refused', num(f.refused)),
      row('seats left', num(f.seats_left), { class: `num${f.seats_left < 0 ? ' negative' : ''}` }),
    ]);
  },

  'joint-account'(f) {
    const [depositFirst, withdrawalFirst] = f.serial_outcomes;
    const serial = f.serial_outcomes.includes(f.balance);
    return table('Final balance', [
      row('balance', num(f.balance), { class: `num${serial ? '' : ' negative'}`, 'data-balance': f.balance }),
      row('wrote first', f.order[0] ?? '–'),
      row('serial outcomes', `${num(depositFirst)} (deposit first) or ${num(withdrawalFirst)} (withdrawal first)`),
    ]);
  },

  reentrant(f, report) {
    const calls = report.params.threads * report.params.calls;
    return table('Calls', [
      row('calls completed', `${num(f.completed_calls)} of ${num(calls)}`,
        { class: `num${f.completed_calls < calls ? ' negative' : ''}` }),
      row('log entries', num(f.log_entries)),
    ]);
  },

  semaphore(f, report) {
    return table('Bookings', [
      row('most inside at once', `${f.max_inside} (limit ${f.limit})`,
        { class: `num${f.max_inside > f.limit ? ' negative' : ''}`, 'data-max-inside': f.max_inside }),
      row('bookings completed', `${num(f.completed)} of ${num(report.params.workers)}`),
    ]);
  },

  event(f) {
    return moments('Landing and pickup', [
      { label: 'flight status', marks: [{ at: f.landed_at_ms, kind: 'ready', text: 'landed' }] },
      { label: 'passengers', marks: [{ at: f.pickup_at_ms, kind: f.pickup_at_ms < f.landed_at_ms ? 'early' : 'start', text: 'pickup' }] },
    ]);
  },

  barrier(f) {
    const lastReady = Math.max(...f.ready_at_ms.filter((t) => t !== null));
    return moments('Ready and start times', f.parties.map((name, i) => ({
      label: name,
      span: f.ready_at_ms[i],
      marks: [
        { at: f.ready_at_ms[i], kind: 'ready', text: 'ready' },
        { at: f.start_at_ms[i], kind: f.start_at_ms[i] < lastReady ? 'early' : 'start', text: 'starts' },
      ],
    })));
  },

  condition(f, report) {
    const all = Array.from({ length: report.params.customers }, (_, i) => i);
    const missing = all.filter((c) => !f.served.includes(c));
    return table('Service', [
      row('joined the queue', f.joined.join(' ')),
      row('served', f.served.map((c) => (c < 0 ? '(nobody)' : c)).join(' ') || '–',
        { class: `num${missing.length ? ' negative' : ''}`, 'data-served': f.served.join(' ') }),
      row('never served', missing.join(' ') || 'nobody', { class: `num${missing.length ? ' negative' : ''}` }),
      row('empty polls', num(f.empty_polls), { 'data-empty-polls': f.empty_polls }),
    ]);
  },
};

/** A lesson's drawing: its table or its lanes of moments; a failed drawing says why. */
function drawView(view, final) {
  if (view.error) {
    return el('div', {}, el('p', { class: 'view-error', role: 'note' }, `The lesson's drawing failed: ${view.error}`),
      el('pre', {}, JSON.stringify(final, null, 2)));
  }
  if (view.moments) {
    return moments(view.title, view.moments.map((lane) => ({
      label: lane.label,
      span: lane.span,
      marks: lane.marks.map((m) => ({ at: m.at, kind: m.kind, text: m.text })),
    })));
  }
  return table(view.title, (view.table ?? []).map((r) => {
    const value = typeof r.value === 'number' ? num(r.value) : String(r.value ?? '–');
    return row(r.label, [value, r.note ? ` (${r.note})` : ''],
      { class: `num${r.bad ? ' negative' : ''}`, 'data-value': r.value });
  }));
}

/** A lesson's key number: this run's value and whether it broke the lesson. */
function viewKey(view) {
  const key = view.key;
  if (!key || typeof key.value !== 'number') return null;
  const format = Number.isInteger(key.value) ? num : String;
  return { label: key.label, value: key.value, isBad: key.bad, bad: (v) => v === key.value && key.bad, format };
}

/**
 * A small timeline: one lane per thread, its moments as marks on one time axis (what each
 * thread recorded on the run's clock). `span` shades the lane from 0 up to that time.
 */
function moments(label, lanes) {
  const times = lanes.flatMap((l) => l.marks.map((m) => m.at)).filter((t) => t !== null);
  const end = Math.max(1, ...times) * 1.08;
  const pct = (t) => `${((100 * t) / end).toFixed(2)}%`;
  return el('figure', { class: 'moments', 'aria-label': label },
    el('ol', {}, lanes.map((lane) => el('li', {},
      el('span', { class: 'lane-label' }, lane.label),
      el('span', { class: 'lane' },
        lane.span != null ? el('span', { class: 'busy', style: { width: pct(lane.span) } }) : null,
        lane.marks.filter((m) => m.at !== null).map((m) =>
          el('span', { class: `mark ${m.kind}`, style: { left: pct(m.at) }, title: `${m.text} at ${ms(m.at)}` })),
      ),
      el('span', { class: 'lane-times' }, lane.marks.map((m) => `${m.text} ${m.at === null ? '–' : ms(m.at)}`).join(' · '))))),
    el('figcaption', {}, 'Each thread\'s moments on one clock, from the start line. ',
      el('span', { class: 'key ready' }), ' ready / landed ',
      el('span', { class: 'key start' }), ' starts / pickup ',
      el('span', { class: 'key early' }), ' too early'));
}

/**
 * The one number of a run's final state that a batch of runs draws as a histogram, with
 * what it is called and which values break the lesson's invariant; null without a final
 * state (a stopped run).
 */
export function keyNumber(report) {
  const f = report.final;
  if (!f) return null;
  if (report.view) return viewKey(report.view);
  const p = report.params;
  switch (report.scenario) {
    case 'bank': return { label: `final total (should be ${num(f.expected_total)})`, value: f.total, bad: (v) => v !== f.expected_total, format: num };
    case 'booking': return { label: 'seats left (never below 0)', value: f.seats_left, bad: (v) => v < 0, format: num };
    case 'joint-account': return { label: `final balance (${f.serial_outcomes.map(num).join(' or ')} in some order)`, value: f.balance, bad: (v) => !f.serial_outcomes.includes(v), format: num };
    case 'reentrant': return { label: `calls completed (of ${num(p.threads * p.calls)})`, value: f.completed_calls, bad: (v) => v < p.threads * p.calls, format: num };
    case 'semaphore': return { label: `most inside at once (limit ${f.limit})`, value: f.max_inside, bad: (v) => v > f.limit, format: String };
    case 'event': return f.pickup_at_ms === null || f.landed_at_ms === null ? null
      : { label: 'pickup after landing (ms; below 0 is too early)', value: Math.round((f.pickup_at_ms - f.landed_at_ms) * 10) / 10, bad: (v) => v < 0, format: String };
    case 'barrier': return { label: 'parties that started early', value: report.invariants[0].violations, bad: (v) => v > 0, format: String };
    case 'condition': return { label: 'empty polls of the agent', value: f.empty_polls, bad: () => false, format: num };
    default: return null;
  }
}
