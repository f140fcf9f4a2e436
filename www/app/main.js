// The playground page: wires the UI modules to the JS API.
//
// window.racelab.ready resolves with the Playground once its runtime is up (course pages
// and tests use it), or rejects with the reason it cannot start. On a page that is not
// cross-origin isolated, or in a browser without SharedArrayBuffer, it still resolves,
// without real threads (pg.threads is false): step mode and exploration work there, and a
// banner says in one sentence why and how to get real threads (capabilities.js). Once
// ready, window.racelab.timeline, .batch and .stepper are the timeline, batch and step-mode
// views.
//
// The address bar carries the setup (?scenario=&strategy=&p.<name>=, see links.js): picking
// a demo or a lock placement adds a history entry, typing a parameter replaces it, and
// back and forward bring the setup back. A link made by step mode (?step=...) opens step
// mode at the step it encodes; step mode owns the address bar while it is open.
//
// Before anything starts, the service worker is registered (sw-client.js): on a host that
// sends no isolation headers the first visit reloads once to get them.

import { createPlayground } from './api.js';
import { detect, explain, ISOLATION_HEADERS } from './capabilities.js';
import { EmbedDialog } from './embed-dialog.js';
import { readSetup, setupQuery, withSetup } from './links.js';
import { showUpdate } from './notices.js';
import { isolateByServiceWorker, keepOffline } from './sw-client.js';
import { Batch, MAX_BATCH } from './batch.js';
import { Controls } from './controls.js';
import { download, fileName, toChromeTrace } from './export.js';
import { History } from './history.js';
import { markStuck, renderListing } from './listing.js';
import { Progress } from './progress.js';
import { Stepper, fromLink } from './stepper.js';
import { renderFailure, renderResult } from './result.js';
import { Timeline } from './timeline.js';
import { ms } from './format.js';

const $ = (id) => document.getElementById(id);
const TRACE_STORE = 'racelab.trace';

const ready = boot();
// guard.js made window.racelab (with the page's uncaught errors); the app adds to it.
window.racelab = Object.assign(window.racelab ?? {}, { ready });
// When the runtime came up, on the page's clock (the bench and the suite read it). A
// failure the page reports itself: keep an unobserved rejection out of the console.
ready.then(() => performance.mark('racelab:ready'), () => {});

async function boot() {
  const status = $('runtime-status');
  // Opened from a file: nothing can start (guard.js says what to do instead).
  if (window.racelab?.fromFile) throw new Error('racelab was opened from a file; serve its folder instead');
  const sw = globalThis.crossOriginIsolated
    ? { reloading: false, problem: null }
    : await isolateByServiceWorker({ onWait: () => { status.textContent = 'Setting up real threads and offline use (the page reloads once)…'; } });
  // About to come back with the service worker's headers: start nothing.
  if (sw.reloading) return new Promise(() => {});
  // One check of what this browser can do picks the executor and says so in one sentence.
  const caps = detect();
  const limitation = explain(caps, { serviceWorker: sw.problem });
  if (limitation) {
    showLimitation($('isolation'), limitation, { forHost: !caps.isolated && !caps.framed });
    status.textContent = caps.executor
      ? 'Real threads are not available here; step mode is.'
      : 'racelab cannot run in this browser.';
  }
  // The lessons paint at once from the build's catalog, while the runtime starts.
  const starting = createPlayground();
  starting.catch(() => {});
  const painted = paint(await staticCatalog());
  let pg;
  try {
    pg = await starting;
  } catch (e) {
    if (caps.executor) status.textContent = `Could not start the runtime: ${e.message}`;
    throw e;
  }
  status.textContent = pg.threads
    ? `Ready: ${pg.maxThreads} worker threads, started in ${ms(pg.moduleMs + pg.poolMs)}.`
    : 'Ready for step mode and exploration (no real threads here: see the note above).';
  pg.addEventListener('restart', ({ detail }) => {
    status.textContent = `The runtime was restarted (${detail.reason}); ready again.`;
  });
  wire(pg, painted ?? paint(pg.scenarios()));
  keepOffline({ onUpdate: (apply) => showUpdate($('update'), apply) });
  return pg;
}

/**
 * Fills the banner with `sentence`; `forHost` adds what a host must send (only a host can
 * fix a page that is not isolated).
 */
function showLimitation(banner, sentence, { forHost }) {
  banner.replaceChildren(sentence);
  if (forHost) {
    const host = document.createElement('p');
    host.className = 'banner-detail';
    host.textContent = `For whoever hosts it: send ${ISOLATION_HEADERS} with every file ` +
      '(cargo xtask serve does; on a static host the site\'s service worker adds them where the browser lets it).';
    banner.append(host);
  }
  banner.hidden = false;
}

/**
 * The demos as the build wrote them (`catalog.json`, the same the runtime gives), or null
 * if they cannot be had (the page then paints once the runtime is up).
 */
async function staticCatalog() {
  try {
    const response = await fetch(new URL('../catalog.json', import.meta.url));
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/**
 * Paints what needs no runtime: the gallery, the setup (from the address bar, if it names
 * one) and the listing. Returns null without a catalog.
 */
function paint(catalog) {
  if (!catalog) return null;
  const controls = new Controls(catalog, {
    scenarios: $('scenario-picker'),
    scenarioSummary: $('scenario-summary'),
    strategies: $('strategy-picker'),
    strategySummary: $('strategy-summary'),
    params: $('params'),
  });
  const { setup } = readSetup(location.search, catalog);
  if (setup) controls.apply(setup);
  const showListing = () => {
    $('listing-title').textContent = `The code: ${controls.scenario.title}, ${controls.strategy.title}`;
    renderListing($('listing'), controls.strategy);
  };
  controls.addEventListener('change', showListing);
  showListing();
  return { catalog, controls };
}

function wire(pg, { catalog, controls }) {
  const history = new History($('history'));
  const progress = new Progress($('progress'), $('progress-bar'), $('progress-text'));
  const timeline = new Timeline($('timeline'));
  const batch = new Batch(pg, $('batch'));
  const stepper = new Stepper(pg, $('stepper'), { panel: $('step-panel') });
  Object.assign(window.racelab, { timeline, batch, stepper });
  const traceBox = $('trace');
  const batchN = $('batch-n');
  const runButtons = ['run', 'run-batch', 'compare', 'observer'].map($);
  const stopButton = $('stop');
  const error = $('config-error');
  let running = null; // 'run' or 'batch' while one is in flight
  let lastTraced = null;

  traceBox.checked = sessionStorage.getItem(TRACE_STORE) === 'on';
  traceBox.addEventListener('change', () => {
    try { sessionStorage.setItem(TRACE_STORE, traceBox.checked ? 'on' : 'off'); } catch { /* storage off */ }
  });

  timeline.show({});

  // Without isolation the real-thread buttons stay off, saying why; step mode is the way in.
  const threadsOff = pg.threads ? null : 'No real threads here (the note above says why): use Step through it';
  const enableRuns = () => {
    for (const b of runButtons) {
      b.disabled = Boolean(threadsOff);
      if (threadsOff) b.title = threadsOff;
    }
  };
  enableRuns();
  if (history.length) $('run').textContent = 'Re-run';
  $('step-open').disabled = false;
  $('step-open').addEventListener('click', () => stepper.open(controls.config()));
  $('replay').addEventListener('click', () => lastTraced && stepper.replay(lastTraced));
  const shared = fromLink(location.search);
  if (shared) stepper.open(shared.config, { schedule: shared.schedule, kind: shared.kind });

  // The setup in the address bar, unless step mode owns it.
  const writeAddress = (how) => {
    if (stepper.isOpen) return;
    const url = withSetup(location.href, setupQuery(controls.setup));
    if (url === location.pathname + location.search + location.hash) return;
    // `history` here is this session's runs; the address bar's is window.history.
    if (how === 'push') window.history.pushState(null, '', url);
    else window.history.replaceState(window.history.state, '', url);
  };
  const fromAddress = () => {
    const { setup, problems } = readSetup(location.search, catalog);
    if (setup) controls.apply(setup);
    error.textContent = problems.join(' ');
    error.hidden = !problems.length;
  };
  fromAddress();
  writeAddress('replace');
  controls.addEventListener('change', ({ detail }) => {
    if (detail?.kind === 'scenario' || detail?.kind === 'strategy') writeAddress('push');
    else if (detail?.kind === 'params') writeAddress('replace');
  });
  stepper.addEventListener('close', () => writeAddress('replace'));
  window.addEventListener('popstate', () => {
    if (stepper.isOpen) stepper.close();
    fromAddress();
    writeAddress('replace');
  });
  const embed = new EmbedDialog($('embed-open'));
  $('embed-open').addEventListener('click', () => embed.open(controls.setup, {
    scenario: controls.scenario.title, strategy: controls.strategy.title,
  }));

  const config = () => ({ ...controls.config(), ...(traceBox.checked ? { trace: true } : {}) });

  /** Runs `task` with the run buttons off and Stop on; refusals land on their field. */
  async function busy(kind, task) {
    if (running) return;
    running = kind;
    error.hidden = true;
    controls.markInvalid(null);
    batchN.removeAttribute('aria-invalid');
    for (const b of runButtons) b.disabled = true;
    stopButton.disabled = false;
    try {
      await task();
    } catch (e) {
      if (e.field) {
        error.textContent = e.message;
        error.hidden = false;
        controls.markInvalid(e.field);
      } else {
        // No report came back (the runtime trapped): say so where the result would be.
        renderFailure($('result'), e.message);
      }
    } finally {
      running = null;
      enableRuns();
      stopButton.disabled = true;
    }
  }

  $('params-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy('run', async () => {
      progress.start();
      const strategy = controls.strategy;
      const titles = { scenario: controls.scenario.title, strategy: strategy.title };
      try {
        const report = await pg.run(config(), { onProgress: (p) => progress.update(p) });
        history.add(report, titles);
        const fixId = strategy.fix?.strategy;
        const fix = fixId && {
          title: controls.scenario.strategies.find((s) => s.id === fixId)?.title ?? fixId,
          choose: () => controls.chooseStrategy(fixId),
        };
        renderResult($('result'), report, strategy, history.resultsOf(report.scenario, report.strategy), fix);
        if (report.deadlock && controls.strategy.id === report.strategy) markStuck($('listing'), report.deadlock.cycle);
        timeline.show(report, controls.scenario.invalid);
        lastTraced = report.trace ? report : null;
        $('trace-export').hidden = !lastTraced;
        $('replay').hidden = !(lastTraced?.trace?.replay?.length);
        $('run').textContent = 'Re-run';
      } finally {
        progress.finish();
      }
    });
  });

  /** The batch size field, or a refusal naming it. */
  function runs() {
    const n = Number(batchN.value);
    if (Number.isInteger(n) && n >= 2 && n <= MAX_BATCH) return n;
    const err = new Error(`runs: must be a whole number from 2 to ${MAX_BATCH}, got ${JSON.stringify(batchN.value)}`);
    err.field = 'batch-n';
    throw err;
  }
  const startBatch = (kind) => busy('batch', async () => {
    const who = { scenario: controls.scenario, strategy: controls.strategy };
    try {
      const n = runs();
      if (kind === 'repeat') await batch.repeat(config(), n, who);
      if (kind === 'compare') await batch.compare(config(), n, who.scenario);
      if (kind === 'observer') await batch.observer(config(), n, who);
    } catch (e) {
      if (e.field === 'batch-n') {
        batchN.setAttribute('aria-invalid', 'true');
        batchN.focus();
        error.textContent = e.message;
        error.hidden = false;
        return;
      }
      throw e;
    }
  });
  $('run-batch').addEventListener('click', () => startBatch('repeat'));
  $('compare').addEventListener('click', () => startBatch('compare'));
  $('observer').addEventListener('click', () => startBatch('observer'));

  const stop = () => {
    if (running === 'batch') batch.stop();
    else if (running) pg.stop();
  };
  stopButton.addEventListener('click', stop);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && running) stop();
  });
  $('export-json').addEventListener('click', () => lastTraced && download(lastTraced, fileName(lastTraced, 'json')));
  $('export-chrome').addEventListener('click', () => lastTraced && download(toChromeTrace(lastTraced), fileName(lastTraced, 'chrome')));
  $('defaults').addEventListener('click', () => controls.resetParams());
  $('clear-history').addEventListener('click', () => history.clear());
}
