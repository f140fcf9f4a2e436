// embed.html: one setup in a compact view, for iframes in course pages.
//
//   embed.html?scenario=bank&strategy=none&p.threads=5&controls=strategy,run
//
// `controls` lists what the frame shows besides the result: strategy (the lock placement
// picker), params, run (Run and Stop), step (Step through it); `none` shows the result
// only, for a host page that drives the frame with messages (embed-messages.js). The frame
// tells its parent its height on every change, so a host can size it to fit.
//
// Where the frame cannot be cross-origin isolated (browsers without
// Document-Isolation-Policy, third-party frames whose storage is blocked), runs are stepped:
// every thread takes turns on one, chosen at random, which still breaks what is unsafe;
// step mode is offered, and a link opens the playground with real threads in a new tab.
//
// window.racelab.ready resolves with the Playground, as on index.html.

import { createPlayground } from './api.js';
import { explain } from './capabilities.js';
import { Controls } from './controls.js';
import { DEFAULT_CONTROLS, EMBED_CONTROLS } from './embed-dialog.js';
import { MessageError, readMessage } from './embed-messages.js';
import { readSetup, setupQuery } from './links.js';
import { showUpdate } from './notices.js';
import { renderFailure, renderResult } from './result.js';
import { Stepper } from './stepper.js';
import { isolateByServiceWorker, keepOffline } from './sw-client.js';

const $ = (id) => document.getElementById(id);

const ready = boot();
// guard.js made window.racelab (with the page's uncaught errors); the app adds to it.
window.racelab = Object.assign(window.racelab ?? {}, { ready });
// When the runtime came up, on the page's clock (the bench and the suite read it). A
// failure the frame reports itself: keep an unobserved rejection out of the console.
ready.then(() => performance.mark('racelab:ready'), () => {});

/** Sends `message` to the page around the frame, if there is one. */
function toParent(message) {
  if (window.parent !== window) window.parent.postMessage(message, '*');
}

async function boot() {
  const status = $('runtime-status');
  // Opened from a file: nothing can start (guard.js says what to do instead).
  if (window.racelab?.fromFile) throw new Error('racelab was opened from a file; serve its folder instead');
  watchHeight();
  const sw = globalThis.crossOriginIsolated
    ? { reloading: false, problem: null }
    : await isolateByServiceWorker({ onWait: () => { status.textContent = 'Setting up real threads (the frame reloads once)…'; } });
  // About to come back with the service worker's headers: start nothing.
  if (sw.reloading) return new Promise(() => {});
  let pg;
  try {
    pg = await createPlayground();
  } catch (e) {
    status.textContent = `Could not start the runtime: ${e.message}`;
    toParent({ type: 'racelab:error', id: null, field: null, message: e.message });
    throw e;
  }
  wire(pg);
  keepOffline({ onUpdate: (apply) => showUpdate($('update'), apply) });
  return pg;
}

/** Posts the content's height to the parent whenever it changes. */
function watchHeight() {
  if (window.parent === window) return;
  let last = 0;
  new ResizeObserver(() => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) toParent({ type: 'racelab:height', height: (last = height) });
  }).observe(document.documentElement);
}

/** Which parts the frame shows, and the problem with `controls` if any. */
function readControls(search) {
  const text = new URLSearchParams(search).get('controls') ?? DEFAULT_CONTROLS.join(',');
  const ids = EMBED_CONTROLS.map((c) => c.id);
  const asked = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = asked.filter((c) => c !== 'none' && !ids.includes(c));
  const problem = bad.length
    ? `controls: "${bad.join(', ')}" is not a part of the frame; list any of ${ids.join(', ')}, or none`
    : null;
  return { shown: new Set(asked.filter((c) => ids.includes(c))), problem };
}

function wire(pg) {
  const catalog = pg.scenarios();
  const { setup, problems } = readSetup(location.search, catalog);
  const { shown, problem } = readControls(location.search);
  if (!setup && !problems.length) problems.push(`scenario: this frame needs one, like embed.html?scenario=bank; the demos are ${catalog.map((s) => s.id).join(', ')}`);
  if (problem) problems.push(problem);
  const linkError = $('link-problems');
  linkError.textContent = problems.join(' ');
  linkError.hidden = !problems.length;

  const controls = new Controls(catalog, {
    scenarios: document.createElement('fieldset'),
    scenarioSummary: $('scenario-summary'),
    strategies: $('strategy-picker'),
    strategySummary: $('strategy-summary'),
    params: $('params'),
  }, { store: null });
  if (setup) controls.apply(setup);
  const threads = pg.threads;
  const limitation = explain(pg.capabilities);
  const stepper = new Stepper(pg, $('stepper'), { panel: $('step-panel') });
  Object.assign(window.racelab, { controls, stepper });

  $('strategy-picker').hidden = !shown.has('strategy');
  $('params').hidden = !shown.has('params');
  $('run-actions').hidden = !shown.has('run') && !shown.has('step') && threads;
  $('run').hidden = !shown.has('run') && threads;
  $('stop').hidden = !shown.has('run') && threads;
  // Without real threads, step mode is the frame's best lesson: always offer it.
  $('step-open').hidden = !shown.has('step') && threads;

  const title = () => `${controls.scenario.title}: ${controls.strategy.title}`;
  const fullLink = $('open-full');
  const showSetup = () => {
    $('embed-title').textContent = title();
    fullLink.href = `./?${setupQuery(controls.setup)}`;
    $('open-threads').href = fullLink.href;
  };
  controls.addEventListener('change', showSetup);
  showSetup();

  const status = $('runtime-status');
  if (threads) {
    status.textContent = `Ready: real threads (${pg.maxThreads} workers).`;
  } else {
    $('isolation-why').textContent = limitation;
    // Only a frame that is not isolated gains from a page of its own; a browser without
    // SharedArrayBuffer has no threads there either.
    $('open-threads').hidden = pg.capabilities.isolated;
    $('isolation').hidden = false;
    status.textContent = 'Ready: runs here are stepped, one thread at a time.';
    $('run').textContent = 'Run (stepped)';
  }

  const state = (id = null) => ({ type: 'racelab:state', id, ...controls.setup, threads, running: Boolean(running) });
  let running = null;

  /** Runs the current setup; posts the result (or the refusal) to `reply`. */
  async function run(reply, id = null) {
    if (running) {
      reply({ type: 'racelab:error', id, field: null, message: 'a run is in flight: wait for its result, or send racelab:stop' });
      return;
    }
    const config = { ...controls.config(), ...(threads ? {} : { executor: 'stepped' }) };
    const strategy = controls.strategy;
    running = config;
    $('run').disabled = true;
    $('stop').disabled = false;
    $('config-error').hidden = true;
    controls.markInvalid(null);
    try {
      const report = await pg.run(config);
      renderResult($('result'), report, strategy);
      reply({ type: 'racelab:result', id, report });
    } catch (e) {
      if (e.field) {
        $('config-error').textContent = e.message;
        $('config-error').hidden = false;
        controls.markInvalid(e.field);
      } else {
        renderFailure($('result'), e.message);
      }
      reply({ type: 'racelab:error', id, field: e.field ?? null, message: e.message });
    } finally {
      running = null;
      $('run').disabled = false;
      $('stop').disabled = true;
    }
  }

  $('params-form').addEventListener('submit', (event) => {
    event.preventDefault();
    run(toParent);
  });
  $('stop').addEventListener('click', () => pg.stop());
  $('step-open').addEventListener('click', () => stepper.open(controls.config()));
  $('run').disabled = false;

  window.addEventListener('message', (event) => {
    if (event.source === window) return;
    const reply = (message) => event.source?.postMessage(message, event.origin === 'null' ? '*' : event.origin);
    let command;
    try {
      command = readMessage(event.data, controls.scenario);
    } catch (e) {
      if (!(e instanceof MessageError)) throw e;
      // The answer carries the sender's id when it is one an answer can carry.
      const id = event.data.id;
      reply({ type: 'racelab:error', id: typeof id === 'string' || Number.isFinite(id) ? id : null, field: e.field, message: e.message });
      return;
    }
    if (!command) return;
    const changed = (command.strategy || command.params) && {
      ...controls.setup,
      ...(command.strategy ? { strategy: command.strategy } : {}),
      params: { ...controls.setup.params, ...command.params },
    };
    if (changed && running) {
      reply({ type: 'racelab:error', id: command.id, field: null, message: 'a run is in flight: the setup cannot change until it ends' });
      return;
    }
    if (changed) controls.apply(changed);
    if (command.type === 'racelab:run') run(reply, command.id);
    else if (command.type === 'racelab:stop') {
      pg.stop();
      reply(state(command.id));
    } else reply(state(command.id));
  });

  toParent({ type: 'racelab:ready', ...controls.setup, threads, limitation });
}
