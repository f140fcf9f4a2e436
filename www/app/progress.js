// The progress bar of a run in flight, fed from shared memory by api.js. A program does not
// know how long it will run: its bar is indeterminate, and the text says how long it has run
// and how many checks failed so far.

import { num } from './format.js';

export class Progress {
  #box;
  #bar;
  #text;
  #started = 0;

  constructor(box, bar, text) {
    this.#box = box;
    this.#bar = bar;
    this.#text = text;
  }

  start() {
    this.#started = performance.now();
    this.#bar.removeAttribute('value');
    this.#text.textContent = 'starting…';
    this.#box.hidden = false;
  }

  update({ done, total, violations }) {
    if (!total) {
      const seconds = ((performance.now() - this.#started) / 1000).toFixed(1);
      this.#text.textContent = `running for ${seconds} s · ${num(violations)} violations so far`;
      return;
    }
    this.#bar.max = total;
    this.#bar.value = done;
    this.#text.textContent = `${num(done)} of ${num(total)} steps · ${num(violations)} violations so far`;
  }

  finish() {
    this.#box.hidden = true;
  }
}
