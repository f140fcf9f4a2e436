// The run setup: the gallery of demos, strategy toggle and parameter fields, built from the catalog.
//
// Values are kept as the learner typed them and sent to the core as given, so that a bad
// value is refused with the core's own message (which names the parameter and its range).

import { el } from './format.js';

const STORE = 'racelab.setup';

/**
 * A run setup as the address bar and the embed carry it: `{ scenario, strategy, params }`
 * with every parameter as text, as the learner would type it.
 * @typedef {{ scenario: string, strategy: string, params: Record<string, string> }} Setup
 */

export class Controls extends EventTarget {
  #catalog;
  #state;
  #dom;

  #store;

  /**
   * @param {object[]} catalog the scenarios, from pg.scenarios()
   * @param {object} dom the containers: scenarios, scenarioSummary, strategies,
   *   strategySummary, params (any of them may be a detached element, to leave it out)
   * @param {{ store?: string | null }} [options] the sessionStorage key the setup is kept
   *   under between reloads, or null to keep nothing (the embed)
   */
  constructor(catalog, dom, { store = STORE } = {}) {
    super();
    this.#catalog = catalog;
    this.#dom = dom;
    this.#store = store;
    this.#state = this.#load();
    this.#renderScenarios();
    this.#renderScenario();
  }

  /** The current setup: scenario, strategy and every parameter as its text. */
  get setup() {
    const s = this.scenario;
    return {
      scenario: s.id,
      strategy: this.strategy.id,
      params: Object.fromEntries(s.params.map((p) => [p.name, String(this.#raw(p))])),
    };
  }

  /**
   * Shows `setup` (from a link) as if the learner had picked it. Parameters it does not
   * name go back to the lesson's defaults. Fires `change` with `detail.kind` 'link'.
   * @param {Setup} setup
   */
  apply(setup) {
    const s = this.#catalog.find((x) => x.id === setup.scenario);
    if (!s) return;
    this.#state.scenario = s.id;
    if (s.strategies.some((x) => x.id === setup.strategy)) this.#state.strategy[s.id] = setup.strategy;
    this.#state.params[s.id] = { ...setup.params };
    this.#save();
    for (const input of this.#dom.scenarios.querySelectorAll('input')) input.checked = input.value === s.id;
    this.#renderScenario();
    this.#changed('link');
  }

  /** The selected scenario's catalog entry. */
  get scenario() {
    return this.#catalog.find((s) => s.id === this.#state.scenario);
  }

  /** The selected strategy's catalog entry. */
  get strategy() {
    const s = this.scenario;
    return s.strategies.find((x) => x.id === this.#state.strategy[s.id]) ?? s.strategies[0];
  }

  /** The config to run: scenario, strategy and every parameter field as typed. */
  config() {
    const s = this.scenario;
    const config = { scenario: s.id, strategy: this.strategy.id };
    for (const p of s.params) config[p.name] = parseField(p, this.#raw(p));
    return config;
  }

  /** Selects strategy `id` of the selected scenario, as if the learner had clicked it. */
  chooseStrategy(id) {
    const s = this.scenario;
    if (!s.strategies.some((x) => x.id === id)) return;
    this.#state.strategy[s.id] = id;
    this.#save();
    this.#renderScenario();
    this.#changed('strategy');
    this.#dom.strategies.querySelector(`[data-strategy="${id}"] input`)?.focus();
  }

  /** Puts every parameter of the selected scenario back to the lesson's default. */
  resetParams() {
    this.#state.params[this.scenario.id] = {};
    this.#save();
    this.#renderParams();
    this.#changed('params');
  }

  /** Marks the field named by a refusal (or clears every mark with null). */
  markInvalid(field) {
    for (const input of this.#dom.params.querySelectorAll('input')) {
      input.setAttribute('aria-invalid', String(input.name === field));
      if (input.name === field) input.focus();
    }
  }

  #raw(p) {
    const given = this.#state.params[this.scenario.id]?.[p.name];
    return given ?? defaultText(p);
  }

  #load() {
    let saved = {};
    try { saved = (this.#store && JSON.parse(sessionStorage.getItem(this.#store))) || {}; } catch { /* start fresh */ }
    const scenario = this.#catalog.some((s) => s.id === saved.scenario) ? saved.scenario : this.#catalog[0].id;
    return { scenario, strategy: saved.strategy ?? {}, params: saved.params ?? {} };
  }

  #save() {
    if (!this.#store) return;
    try { sessionStorage.setItem(this.#store, JSON.stringify(this.#state)); } catch { /* storage full or off */ }
  }

  /** `kind` says what changed: 'scenario', 'strategy', 'params' (typing) or 'link'. */
  #changed(kind) {
    this.dispatchEvent(new CustomEvent('change', { detail: { kind } }));
  }

  #renderScenarios() {
    const box = this.#dom.scenarios;
    box.replaceChildren(box.querySelector('legend'));
    for (const s of this.#catalog) {
      // The card's title names the radio; its two sentences describe it.
      const ids = ['title', 'guarantee', 'watch'].map((part) => `card-${s.id}-${part}`);
      const input = el('input', {
        type: 'radio', name: 'scenario', value: s.id,
        'aria-labelledby': ids[0], 'aria-describedby': `${ids[1]} ${ids[2]}`,
      });
      input.checked = s.id === this.#state.scenario;
      input.addEventListener('change', () => {
        this.#state.scenario = s.id;
        this.#save();
        this.#renderScenario();
        this.#changed('scenario');
      });
      box.append(el('label', { class: 'card', 'data-scenario': s.id },
        input,
        el('span', { class: 'card-title', id: ids[0] }, s.title),
        el('span', { class: 'card-guarantee', id: ids[1] }, s.guarantee),
        el('span', { class: 'card-watch', id: ids[2] }, el('strong', {}, 'Watch: '), s.watch)));
    }
  }

  #renderScenario() {
    const s = this.scenario;
    this.#dom.scenarioSummary.textContent = `${s.summary} (${s.lesson}.)`;
    const box = this.#dom.strategies;
    box.replaceChildren(box.querySelector('legend'));
    for (const st of s.strategies) {
      const input = el('input', { type: 'radio', name: 'strategy', value: st.id });
      input.checked = st.id === this.strategy.id;
      input.addEventListener('change', () => {
        this.#state.strategy[s.id] = st.id;
        this.#save();
        this.#renderStrategy();
        this.#changed('strategy');
      });
      const badge = el('span', { class: `badge ${st.safe ? 'safe' : 'unsafe'}`, text: st.safe ? 'safe' : 'unsafe' });
      box.append(el('label', { 'data-strategy': st.id }, input, st.title, ' ', badge));
    }
    this.#renderStrategy();
    this.#renderParams();
  }

  #renderStrategy() {
    this.#dom.strategySummary.textContent = this.strategy.summary;
  }

  #renderParams() {
    const box = this.#dom.params;
    box.replaceChildren(box.querySelector('legend'));
    for (const p of this.scenario.params) {
      const id = `param-${p.name}`;
      const list = p.type === 'int-list';
      const input = el('input', {
        id, name: p.name,
        type: list ? 'text' : 'number',
        inputmode: list ? 'numeric' : null,
        min: list ? null : p.min,
        max: list ? null : p.max,
        step: list ? null : 1,
        'aria-describedby': `${id}-range`,
        spellcheck: 'false',
      });
      input.value = this.#raw(p);
      input.addEventListener('input', () => {
        (this.#state.params[this.scenario.id] ??= {})[p.name] = input.value;
        input.removeAttribute('aria-invalid');
        this.#save();
        this.#changed('params');
      });
      const unit = p.unit && !p.name.endsWith(`_${p.unit}`) ? ` (${p.unit})` : '';
      box.append(el('div', { class: `param${list ? ' wide' : ''}` },
        el('label', { for: id, title: p.help }, p.name.replaceAll('_', ' ') + unit),
        input,
        el('span', { class: 'range', id: `${id}-range` }, rangeText(p), ' · ', p.help)));
    }
  }
}

function defaultText(p) {
  return p.type === 'int-list' ? p.default.join(', ') : String(p.default);
}

function rangeText(p) {
  if (p.type === 'int-list') return `${p.min_len} to ${p.max_len} numbers, each ${p.min} to ${p.max}`;
  return `${p.min} to ${p.max}`;
}

/** Numbers where the text is a number; otherwise the text itself, for the core to refuse. */
function parseField(p, text) {
  const one = (t) => (/^\s*-?\d+(\.\d+)?\s*$/.test(t) ? Number(t) : t.trim());
  if (p.type === 'int-list') return String(text).split(/[\s,;]+/).filter(Boolean).map(one);
  return one(String(text));
}
