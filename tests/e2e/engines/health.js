// What a driver knows of its browser's and its tabs' health, so that a failure says what
// happened ("Chromium exited during this test", "the page crashed", "these requests never
// finished") instead of a bare protocol error such as "Target page, context or browser has
// been closed", which means any of them.

/**
 * How long a navigation may take before it fails with its own message. Shorter than a test's
 * timeout on purpose: when the test's timeout strikes first, its teardown closes the page
 * under the pending navigation, and the error left says only that the page was closed.
 */
export const NAVIGATION_TIMEOUT_MS = 60_000;

/** A browser's health: whether it died under the suite, and when. */
export class Health {
  /** @param {string} engine the browser's name, for messages */
  constructor(engine) {
    this.engine = engine;
    this.death = null;
    this.isClosing = false;
  }

  /** The browser went away; unless the suite was closing it, every later step says so. */
  died(why) {
    if (this.isClosing || this.death) return;
    this.death = `${this.engine} exited or lost its connection (${why}) at ${new Date().toISOString()}`;
  }

  /** The suite is closing the browser: what follows is not a death. */
  closing() {
    this.isClosing = true;
  }

  /** Throws if the browser died before `action` could start. */
  check(action) {
    if (this.death) throw new Error(`could not ${action}: ${this.death}, before this step`);
  }

  /** Runs `fn`; a failure is explained by the browser's death if there was one. */
  async guard(action, fn) {
    try {
      return await fn();
    } catch (e) {
      throw this.explain(action, e, null);
    }
  }

  /** `e`, or an error that says first what happened to the browser or the tab. */
  explain(action, e, tabState) {
    const what = this.death ?? tabState;
    if (!what) return e;
    const explained = new Error(`could not ${action}: ${what}\n  (the driver said: ${String(e?.message ?? e).split('\n')[0]})`);
    explained.cause = e;
    return explained;
  }

  /**
   * The health of one tab of this browser. Given the tab's page (Playwright's and
   * puppeteer's pages emit the same events, but for the crash: `crashEvent`), it follows the
   * page's crash, close and requests itself.
   */
  tab(page = null, crashEvent = 'crash') {
    const tab = new TabHealth(this);
    if (page) {
      page.on(crashEvent, () => tab.crashed());
      page.on('close', () => tab.closed());
      page.on('request', (r) => tab.requestStarted(r.url()));
      page.on('requestfinished', (r) => tab.requestEnded(r.url()));
      page.on('requestfailed', (r) => tab.requestEnded(r.url()));
    }
    return tab;
  }
}

/** A tab's health: crashed, closed under the test, and the requests it still waits for. */
class TabHealth {
  constructor(browser) {
    this.browser = browser;
    this.state = null;
    this.isClosing = false;
    this.open = new Set();
  }

  crashed() {
    this.state ??= 'the page crashed (its renderer process died)';
  }

  closed() {
    if (!this.isClosing) this.state ??= 'the tab closed while the test was still using it';
  }

  closing() {
    this.isClosing = true;
  }

  /** Requests in flight, named in the error of a navigation that timed out. */
  requestStarted(url) {
    this.open.add(url);
  }

  requestEnded(url) {
    this.open.delete(url);
  }

  async guard(action, fn) {
    try {
      return await fn();
    } catch (e) {
      const open = [...this.open];
      const pending = open.length && /timeout/i.test(String(e?.message))
        ? `; requests still open: ${open.slice(0, 8).join(', ')}${open.length > 8 ? ', ...' : ''}`
        : '';
      const explained = this.browser.explain(action, e, this.state);
      if (pending) explained.message += pending;
      throw explained;
    }
  }
}
