// The result of the last run: outcome, each invariant, the final state, and what it means.

import { cycleGraph } from './cycle.js';
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
 * summaries of earlier runs of the same scenario and strategy this session; `fix`, when
 * given, is `{ title, choose }`: the title of the strategy that fixes a deadlock and a
 * function that switches to it.
 */
export function renderResult(box, report, strategy, seen = [], fix = null) {
  const violations = report.invariants.reduce((n, i) => n + i.violations, 0);
  const seed = report.params.seed ?? null;
  const children = [
    el('p', { class: `outcome ${report.outcome}`, 'data-outcome': report.outcome }, HEADLINES[report.outcome] ?? report.outcome),
    el('p', { class: 'meta' },
      `${report.threads} thread${report.threads === 1 ? '' : 's'} · ${ms(report.elapsed_ms)}${seed === null ? '' : ` · seed ${seed}`}`),
  ];
  if (report.deadlock) children.push(renderDeadlock(report.deadlock, strategy, fix));
  // A run that stopped before its end (a deadlock, Stop, an error) may never have reached
  // the checks that were not broken: they are not said to have held.
  const ended = report.outcome === 'ok' || report.outcome === 'violated';
  const status = (inv) => (!inv.held ? 'broken' : ended ? 'held' : 'unknown');
  const words = {
    held: () => 'held',
    unknown: () => 'not seen broken before the run stopped',
    broken: (inv) => `violated ${num(inv.violations)} time${inv.violations === 1 ? '' : 's'}`,
  };
  children.push(
    el('ul', { class: 'invariants' }, report.invariants.map((inv) =>
      el('li', { class: status(inv), 'data-invariant': inv.id },
        el('span', { class: 'mark', 'aria-hidden': 'true' }, { held: '✓', unknown: '–', broken: '✗' }[status(inv)]),
        inv.text, ' ',
        el('strong', {}, words[status(inv)](inv))))),
    report.final === null ? null : finalOf(report, ended),
  );
  if (report.error) children.push(el('p', { class: 'error' }, report.error.message));
  if (report.note) children.push(el('p', { class: 'note' }, report.note));
  const note = lessonNote(report, strategy, violations, seen);
  if (note) children.push(el('p', { class: 'note' }, note));
  box.replaceChildren(...children);
}

/**
 * The final state: drawn, or, for a program that stopped before its end (which its
 * lesson's drawing cannot show), its globals where it stopped, said as such.
 */
function finalOf(report, ended) {
  if (ended || report.view || !report.program) return renderFinal(report);
  return el('div', { class: 'final-stopped' },
    el('p', { class: 'meta' }, 'Where the program stopped, its globals were:'),
    el('pre', {}, JSON.stringify(report.final, null, 2)));
}

/** A failure that left no report (the runtime trapped): what happened, in words. */
export function renderFailure(box, message) {
  box.replaceChildren(
    el('p', { class: 'outcome error', 'data-outcome': 'error' }, HEADLINES.error),
    el('p', { class: 'error' }, message),
    el('p', { class: 'note' }, 'A fresh runtime has been started: your settings and the runs of ' +
      'this session are kept, so you can run again at once.'));
}

function renderDeadlock(deadlock, strategy, fix) {
  // The code of a listing line without its comment (the listing beside it shows that).
  const lineText = (n) => strategy.listing[n - 1]?.text.replace(/\s+#.*$/, '').trim();
  const cycle = el('ul', { class: 'deadlock', 'aria-label': 'Deadlock cycle' }, deadlock.cycle.map((edge) => {
    const self = edge.holds.includes(edge.waits_for);
    const at = edge.line && lineText(edge.line);
    return el('li', { 'data-thread': edge.thread },
      el('strong', {}, `thread ${edge.thread}`), ' holds ', el('code', {}, edge.holds.join(', ')),
      ' and waits for ', el('code', {}, edge.waits_for),
      self ? ': which it holds itself' : '',
      at ? [', stuck at line ', el('a', { href: `#listing-line-${edge.line}`, class: 'line-ref' }, String(edge.line)), ': ', el('code', {}, at)] : '',
      '.');
  }));
  const parts = [
    el('figure', { class: 'cycle' }, cycleGraph(deadlock.cycle),
      el('figcaption', {}, deadlock.cycle.length === 1
        ? 'One thread waits for a lock it holds itself.'
        : `${deadlock.cycle.length} threads, each holding a lock the next one waits for: a circle nobody can leave.`)),
    cycle,
  ];
  if (strategy.fix) {
    const button = fix
      ? el('button', { type: 'button', class: 'fix', 'data-fix': strategy.fix.strategy }, `Switch to “${fix.title}”`)
      : null;
    button?.addEventListener('click', () => fix.choose());
    parts.push(el('p', { class: 'fix-note' }, el('strong', {}, 'The fix: '), strategy.fix.text, ' ', button));
  }
  return el('div', { class: 'deadlock-box' }, parts);
}

function lessonNote(report, strategy, violations, seen) {
  if (report.outcome === 'cancelled') return 'Stopped before the end: the counts cover the part that ran.';
  if (report.outcome === 'deadlock') {
    return 'Nobody in the cycle can go on, so in Python this program would hang forever. racelab ' +
      'spotted the cycle at once and unwound the threads so that you can carry on.';
  }
  if (report.outcome !== 'ok' && report.outcome !== 'violated') return null;
  // The lesson's own note for this placement (its manifest), with what the session saw.
  if (strategy.note) {
    const tally = countOf(seen);
    return strategy.note + (tally ? ` Seen with this placement this session: ${tally}.` : '');
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
