// The result of the last run: outcome, each invariant, the final state, and what it means.

import { renderFinal } from './finals.js';
import { el, ms, num } from './format.js';

const HEADLINES = {
  ok: 'Every invariant held',
  violated: 'Invariant violated',
  deadlock: 'Deadlock',
  cancelled: 'Stopped',
  error: 'The run failed',
};

/**
 * Shows `report` in `box`. `strategy` is its catalog entry; `seen` lists the final-state
 * summaries of earlier runs of the same scenario and strategy this session.
 */
export function renderResult(box, report, strategy, seen = []) {
  const violations = report.invariants.reduce((n, i) => n + i.violations, 0);
  const children = [
    el('p', { class: `outcome ${report.outcome}`, 'data-outcome': report.outcome }, HEADLINES[report.outcome] ?? report.outcome),
    el('p', { class: 'meta' },
      `${report.threads} thread${report.threads === 1 ? '' : 's'} · ${ms(report.elapsed_ms)} · seed ${report.params.seed}`),
  ];
  if (report.deadlock) children.push(renderDeadlock(report.deadlock));
  children.push(
    el('ul', { class: 'invariants' }, report.invariants.map((inv) =>
      el('li', { class: inv.held ? 'held' : 'broken', 'data-invariant': inv.id },
        el('span', { class: 'mark', 'aria-hidden': 'true' }, inv.held ? '✓' : '✗'),
        inv.text, ' ',
        el('strong', {}, inv.held ? 'held' : `violated ${num(inv.violations)} time${inv.violations === 1 ? '' : 's'}`)))),
    renderFinal(report),
  );
  if (report.error) children.push(el('p', { class: 'error' }, report.error.message));
  const note = lessonNote(report, strategy, violations, seen);
  if (note) children.push(el('p', { class: 'note' }, note));
  box.replaceChildren(...children);
}

function renderDeadlock(deadlock) {
  return el('ul', { class: 'deadlock', 'aria-label': 'Deadlock cycle' }, deadlock.cycle.map((edge) => {
    const self = edge.holds.includes(edge.waits_for);
    return el('li', { 'data-thread': edge.thread },
      el('strong', {}, `thread ${edge.thread}`), ' holds ', el('code', {}, edge.holds.join(', ')),
      ' and waits for ', el('code', {}, edge.waits_for),
      self ? ': which it holds itself.' : '.');
  }));
}

function lessonNote(report, strategy, violations, seen) {
  if (report.outcome === 'cancelled') return 'Stopped before the end: the counts cover the part that ran.';
  if (report.outcome === 'deadlock') {
    return 'Nobody in the cycle can go on, so in Python this program would hang forever. racelab ' +
      'spotted the cycle at once and unwound the threads so that you can carry on.';
  }
  if (report.outcome !== 'ok' && report.outcome !== 'violated') return null;
  if (report.scenario === 'joint-account' && strategy.safe) {
    const tally = countOf(seen);
    return 'A lock stops the data race; it does not choose the order. Run it again: sometimes the ' +
      'deposit goes first, sometimes the withdrawal.' +
      (tally ? ` Seen with this lock this session: ${tally}.` : '');
  }
  if (!strategy.safe && violations === 0) {
    return 'No violation this time. Races depend on timing: run it again, or raise the delay or ' +
      'the number of threads, and the bug comes back.';
  }
  if (!strategy.safe) {
    return `${num(violations)} broken check${violations === 1 ? '' : 's'}. Switch to the safe strategy and compare the time it costs.`;
  }
  return 'Correct every time, at the price of threads waiting for each other: compare the time ' +
    'with the unsafe runs in the history below.';
}

/** ["balance 800", "balance 790", "balance 800"] -> "balance 800 ×2, balance 790 ×1". */
function countOf(items) {
  const counts = new Map();
  for (const s of items) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${s} ×${n}`).join(', ');
}
