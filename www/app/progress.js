// The progress bar of a run in flight, fed from shared memory by api.js.

import { num } from './format.js';

export class Progress {
  #box;
  #bar;
  #text;

  constructor(box, bar, text) {
    this.#box = box;
    this.#bar = bar;
    this.#text = text;
  }

  start() {
    this.#bar.removeAttribute('value');
    this.#text.textContent = 'starting…';
    this.#box.hidden = false;
  }

  update({ done, total, violations }) {
    if (!total) return;
    this.#bar.max = total;
    this.#bar.value = done;
    this.#text.textContent = `${num(done)} of ${num(total)} steps · ${num(violations)} violations so far`;
  }

  finish() {
    this.#box.hidden = true;
  }
}
