// Links that carry a run setup: the playground's address bar, embed.html's address and the
// Embed button's snippet all use one query format:
//
//   ?scenario=bank&strategy=none&p.accounts=100,100,100&p.threads=5
//
// Every parameter is written, not only those that differ from the defaults, so that a link
// means the same setup even if a later version changes a default. Values stay text: the
// run refuses a bad one with the core's message, which names it and its range.
// (Step mode's links, ?step=..., are step mode's own: see stepper.js.)

/** Query keys a setup link owns besides every `p.<name>`. */
const KEYS = ['scenario', 'strategy'];

/**
 * The setup a query names, and what is wrong with it: `{ setup, problems }`. `setup` is null
 * when the query names no scenario. A problem is a sentence that starts with the name of
 * the query parameter at fault and gives what it allows; what can be kept is kept (an
 * unknown strategy falls back to the scenario's first, an unknown parameter is dropped).
 * @param {string} search location.search or the like
 * @param {object[]} catalog pg.scenarios()
 * @returns {{ setup: import('./controls.js').Setup | null, problems: string[] }}
 */
export function readSetup(search, catalog) {
  const q = new URLSearchParams(search);
  const problems = [];
  if (!q.has('scenario')) return { setup: null, problems };
  const id = q.get('scenario');
  const scenario = catalog.find((s) => s.id === id);
  if (!scenario) {
    const ids = catalog.map((s) => s.id).join(', ');
    problems.push(`scenario: this link names "${id}", which is not a demo; the demos are ${ids}`);
    return { setup: null, problems };
  }
  let strategy = q.get('strategy') ?? scenario.strategies[0].id;
  if (!scenario.strategies.some((s) => s.id === strategy)) {
    const ids = scenario.strategies.map((s) => s.id).join(', ');
    problems.push(`strategy: "${strategy}" is not a lock placement of ${id}; choose one of ${ids}`);
    strategy = scenario.strategies[0].id;
  }
  const params = {};
  for (const [key, value] of q) {
    if (!key.startsWith('p.')) continue;
    const name = key.slice(2);
    if (scenario.params.some((p) => p.name === name)) {
      params[name] = value;
    } else {
      const names = scenario.params.map((p) => p.name).join(', ');
      problems.push(`${key}: ${id} has no parameter "${name}"; its parameters are ${names}`);
    }
  }
  return { setup: { scenario: id, strategy, params }, problems };
}

/**
 * `setup` as query parameters (without the `?`), after `extra` ones such as `controls`.
 * Lists are written with bare commas: "100, 100" becomes "100,100".
 * @param {import('./controls.js').Setup} setup
 * @param {Record<string, string>} [extra]
 * @returns {string}
 */
export function setupQuery(setup, extra = {}) {
  const q = new URLSearchParams({ scenario: setup.scenario, strategy: setup.strategy });
  for (const [name, text] of Object.entries(setup.params)) {
    q.set(`p.${name}`, String(text).trim().replace(/\s*[,;\s]\s*/g, ','));
  }
  for (const [key, value] of Object.entries(extra)) q.set(key, value);
  // URLSearchParams escapes commas; lists read better with them as they are.
  return q.toString().replaceAll('%2C', ',');
}

/**
 * The address bar without the keys a setup link owns (and `drop`'s), plus `query`.
 * @param {string} href location.href
 * @param {string} query from setupQuery
 * @returns {string} a relative URL for history.pushState
 */
export function withSetup(href, query) {
  const url = new URL(href);
  for (const key of [...url.searchParams.keys()]) {
    if (KEYS.includes(key) || key.startsWith('p.')) url.searchParams.delete(key);
  }
  const rest = url.searchParams.toString();
  return `${url.pathname}?${query}${rest ? `&${rest}` : ''}${url.hash}`;
}
