// The result of the last run: outcome, each invariant, the final state, and what it means.

import { el, ms, num } from './format.js';

const HEADLINES = {
  ok: 'Every invariant held',
  violated: 'Invariant violated',
  deadlock: 'Deadlock',
  cancelled: 'Stopped',
  error: 'The run failed',
};

export function renderResult(box, report, strategy) {
  const violations = report.invariants.reduce((n, i) => n + i.violations, 0);
  const children = [
    el('p', { class: `outcome ${report.outcome}`, 'data-outcome': report.outcome }, HEADLINES[report.outcome] ?? report.outcome),
    el('p', { class: 'meta' },
      `${report.threads} threads · ${ms(report.elapsed_ms)} · seed ${report.params.seed}`),
    el('ul', { class: 'invariants' }, report.invariants.map((inv) =>
      el('li', { class: inv.held ? 'held' : 'broken', 'data-invariant': inv.id },
        el('span', { class: 'mark', 'aria-hidden': 'true' }, inv.held ? '✓' : '✗'),
        inv.text, ' ',
        el('strong', {}, inv.held ? 'held' : `violated ${num(inv.violations)} time${inv.violations === 1 ? '' : 's'}`)))),
    finalState(report),
  ];
  if (report.error) children.push(el('p', { class: 'error' }, report.error.message));
  const note = lessonNote(report, strategy, violations);
  if (note) children.push(el('p', { class: 'note' }, note));
  box.replaceChildren(...children);
}

function finalState(report) {
  const f = report.final;
  if (report.scenario === 'bank') {
    const rows = f.balances.map((b, i) =>
      el('tr', {}, el('th', { scope: 'row' }, `account ${i}`),
        el('td', { class: `num${b < 0 ? ' negative' : ''}` }, num(b))));
    const off = f.total - f.expected_total;
    rows.push(el('tr', {}, el('th', { scope: 'row' }, 'total'),
      el('td', { class: `num${off !== 0 ? ' negative' : ''}`, 'data-total': f.total },
        num(f.total), off !== 0 ? ` (${off > 0 ? '+' : ''}${num(off)})` : '')));
    return el('table', { class: 'final', 'aria-label': 'Final balances' }, el('tbody', {}, rows));
  }
  if (report.scenario === 'booking') {
    const seats = report.params.seats;
    return el('table', { class: 'final', 'aria-label': 'Final bookings' }, el('tbody', {},
      el('tr', {}, el('th', { scope: 'row' }, 'confirmed'),
        el('td', { class: `num${f.confirmed > seats ? ' negative' : ''}` }, `${num(f.confirmed)} of ${num(seats)} seats`)),
      el('tr', {}, el('th', { scope: 'row' }, 'refused'), el('td', { class: 'num' }, num(f.refused))),
      el('tr', {}, el('th', { scope: 'row' }, 'seats left'),
        el('td', { class: `num${f.seats_left < 0 ? ' negative' : ''}` }, num(f.seats_left)))));
  }
  return el('pre', {}, JSON.stringify(f, null, 2));
}

function lessonNote(report, strategy, violations) {
  if (report.outcome === 'cancelled') return 'Stopped before the end: the counts cover the part that ran.';
  if (report.outcome !== 'ok' && report.outcome !== 'violated') return null;
  if (!strategy.safe && violations === 0) {
    return 'No violation this time. Races depend on timing: run it again, or raise the delay or ' +
      'the number of threads, and the bug comes back.';
  }
  if (!strategy.safe) {
    return `${num(violations)} broken checks. Switch to a safe lock placement and compare the time it costs.`;
  }
  return 'Correct every time, at the price of threads waiting for each other: compare the time ' +
    'with the unsafe runs in the history below.';
}
