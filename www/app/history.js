// This session's runs, side by side: "faster and wrong" next to "slower and right".
// Kept in sessionStorage so a reload (or a runtime restart) loses nothing.

import { finalSummary } from './finals.js';
import { el, ms, num } from './format.js';

const STORE = 'racelab.history';
const KEEP = 200;

export class History {
  #rows;
  #tbody;

  constructor(table) {
    this.#tbody = table.tBodies[0];
    try { this.#rows = JSON.parse(sessionStorage.getItem(STORE)) ?? []; } catch { this.#rows = []; }
    this.#render();
  }

  /** Adds a finished run. */
  add(report, titles) {
    const { seed, ...params } = report.params;
    this.#rows.push({
      n: (this.#rows.at(-1)?.n ?? 0) + 1,
      scenarioId: report.scenario,
      strategyId: report.strategy,
      scenario: titles.scenario,
      strategy: titles.strategy,
      result: report.outcome === 'ok' || report.outcome === 'violated' ? finalSummary(report) : '',
      outcome: report.outcome,
      violations: report.invariants.reduce((n, i) => n + i.violations, 0),
      ms: report.elapsed_ms,
      params: Object.entries(params).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join('/') : v}`).join(', '),
    });
    this.#rows = this.#rows.slice(-KEEP);
    this.#save();
    this.#render();
  }

  /** Final-state summaries of the finished runs of one scenario and strategy, oldest first. */
  resultsOf(scenarioId, strategyId) {
    return this.#rows
      .filter((r) => r.scenarioId === scenarioId && r.strategyId === strategyId && r.result)
      .map((r) => r.result);
  }

  clear() {
    this.#rows = [];
    this.#save();
    this.#render();
  }

  get length() {
    return this.#rows.length;
  }

  #save() {
    try { sessionStorage.setItem(STORE, JSON.stringify(this.#rows)); } catch { /* storage off */ }
  }

  #render() {
    const slowest = Math.max(1, ...this.#rows.map((r) => r.ms));
    this.#tbody.replaceChildren(...this.#rows.slice().reverse().map((r) =>
      el('tr', {},
        el('td', {}, r.n),
        el('td', {}, r.scenario),
        el('td', {}, r.strategy),
        el('td', { class: r.outcome }, r.outcome),
        el('td', {}, num(r.violations)),
        el('td', {}, r.result ?? ''),
        el('td', {}, el('span', { class: 'timebar', style: { width: `${Math.max(2, (60 * r.ms) / slowest)}px` } }), ms(r.ms)),
        el('td', { class: 'params' }, r.params))));
  }
}
