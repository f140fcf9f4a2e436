// One way to drive every browser engine the suite and the bench use, so that a spec is
// written once and run in each. A driver launches its engine and opens tabs; a tab can go to
// an address, evaluate a function in the page, read text and click, whatever protocol is
// underneath:
//
//   chromium  Playwright (CDP) driving Debian's /usr/bin/chromium
//   firefox   puppeteer-core over WebDriver BiDi driving Debian's /usr/bin/firefox-esr
//             (Playwright's Firefox is a patched build that cannot be downloaded here)
//   webkit    selenium-webdriver talking W3C WebDriver to Debian's WebKitWebDriver, which
//             runs MiniBrowser (WebKitGTK) on a virtual display (xvfb-run)
//
// The interface every driver returns (see chromium.js for the reference):
//
//   const browser = await launch('firefox')   // { engine, version, newTab(), close() }
//   const tab = await browser.newTab()
//   await tab.goto(url)                        // resolves once the page has loaded
//   await tab.evaluate(fn, arg)                // fn(arg) in the page; awaits a promise; the
//                                              // result must be JSON (fn is sent as source:
//                                              // it cannot close over anything)
//   await tab.text(selector)                   // textContent of the first match, or null
//   await tab.visible(selector)                // whether it is rendered (not hidden)
//   await tab.click(selector)
//   await tab.close()
//
// Where a browser lives comes from the environment (CHROMIUM, FIREFOX, WEBKIT_DRIVER), with
// Debian's paths as defaults; `cargo xtask test` installs them.

/** The engines, in the order the suite runs them. */
export const ENGINES = ['chromium', 'firefox', 'webkit'];

/**
 * What each engine is expected to offer here (the capabilities the page finds at start-up,
 * see www/app/capabilities.js): real threads, or step mode only.
 */
export const EXPECTED = {
  chromium: {
    realThreads: true,
    capabilities: { isolated: true, sharedMemory: true, executor: 'parallel' },
    // Document-Isolation-Policy isolates a frame inside a course page that is not.
    framedThreads: true,
  },
  firefox: {
    realThreads: true,
    capabilities: { isolated: true, sharedMemory: true, executor: 'parallel' },
    framedThreads: false,
  },
  // WebKitGTK isolates the page but exposes no SharedArrayBuffer: the fallback's engine.
  webkit: {
    realThreads: false,
    capabilities: { isolated: true, sharedMemory: false, executor: 'stepped' },
    framedThreads: false,
  },
};

/**
 * Launches `engine` (one of ENGINES).
 * @param {string} engine
 * @returns {Promise<{ engine: string, version: string, newTab(): Promise<object>, close(): Promise<void> }>}
 */
export async function launch(engine) {
  switch (engine) {
    case 'chromium': return (await import('./chromium.js')).launch();
    case 'firefox': return (await import('./firefox.js')).launch();
    case 'webkit': return (await import('./webkit.js')).launch();
    default: throw new Error(`engine: "${engine}" is not one of ${ENGINES.join(', ')}`);
  }
}

