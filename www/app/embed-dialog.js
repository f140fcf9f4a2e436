// The Embed button's dialog: the iframe snippet for the current setup, for course pages.

import { el } from './format.js';
import { setupQuery } from './links.js';

/** The parts of the embed a course page may show, in the order embed.html lays them out. */
export const EMBED_CONTROLS = [
  { id: 'strategy', label: 'Lock placement picker' },
  { id: 'params', label: 'Parameters' },
  { id: 'run', label: 'Run and Stop buttons' },
  { id: 'step', label: 'Step through it' },
];
/** What a frame shows when its address does not say. */
export const DEFAULT_CONTROLS = ['strategy', 'run'];

/** The script a course page adds once to let every racelab frame size itself. */
const RESIZE_SCRIPT = "<script>addEventListener('message', (e) => { if (e.data?.type !== 'racelab:height') return; " +
  "for (const f of document.querySelectorAll('iframe')) if (f.contentWindow === e.source) f.style.height = e.data.height + 'px'; });</script>";

/**
 * The iframe that embeds `setup`. `controls` lists what the frame shows (EMBED_CONTROLS ids).
 * @param {import('./controls.js').Setup} setup
 * @param {string[]} controls
 * @param {string} title what a screen reader announces for the frame
 * @param {string} [base] the site's address (default: this page's)
 */
export function iframeSnippet(setup, controls, title, base = location.href) {
  const src = new URL(`embed.html?${setupQuery(setup, { controls: controls.join(',') || 'none' })}`, base);
  const attr = (text) => text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  return `<iframe src="${attr(src.href)}" title="${attr(title)}" width="100%" height="420" ` +
    'style="border: 0" loading="lazy" allow="cross-origin-isolated"></iframe>';
}

/** A modal dialog built on first use; `opener` gets focus back when it closes. */
export class EmbedDialog {
  #dialog = null;
  #fields = null;
  #setup = null;
  #title = '';

  constructor(opener) {
    this.opener = opener;
  }

  /**
   * Opens the dialog for `setup`; `titles` are the demo's and the strategy's titles.
   * @param {import('./controls.js').Setup} setup
   * @param {{ scenario: string, strategy: string }} titles
   */
  open(setup, titles) {
    this.#setup = setup;
    this.#title = `racelab: ${titles.scenario}, ${titles.strategy}`;
    if (!this.#dialog) this.#build();
    this.#update();
    this.#dialog.showModal();
    this.#fields.snippet.focus();
    this.#fields.snippet.select();
  }

  #build() {
    const boxes = EMBED_CONTROLS.map((c) => {
      const input = el('input', { type: 'checkbox', name: 'controls', value: c.id });
      input.checked = DEFAULT_CONTROLS.includes(c.id);
      input.addEventListener('change', () => this.#update());
      return el('label', { class: 'toggle' }, input, c.label);
    });
    const snippet = el('textarea', { id: 'embed-snippet', rows: 5, readonly: true, spellcheck: 'false', 'aria-describedby': 'embed-how' });
    const script = el('textarea', { id: 'embed-script', rows: 3, readonly: true, spellcheck: 'false' });
    script.value = RESIZE_SCRIPT;
    const said = el('p', { class: 'hint', role: 'status' });
    const copy = el('button', { type: 'button', class: 'primary' }, 'Copy the iframe');
    copy.addEventListener('click', () => this.#copy(snippet, said));
    const close = el('button', { type: 'button' }, 'Close');
    const dialog = el('dialog', { class: 'embed-dialog', 'aria-labelledby': 'embed-title' },
      el('h2', { id: 'embed-title' }, 'Embed this setup in a course page'),
      el('p', { id: 'embed-how' },
        'Paste this into the page. The frame runs this demo and lock placement with these parameters; ',
        'learners can re-run it. Where the browser cannot give a frame real threads, it offers step mode ',
        'and a link that opens the playground with real threads.'),
      el('fieldset', { class: 'embed-controls' }, el('legend', {}, 'The frame shows'), boxes),
      el('label', { for: 'embed-snippet' }, 'iframe'),
      snippet,
      el('div', { class: 'actions' }, copy, close),
      said,
      el('label', { for: 'embed-script' }, 'Optional, once per page: let the frames size themselves to fit'),
      script);
    close.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => this.opener?.focus());
    document.body.append(dialog);
    this.#dialog = dialog;
    this.#fields = { boxes, snippet, said };
  }

  #update() {
    const controls = this.#fields.boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    this.#fields.snippet.value = iframeSnippet(this.#setup, controls, this.#title);
    this.#fields.said.textContent = '';
  }

  async #copy(field, said) {
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(field.value);
      said.textContent = 'Copied.';
    } catch {
      field.focus();
      field.select();
      said.textContent = 'Copying is not allowed here: the snippet is selected, copy it by hand.';
    }
  }
}
