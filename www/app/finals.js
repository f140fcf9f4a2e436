// A run's final state, drawn the way its lesson talks about it. A lesson's run carries its
// drawing in the report (`view`: the manifest's table or lanes, already evaluated over the
// program's globals), so this module draws plain rows and marks and knows no lesson.

import { el, ms, num } from './format.js';

const row = (label, value, attrs = {}) =>
  el('tr', {}, el('th', { scope: 'row' }, label), el('td', { class: 'num', ...attrs }, value));

const table = (label, rows) => el('table', { class: 'final', 'aria-label': label }, el('tbody', {}, rows));

/** The final-state view of `report`, for the result panel. */
export function renderFinal(report) {
  if (report.view) return drawView(report.view, report.final);
  return el('pre', {}, JSON.stringify(report.final, null, 2));
}

/** One short phrase of the final state, for the history table. */
export function finalSummary(report) {
  return report.view?.summary ?? '';
}

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
  return report.view ? viewKey(report.view) : null;
}
