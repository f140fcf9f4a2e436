// The Python-style listing of the selected scenario, with the strategy's locks highlighted.

import { el } from './format.js';

export function renderListing(pre, strategy) {
  pre.replaceChildren(...strategy.listing.map((line) =>
    el('span', { class: `line ${line.role}` }, line.text || ' ')));
}
