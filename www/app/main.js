// The playground page: wires the UI modules to the JS API.
//
// window.racelab.ready resolves with the Playground once its threads are up (course pages
// and tests use it), or rejects with the reason they cannot start.

import { createPlayground, isolationProblem } from './api.js';
import { Controls } from './controls.js';
import { History } from './history.js';
import { markStuck, renderListing } from './listing.js';
import { Progress } from './progress.js';
import { renderFailure, renderResult } from './result.js';
import { ms } from './format.js';

const $ = (id) => document.getElementById(id);

const ready = boot();
window.racelab = { ready };
// The page reports a failure itself; keep an unobserved rejection out of the console.
ready.catch(() => {});

async function boot() {
  const status = $('runtime-status');
  const problem = isolationProblem();
  if (problem) {
    const banner = $('isolation');
    banner.textContent = problem;
    banner.hidden = false;
    status.textContent = 'Real threads are not available on this page.';
  }
  let pg;
  try {
    pg = await createPlayground();
  } catch (e) {
    status.textContent = `Could not start the threads: ${e.message}`;
    throw e;
  }
  status.textContent = `Ready: ${pg.maxThreads} worker threads, started in ${ms(pg.moduleMs + pg.poolMs)}.`;
  pg.addEventListener('restart', ({ detail }) => {
    status.textContent = `The runtime was restarted (${detail.reason}); ready again.`;
  });
  wire(pg);
  return pg;
}

function wire(pg) {
  const controls = new Controls(pg.scenarios(), {
    scenarios: $('scenario-picker'),
    scenarioSummary: $('scenario-summary'),
    strategies: $('strategy-picker'),
    strategySummary: $('strategy-summary'),
    params: $('params'),
  });
  const history = new History($('history'));
  const progress = new Progress($('progress'), $('progress-bar'), $('progress-text'));
  const runButton = $('run');
  const stopButton = $('stop');
  const error = $('config-error');
  let running = false;

  const showListing = () => {
    $('listing-title').textContent = `The code: ${controls.scenario.title}, ${controls.strategy.title}`;
    renderListing($('listing'), controls.strategy);
  };
  controls.addEventListener('change', showListing);
  showListing();

  runButton.disabled = false;
  if (history.length) runButton.textContent = 'Re-run';

  $('params-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (running) return;
    running = true;
    error.hidden = true;
    controls.markInvalid(null);
    runButton.disabled = true;
    stopButton.disabled = false;
    progress.start();
    const strategy = controls.strategy;
    const titles = { scenario: controls.scenario.title, strategy: strategy.title };
    try {
      const report = await pg.run(controls.config(), { onProgress: (p) => progress.update(p) });
      history.add(report, titles);
      const fixId = strategy.fix?.strategy;
      const fix = fixId && {
        title: controls.scenario.strategies.find((s) => s.id === fixId)?.title ?? fixId,
        choose: () => controls.chooseStrategy(fixId),
      };
      renderResult($('result'), report, strategy, history.resultsOf(report.scenario, report.strategy), fix);
      if (report.deadlock && controls.strategy.id === report.strategy) markStuck($('listing'), report.deadlock.cycle);
      runButton.textContent = 'Re-run';
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
      running = false;
      progress.finish();
      runButton.disabled = false;
      stopButton.disabled = true;
    }
  });

  stopButton.addEventListener('click', () => pg.stop());
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && running) pg.stop();
  });
  $('defaults').addEventListener('click', () => controls.resetParams());
  $('clear-history').addEventListener('click', () => history.clear());
}
