// The Python-style listing of the selected scenario, with the strategy's locks highlighted.

import { el } from './format.js';

export function renderListing(pre, strategy) {
  pre.replaceChildren(...strategy.listing.map((line, i) => {
    const span = el('span', { class: `line ${line.role}`, id: `listing-line-${i + 1}` }, line.text || ' ');
    // A long line wraps under its own code, a little deeper (style.css's hanging indent).
    span.style.setProperty('--indent', String(/^ */.exec(line.text)[0].length));
    return span;
  }));
}

/** Marks the lines where the threads of a deadlock `cycle` are stuck, naming the threads. */
export function markStuck(pre, cycle) {
  const byLine = new Map();
  for (const edge of cycle) {
    if (edge.line) byLine.set(edge.line, [...(byLine.get(edge.line) ?? []), edge.thread]);
  }
  for (const [line, threads] of byLine) {
    const span = pre.querySelector(`#listing-line-${line}`);
    if (!span) continue;
    span.classList.add('stuck');
    span.append(el('span', { class: 'stuck-badge' },
      `\u2190 thread${threads.length > 1 ? 's' : ''} ${threads.join(', ')} stuck here`));
  }
}
