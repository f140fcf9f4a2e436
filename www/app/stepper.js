// Step mode: the learner is the scheduler.
//
// A stepped run carries out one operation of one thread at a time (a read, a write, taking a
// lock...), in the order a schedule gives: a list of thread numbers. The core is
// deterministic (same config, seed and schedule, same report), so this module never keeps a
// run alive: each Step re-runs the lesson's program from the start with the schedule so far
// plus one entry, and goes on by itself while there is nothing to choose (steps no other
// thread's can conflict with, and a thread alone able to move: `pause: "choice"`); Undo
// goes back to where the learner last chose. The runs are tiny, and this way every view is
// reproducible from (config, seed, schedule) alone, which is exactly what link() writes into
// the address bar. A link made before the lessons were programs (its steps counted a
// hand-written scenario's) opens the program from its start, with its setup.
//
// The view: one column per thread (its status, the listing with its next line marked, its
// Step button), the shared state, the invariants, the step log, the lesson's challenge when
// there is one, and an exploration of every interleaving: the proof that a safe strategy
// cannot be broken, or a shortest schedule that breaks an unsafe one.
//
// Keyboard: with focus inside the panel (not in a text field) 0-9 step that thread,
// Backspace or u undoes, r starts over. Every action goes through one queue and runs after
// the one before it has finished, so key presses are never lost, reordered or run at once.

import { renderFinal } from './finals.js';
import { el, num } from './format.js';
import {
  deadlockWords, entryWords, firstDifference, fromLink, halves, isLinked, lastStepWords, outcomeWords,
  prepare, toLink, waitingWords,
} from './step-model.js';

export { fromLink };

/** How many entries of the step log are drawn: enough to read, few enough to stay quick. */
const LOG_SHOWN = 200;
/** The address-bar parameters a step view owns (besides every `p.<name>`). */
const LINK_KEYS = new Set(['step', 'strategy', 'seed', 'schedule', 'v']);

/**
 * Step mode for the playground page and the embed. `root` is the container it draws into;
 * `panel` is the section around it, shown by open() and hidden by close(). While open it
 * owns the address bar (its links); it fires `close` when closed, so the page can put its
 * own address back.
 */
export class Stepper extends EventTarget {
  #pg;
  #root;
  #panel;
  #known = null;
  /**
   * The open view, or null: its config (what every run of it uses), catalog entries,
   * challenge, setup sentence, how it was opened, and what exploring and replaying found.
   */
  #view = null;
  #schedule = [];
  #report = null;
  #dom = null;
  #queue = Promise.resolve();
  #pending = 0;
  #opener = null;
  #sayTimer = 0;

  /**
   * @param {object} pg the Playground from api.js
   * @param {HTMLElement} root where step mode draws itself
   * @param {{ panel: HTMLElement }} options the section to show and hide
   */
  constructor(pg, root, { panel }) {
    super();
    this.#pg = pg;
    this.#root = root;
    this.#panel = panel;
    // The panel takes focus when it opens, so that the step keys work at once.
    panel.tabIndex = -1;
    panel.addEventListener('keydown', (e) => this.#onKey(e));
  }

  /**
   * Opens step mode on `config` ({ scenario, strategy, ...params, seed? }) and steps it
   * through `schedule`. A lesson with a small step setup (its manifest's `step`) gets it
   * instead of its parameters, unless the config came from fromLink() (or `exact` is set):
   * a link is reproduced as it was made. `kind` 'scenario' (a link made before the lessons
   * were programs) opens the program from its start. Resolves once the view is
   * drawn; a refused config is shown in the view's alert, not thrown.
   * @param {object} config
   * @param {{ schedule?: number[], exact?: boolean, kind?: string }} [options]
   * @returns {Promise<void>}
   */
  open(config, { schedule = [], exact = false, kind } = {}) {
    const asGiven = exact || isLinked(config);
    return this.#enqueue(async () => {
      this.#start(this.#prepare(config, asGiven, kind));
      if (this.#view.retired) {
        // Its steps were the old scenario's (the view's setup sentence says so): the
        // program starts from the top.
        await this.#go([], () => null);
        return;
      }
      const first = Array.isArray(schedule) ? [...schedule] : schedule;
      const hasSteps = !Array.isArray(first) || first.length > 0;
      const opened = await this.#go(first, () => (hasSteps ? `Opened at step ${this.#schedule.length}.` : null));
      // A schedule that was refused as a whole still leaves the view usable, from the start.
      if (!opened && hasSteps && this.#view) await this.#go([], () => null, { keepError: true });
    });
  }

  /**
   * Replays a traced real-thread report in step mode: its `trace.replay` (the order in which
   * the real threads ran) becomes the schedule of a stepped run of the same config and seed,
   * run to the end (no step setup applies). Says whether the replay reached the real run's final
   * state; from there, stepping and undo work as in any view.
   * @param {object} report a report of a run with `trace: true`
   * @returns {Promise<void>}
   */
  replay(report) {
    return this.#enqueue(async () => {
      const config = { scenario: report.scenario, strategy: report.strategy, ...report.params };
      this.#start(this.#prepare(config, true), { replaying: true });
      const view = this.#view;
      const schedule = report.trace?.replay;
      if (!Array.isArray(schedule)) {
        this.#fail('This run has no replay to step through: record a trace and run it again.');
        return;
      }
      let replayed;
      try {
        // No pause: the replay runs to the end, so that its final state can be compared.
        replayed = await this.#pg.run({ ...view.config, executor: 'stepped', schedule });
      } catch (e) {
        if (view === this.#view) this.#fail(e.message);
        return;
      }
      if (view !== this.#view) return;
      view.replay = { real: report.final, truncated: Boolean(report.trace.truncated), steps: schedule.length };
      this.#accept(replayed, () => `Replayed the real run: ${num(replayed.steps?.count ?? 0)} steps.`);
    });
  }

  /**
   * A URL that reproduces the current view: `?step=<scenario>&strategy=&seed=`, each
   * parameter as `p.<name>=` (lists comma-separated), and `schedule=` with one base-36
   * character per step. The page's own address when no view is open.
   * @returns {string}
   */
  link() {
    const base = location.origin + location.pathname;
    return this.#view ? base + toLink(this.#view.config, this.#schedule) : base;
  }


  /** Whether step mode is open (and owns the address bar). */
  get isOpen() {
    return this.#view !== null;
  }

  /** Closes step mode: hides the panel and takes the step view out of the address bar. */
  close() {
    this.#view = null;
    this.#report = null;
    this.#schedule = [];
    this.#dom = null;
    this.#panel.hidden = true;
    this.#root.replaceChildren();
    const url = new URL(location.href);
    for (const key of [...url.searchParams.keys()]) {
      if (LINK_KEYS.has(key) || key.startsWith('p.')) url.searchParams.delete(key);
    }
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    if (this.#opener?.isConnected) this.#opener.focus();
    this.#opener = null;
    this.dispatchEvent(new Event('close'));
  }

  // --- Running ----------------------------------------------------------------------------

  /** Runs `task` after every action queued before it; the root is aria-busy meanwhile. */
  #enqueue(task) {
    this.#pending += 1;
    this.#root.setAttribute('aria-busy', 'true');
    const run = this.#queue.then(task).finally(() => {
      this.#pending -= 1;
      if (!this.#pending) this.#root.setAttribute('aria-busy', 'false');
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Runs the view's config stepped through `schedule` and, if the view is still the same
   * when it returns, shows the report; `say(previous, report)` words the announcement.
   * Resolves true when a report was shown, false when the run was refused.
   */
  async #go(schedule, say, { keepError = false, exact = false } = {}) {
    const view = this.#view;
    if (!view) return false;
    // A view goes on while there is nothing to choose; `exact` stops where the schedule
    // ends (undo).
    const pause = exact ? true : 'choice';
    let report;
    try {
      report = await this.#pg.run({ ...view.config, executor: 'stepped', schedule, pause });
    } catch (e) {
      if (view === this.#view) this.#fail(e.message);
      return false;
    }
    if (view !== this.#view) return false;
    if (!report.steps || !report.final) {
      this.#fail(report.note ?? `The run ended without a state to show (${report.outcome}).`);
      return false;
    }
    this.#accept(report, say, { keepError });
    return true;
  }

  /** Makes `report` the current state of the view and draws it. */
  #accept(report, say, { keepError = false } = {}) {
    const view = this.#view;
    const previous = this.#report;
    const wasWon = Boolean(previous && view.challenge?.won(previous));
    this.#report = report;
    this.#schedule = report.steps.schedule;
    if (report.outcome === 'error') this.#showError(report.error?.message ?? 'The run failed.');
    else if (!keepError) this.#showError(null);
    this.#render();
    history.replaceState(history.state, '', this.link());

    const words = [say(previous, report)];
    if (report.outcome !== 'paused') words.push(outcomeWords(report));
    if (!wasWon && view.challenge?.won(report)) words.push(`You won! ${view.challenge.story(report)}`);
    this.#say(words.filter(Boolean).join(' '));
  }

  /** Steps thread `t`, or says why it cannot move. */
  #stepThread(t) {
    return this.#enqueue(async () => {
      const report = this.#report;
      if (!this.#view || !report) return;
      const threads = report.steps.threads;
      const th = threads[t];
      if (!th) {
        this.#say(`There is no thread ${t}: this run has threads 0 to ${threads.length - 1}.`);
      } else if (th.status === 'blocked') {
        this.#say(`Thread ${t} cannot move: it is ${waitingWords(th.next)}.`);
      } else if (th.status === 'done') {
        this.#say(`Thread ${t} is done.${report.outcome === 'paused' ? '' : ' The run is over: undo or start over.'}`);
      } else {
        const from = this.#schedule;
        if (await this.#go([...from, t], (before, after) => `Thread ${t} ${lastStepWords(before, after, t)}.`)) {
          this.#view?.chosen.push(from);
        }
      }
    });
  }

  #undo() {
    return this.#enqueue(async () => {
      if (!this.#view || !this.#report) return;
      if (!this.#schedule.length) {
        this.#say('Nothing to undo: this is the start.');
        return;
      }
      // Back to where the learner last chose; without that (a link, an opened example),
      // back to before the last step that was not quiet.
      const view = this.#view;
      const { steps } = this.#report;
      const back = view.chosen.pop()
        ?? this.#schedule.slice(0, steps.log_complete ? lastChoice(steps) : -1);
      const undone = this.#report.steps.log[back.length];
      await this.#go(back, () => (undone
        ? `Undid thread ${undone.thread}'s ${entryWords(undone)}.`
        : 'Undid the last step.'), { exact: true });
    });
  }

  #startOver() {
    return this.#enqueue(() => {
      if (this.#view) this.#view.chosen = [];
      return this.#go([], () => 'Back at the start: no thread has moved.');
    });
  }

  #openExample(schedule) {
    return this.#enqueue(() => {
      if (this.#view) this.#view.chosen = [];
      return this.#go([...schedule],
        () => `Opened the interleaving the exploration found: ${num(schedule.length)} steps.`, { exact: true });
    });
  }

  #explore() {
    return this.#enqueue(async () => {
      const view = this.#view;
      if (!view) return;
      const { proof } = this.#dom;
      proof.replaceChildren('Exploring every interleaving…');
      proof.className = 'step-proof';
      proof.removeAttribute('data-proof');
      proof.setAttribute('aria-busy', 'true');
      let result;
      try {
        result = await this.#pg.explore(view.config);
      } catch (e) {
        if (view !== this.#view) return;
        proof.setAttribute('aria-busy', 'false');
        proof.replaceChildren();
        this.#fail(e.message);
        return;
      }
      if (view !== this.#view) return;
      view.explored = result;
      this.#renderExplore();
      this.#say(`Exploration finished. ${proof.querySelector('.step-proof-text')?.textContent ?? ''}`);
    });
  }

  // --- Views ------------------------------------------------------------------------------

  /** What a view of `config` is (see prepare), and what exploring and replaying found. */
  #prepare(config, asGiven, kind) {
    this.#known ??= { lessons: this.#pg.lessons() };
    return { ...prepare(config, this.#known, { asGiven, kind }), asGiven, explored: null, replay: null, chosen: [] };
  }


  /** Makes `view` the open one: draws its frame, shows the panel and moves focus into it. */
  #start(view, { replaying = false } = {}) {
    const active = document.activeElement;
    if (!this.#view && active && active !== document.body && !this.#panel.contains(active)) {
      this.#opener = document.activeElement;
    }
    view.replaying = replaying;
    this.#view = view;
    this.#report = null;
    this.#schedule = [];
    this.#build();
    this.#panel.hidden = false;
    this.#panel.focus({ preventScroll: true });
    this.#panel.scrollIntoView({ block: 'start' });
  }

  /** Builds the frame of the view; #render fills it in for each report. */
  #build() {
    const view = this.#view;
    const dom = {};
    this.#dom = dom;
    const button = (label, key, onClick, attrs = {}) => {
      const b = el('button', { type: 'button', 'aria-keyshortcuts': key?.aria, ...attrs },
        label, key ? [' ', el('kbd', { 'aria-hidden': 'true' }, key.shown)] : null);
      b.addEventListener('click', onClick);
      return b;
    };

    const title = [view.title ?? view.config.scenario, view.placementTitle ?? view.config.strategy]
      .filter(Boolean).join(': ');
    let how = 'You are the scheduler: each Step button runs one operation of that thread (a read, a ' +
      'write, taking a lock), in the order you choose. Keys: 0 to 9 step a thread, Backspace or u ' +
      'undoes, r starts over. Thread 0 is the program\'s main thread. Steps that nothing else could come ' +
      'between (reading a function, a module or a constant, and a thread alone able to move) are taken for you.';
    if (view.replaying) how = 'This is a real run replayed one operation at a time, in the order its threads really ran. ' + how;
    else if (view.asGiven) how += ' This view comes from a link: its setup is used exactly as given.';
    const intro = el('div', { class: 'step-intro' },
      el('h3', { id: 'step-view-title' }, title),
      el('p', {}, how),
      view.setup ? el('p', { class: 'step-setup' }, view.setup) : null);

    dom.challenge = view.challenge ? this.#buildChallenge() : null;
    dom.replay = el('p', { class: 'step-replay', hidden: true });
    dom.outcome = el('p', { class: 'step-outcome', 'data-steps': '0' });
    dom.threads = el('div', { class: 'step-threads' });
    dom.columns = [];

    dom.state = el('div', { class: 'step-state-body' });
    dom.invariants = el('ul', { class: 'invariants step-invariants' });
    dom.logNote = el('p', { class: 'step-log-note', hidden: true });
    dom.log = el('ol', { class: 'step-log' });
    // A scroll box takes focus so that the keyboard can scroll it; a role lets it carry a name
    // (ARIA prohibits naming a plain div or pre).
    dom.logBox = el('div', { class: 'step-log-box', tabindex: '0', role: 'group', 'aria-labelledby': 'step-log-title' }, dom.log);
    const lower = el('div', { class: 'step-lower' },
      el('section', { class: 'step-state', 'aria-labelledby': 'step-state-title' },
        el('h3', { id: 'step-state-title' }, 'Shared state'), dom.state),
      el('section', { class: 'step-invariants-box', 'aria-labelledby': 'step-invariants-title' },
        el('h3', { id: 'step-invariants-title' }, 'Invariants'), dom.invariants),
      el('section', { class: 'step-log-section', 'aria-labelledby': 'step-log-title' },
        el('h3', { id: 'step-log-title' }, 'Step log'), dom.logNote, dom.logBox));

    dom.explore = button('Explore all interleavings', null, () => this.#explore());
    const tools = el('div', { class: 'actions step-tools', role: 'group', 'aria-label': 'Step mode' },
      button('Undo', { shown: 'Backspace', aria: 'Backspace u' }, () => this.#undo()),
      button('Start over', { shown: 'r', aria: 'r' }, () => this.#startOver()),
      dom.explore,
      button('Copy link', null, () => this.#copyLink()),
      button('Close', null, () => this.close()));

    dom.announce = el('p', { class: 'step-announce', 'aria-live': 'polite' });
    dom.error = el('p', { class: 'error step-error', role: 'alert', hidden: true });
    // Not a live region: the announcement line reads the result out.
    dom.proof = el('div', { class: 'step-proof' });
    dom.link = el('input', { id: 'step-link', class: 'step-link', type: 'text', readonly: true, spellcheck: 'false' });
    const linkRow = el('p', { class: 'step-link-row' },
      el('label', { for: 'step-link' }, 'Link to this view'), dom.link);

    this.#root.replaceChildren(intro, dom.challenge, dom.replay, dom.outcome, dom.threads, lower,
      tools, dom.announce, dom.error, dom.proof, linkRow);
  }

  #buildChallenge() {
    const { challenge, safe, placementTitle } = this.#view;
    const dom = this.#dom;
    dom.challengeStatus = el('p', { class: 'step-challenge-status' });
    return el('section', { class: 'step-challenge', 'data-challenge': 'open', 'aria-labelledby': 'step-challenge-title' },
      el('h3', { id: 'step-challenge-title' }, 'Challenge'),
      el('p', { class: 'step-goal' }, challenge.goal),
      safe
        ? el('p', { class: 'step-safe' }, 'With this strategy it cannot be done: ', el('strong', {}, placementTitle),
          ' is safe. Explore all interleavings tries every order of the threads\' steps, as the proof.')
        : null,
      dom.challengeStatus);
  }

  /** One column of a thread: its status, its copy of the listing, its Step button. */
  #buildColumn(t) {
    const listing = this.#view.listing;
    const status = el('p', { class: 'step-status', id: `step-thread-${t}-status` });
    const midway = el('p', { class: 'step-midway', hidden: true }, 'In the middle of an update');
    const step = el('button', {
      type: 'button', class: 'step-button', 'data-thread': t,
      'aria-keyshortcuts': t < 10 ? String(t) : null, 'aria-describedby': status.id,
    }, `Step thread ${t}`, t < 10 ? [' ', el('kbd', { 'aria-hidden': 'true' }, String(t))] : null);
    step.addEventListener('click', () => this.#stepThread(t));
    const lines = listing.map((line, i) => el('span', { class: `line ${line.role}`, 'data-line': i + 1 },
      el('span', { class: 'ln' }, String(i + 1)), line.text || ' '));
    const code = listing.length
      ? el('pre', { class: 'step-listing', tabindex: '0', role: 'group', 'aria-label': `The code, with thread ${t}'s next line marked` }, lines)
      : null;
    const box = el('section', { class: 'step-thread', 'data-thread': t, 'aria-labelledby': `step-thread-${t}-title` },
      el('h4', { id: `step-thread-${t}-title` }, `Thread ${t}`), status, midway, step, code);
    return { box, status, midway, step, code, lines, current: null };
  }

  // --- Drawing ----------------------------------------------------------------------------

  #render() {
    const report = this.#report;
    if (!report || !this.#dom) return;
    this.#renderOutcome();
    this.#renderThreads();
    this.#dom.state.replaceChildren(...[this.#stateTable(), this.#stateLine()].filter(Boolean));
    this.#renderInvariants();
    this.#renderLog();
    this.#renderChallenge();
    this.#renderReplay();
    this.#dom.link.value = this.link();
  }

  #renderOutcome() {
    const report = this.#report;
    const n = report.steps.count;
    const steps = `${num(n)} step${n === 1 ? '' : 's'}`;
    const text = {
      paused: `After ${steps}: pick the thread that moves next.`,
      ok: `Finished after ${steps}: every invariant held.`,
      violated: `Finished after ${steps}: an invariant was broken.`,
      deadlock: `Deadlock after ${steps}: ${deadlockWords(report.deadlock)}, so no thread can move.`,
      error: `Stopped after ${steps}: that schedule asked a thread that could not move.`,
    }[report.outcome] ?? `${report.outcome} after ${steps}.`;
    const out = this.#dom.outcome;
    out.className = `step-outcome ${report.outcome}`;
    out.dataset.outcome = report.outcome;
    out.dataset.steps = String(n);
    out.textContent = text;
  }

  #renderThreads() {
    const dom = this.#dom;
    const threads = this.#report.steps.threads;
    if (dom.columns.length !== threads.length) {
      dom.columns = threads.map((_, t) => this.#buildColumn(t));
      dom.threads.replaceChildren(...dom.columns.map((c) => c.box));
    }
    threads.forEach((th, t) => {
      const col = dom.columns[t];
      const line = th.status === 'done' ? null : th.next?.line ?? null;
      // Between breaking the data and mending it: the core says so of a scenario's thread;
      // a program's is at a line of its invalid stretch.
      const midway = isMidway(this.#view, th);
      col.box.dataset.status = th.status;
      col.box.classList.toggle('midway', midway);
      col.midway.hidden = !midway;
      col.status.replaceChildren(...statusWords(th));
      const ready = th.status === 'ready';
      // A disabled button drops focus to the body, where the step keys no longer reach the
      // panel: keep focus inside it.
      if (!ready && document.activeElement === col.step) this.#panel.focus({ preventScroll: true });
      col.step.disabled = !ready;
      if (col.current) {
        col.current.removeAttribute('aria-current');
        col.current.classList.remove('waiting');
      }
      col.current = line === null ? null : col.lines[line - 1] ?? null;
      if (col.current) {
        col.current.setAttribute('aria-current', 'step');
        col.current.classList.toggle('waiting', th.status === 'blocked');
        // Scroll the listing itself, not the page, to keep the marked line in view.
        const { code } = col;
        const top = col.current.offsetTop;
        if (top < code.scrollTop || top + col.current.offsetHeight > code.scrollTop + code.clientHeight) {
          code.scrollTop = Math.max(0, top - code.clientHeight / 3);
        }
      }
    });
  }

  /**
   * The shared data, row by row as the run left it (its lesson's drawing once the run is
   * over).
   */
  #stateTable() {
    const report = this.#report;
    if (report.view?.title) return renderFinal(report);
    const rows = report.steps.shared ?? [];
    if (!rows.length) return el('p', { class: 'step-shared-empty' }, 'No shared data yet.');
    const shown = (v) => (typeof v === 'number' ? num(v) : Array.isArray(v) ? v.map(shown).join(', ') : JSON.stringify(v));
    return el('table', { class: 'final step-shared', 'aria-label': 'Shared data' }, el('tbody', {}, rows.map((r) =>
      el('tr', { 'data-name': r.name }, el('th', { scope: 'row' }, el('code', {}, r.name)),
        el('td', { class: 'num', 'data-value': JSON.stringify(r.value) }, shown(r.value))))));
  }

  /** The line under the state table: who is in the middle of an update, if anybody. */
  #stateLine() {
    const midway = this.#report.steps.threads
      .map((th, t) => (isMidway(this.#view, th) ? t : null))
      .filter((t) => t !== null);
    if (!midway.length) return null;
    return el('p', { class: 'step-midway-state invalid' },
      `Thread${midway.length > 1 ? 's' : ''} ${midway.join(', ')} ${midway.length > 1 ? 'are' : 'is'} in the middle of an update: the shared data is temporarily invalid`);
  }

  #renderInvariants() {
    this.#dom.invariants.replaceChildren(...this.#report.invariants.map((inv) => {
      const broken = inv.violations > 0 || !inv.held;
      return el('li', { class: broken ? 'broken' : 'held', 'data-step-invariant': inv.id, 'data-violations': inv.violations },
        el('span', { class: 'mark', 'aria-hidden': 'true' }, broken ? '✗' : '✓'),
        inv.text, ' ',
        el('strong', {}, broken ? `broken ${num(inv.violations)} time${inv.violations === 1 ? '' : 's'}` : 'held so far'));
    }));
  }

  #renderLog() {
    const { steps } = this.#report;
    // Each step with its number; quiet steps (nothing could come between them) are not
    // shown, and halves pairs a statement's read and write among the others.
    const all = steps.log.map((e, i) => ({ ...e, n: i + 1 }));
    const log = all.filter((e) => !e.quiet);
    const quiet = all.length - log.length;
    const listing = this.#view.listing;
    const notes = halves(log);
    const from = Math.max(0, log.length - LOG_SHOWN);
    const dom = this.#dom;
    const missing = [];
    if (quiet) missing.push(`${num(quiet)} quiet step${quiet === 1 ? '' : 's'} (reading a function, a module or a constant) not shown.`);
    if (from > 0) missing.push(`Showing the last ${num(log.length - from)} of ${num(log.length)} steps in the log.`);
    if (!steps.log_complete) missing.push(`The log keeps only the first ${num(all.length)} of ${num(steps.count)} steps.`);
    dom.logNote.textContent = missing.join(' ');
    dom.logNote.hidden = !missing.length;
    dom.log.replaceChildren(...log.slice(from).map((e, k) => {
      const note = notes[from + k];
      return el('li', { value: e.n, 'data-thread': e.thread, class: note?.lost != null ? 'lost' : null },
        el('span', { class: 'step-log-who' }, `Thread ${e.thread}`), ' ', entryWords(e),
        e.line ? el('span', { class: 'step-log-line' }, ` line ${e.line}`) : null,
        note ? el('span', { class: 'step-half' }, ' (', halfWords(note, listing), ')') : null);
    }));
    if (!log.length) dom.log.append(el('li', { class: 'step-log-empty' }, 'No step yet.'));
    dom.logBox.scrollTop = dom.logBox.scrollHeight;
  }

  #renderChallenge() {
    const { challenge, safe } = this.#view;
    const box = this.#dom.challenge;
    if (!challenge || !box) return;
    const won = challenge.won(this.#report);
    box.dataset.challenge = won ? 'won' : 'open';
    const status = this.#dom.challengeStatus;
    status.className = `step-challenge-status${won ? ' won' : ''}`;
    // Under a safe strategy the note above already says how it stands.
    const open = safe ? [] : ['Not yet.'];
    status.replaceChildren(...(won ? [el('strong', {}, 'You won! '), challenge.story(this.#report)] : open));
  }

  #renderReplay() {
    const { replay } = this.#view;
    const p = this.#dom.replay;
    if (!replay) return;
    // Drawn once, for the report the replay reached; later steps do not change what it found.
    if (p.dataset.replay) return;
    const diff = firstDifference(this.#report.final, replay.real);
    p.dataset.replay = diff ? 'different' : 'same';
    p.className = `step-replay ${diff ? 'different' : 'same'}`;
    const words = [diff
      ? `The replay ended differently: ${diff}.`
      : 'The replay reached the same final state as the real run.'];
    if (replay.truncated) {
      words.push(`The trace holds only the start of the run (its first ${num(replay.steps)} steps), so only that ` +
        'part is replayed as it happened; after it, the stepped executor picked the order itself.');
    }
    p.textContent = words.join(' ');
    p.hidden = false;
  }

  /** The exploration's result, or (before any) the claim it would prove. */
  #renderExplore() {
    const view = this.#view;
    const proof = this.#dom.proof;
    proof.setAttribute('aria-busy', 'false');
    const r = view.explored;
    if (!r) {
      proof.replaceChildren();
      proof.removeAttribute('data-proof');
      return;
    }
    const children = [];
    let kind;
    let text;
    if (r.violating > 0 || r.broken_states > 0) {
      kind = 'found';
      const what = r.example?.outcome === 'deadlock' ? 'deadlocks' : 'breaks an invariant';
      const explored = `${num(r.states || r.runs)} ${r.states ? 'states' : 'runs'} explored${r.exhausted ? '' : ', not all of them'}`;
      text = (r.violating > 0
        ? `${num(r.violating)} of ${num(r.schedules)} complete interleavings go wrong (${explored}).`
        // Cut short before any interleaving ended: what broke on the way is still found.
        : `An invariant broke in ${num(r.broken_states)} of the ${explored}, before any interleaving ran to its end.`) +
        (r.example ? ` The shortest ${what} after ${num(r.example.schedule.length)} steps.` : '');
      if (r.example) {
        const open = el('button', { type: 'button', class: 'step-open-example' }, 'Open this interleaving');
        open.addEventListener('click', () => this.#openExample(r.example.schedule));
        children.push(' ', open);
      }
    } else if (r.exhausted) {
      kind = 'none-breaks';
      text = r.states != null
        ? `No interleaving breaks it: all ${num(r.states)} reachable states explored.`
        : `No interleaving breaks it: all ${num(r.schedules)} complete interleavings tried (${num(r.runs)} runs).`;
    } else {
      kind = 'none-found';
      text = r.mode === 'sampled'
        ? `None of ${num(r.runs)} sampled interleavings broke it, but that is not all of them: evidence, not proof.`
        : r.narrowed
          ? `None of the ${num(r.schedules)} complete interleavings tried broke it, but on one thread a thread ` +
            'waiting inside a call (such as a key= function) could not be offered every time: where real threads ' +
            'are, the search tries them all. Evidence, not proof.'
          : r.states != null
          ? `None of the ${num(r.states)} states explored broke it, but the search stopped before it had seen them all: evidence, not proof.`
          : `None of the ${num(r.schedules)} complete interleavings tried (${num(r.runs)} runs) broke it, but the search stopped before it had tried them all: evidence, not proof.`;
    }
    proof.dataset.proof = kind;
    proof.className = `step-proof ${kind}`;
    proof.replaceChildren(el('span', { class: 'step-proof-text' }, text), ...children);
  }

  // --- Messages -----------------------------------------------------------------------------

  /** Says `text` in the live region; cleared first so that a repeated message is read again. */
  #say(text) {
    const live = this.#dom?.announce;
    if (!live || !text) return;
    live.textContent = '';
    clearTimeout(this.#sayTimer);
    this.#sayTimer = setTimeout(() => { live.textContent = text; }, 30);
  }

  #showError(message) {
    const box = this.#dom?.error;
    if (!box) return;
    box.textContent = message ?? '';
    box.hidden = !message;
  }

  /** A run was refused: says why, and keeps what was shown before. */
  #fail(message) {
    this.#showError(message);
    if (!this.#report) {
      this.#dom.outcome.textContent = 'Nothing to show: the run was refused.';
      this.#dom.link.value = this.link();
      history.replaceState(history.state, '', this.link());
    }
  }

  async #copyLink() {
    const text = this.link();
    this.#dom.link.value = text;
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      this.#say('Link copied.');
    } catch {
      // No clipboard here (or it was refused): hand the learner the selected text instead.
      this.#dom.link.focus();
      this.#dom.link.select();
      this.#say('Copying is not allowed here: the link is selected in the field below, copy it by hand.');
    }
  }

  #onKey(e) {
    if (!this.#view || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target instanceof Element && e.target.closest('input, textarea, select, [contenteditable]')) return;
    if (/^[0-9]$/.test(e.key)) this.#stepThread(Number(e.key));
    else if (e.key === 'Backspace' || e.key === 'u' || e.key === 'U') this.#undo();
    else if (e.key === 'r' || e.key === 'R') this.#startOver();
    else return;
    e.preventDefault();
  }
}

// --- Helpers ------------------------------------------------------------------------------

/** Whether thread `th` of `view` is in the middle of an update (see #renderThreads). */
function isMidway(view, th) {
  if (th.invalid) return true;
  return th.status !== 'done' && th.next?.line != null && view.invalidLines.has(th.next.line);
}

/** How long a schedule is up to (not including) its last step that was not quiet. */
function lastChoice(steps) {
  for (let i = Math.min(steps.log.length, steps.schedule.length) - 1; i >= 0; i--) {
    if (!steps.log[i].quiet) return i;
  }
  return 0;
}

// --- Words that are nodes -------------------------------------------------------------------

/** A thread's status in words, as nodes (the object names set in code). */
function statusWords(th) {
  if (th.status === 'done') return ['done'];
  const line = th.next?.line ? ` (line ${th.next.line})` : '';
  if (th.status === 'blocked') return [`${waitingWords(th.next)}${line}`];
  if (!th.next) return [th.status];
  return ['next: ', el('code', {}, `${th.next.op} ${th.next.obj}`), line];
}

function halfWords(note, listing) {
  const code = listing[note.line - 1]?.text.replace(/\s+#.*$/, '').trim();
  const stmt = code ? el('code', {}, code) : `line ${note.line}`;
  if (note.half === 1) return ['first half of ', stmt, ': one statement, two steps'];
  if (note.lost === null) return ['second half of ', stmt];
  return ['second half of ', stmt, `: thread ${note.lost} wrote in between, and this overwrites it`];
}
