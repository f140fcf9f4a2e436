// The WebKit driver: selenium-webdriver talking W3C WebDriver to Debian's WebKitWebDriver,
// which runs MiniBrowser (WebKitGTK) on a virtual display. WebKitGTK isolates the page but
// has no SharedArrayBuffer, so here racelab runs its fallback.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { Builder, By } from 'selenium-webdriver';
import { Health } from './health.js';

const DRIVER = process.env.WEBKIT_DRIVER || '/usr/bin/WebKitWebDriver';

/** MiniBrowser lives under the multiarch library directory (x86_64-linux-gnu, aarch64-...). */
function miniBrowser() {
  if (process.env.WEBKIT_BROWSER) return process.env.WEBKIT_BROWSER;
  for (const arch of readdirSync('/usr/lib')) {
    const path = `/usr/lib/${arch}/webkit2gtk-4.1/MiniBrowser`;
    if (existsSync(path)) return path;
  }
  throw new Error('MiniBrowser not found under /usr/lib/*/webkit2gtk-4.1: apt-get install webkit2gtk-driver');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

/**
 * Starts WebKitWebDriver on a virtual display; resolves with its address once it answers.
 * `health` hears if it exits on its own.
 */
async function startDriver(health) {
  const port = await freePort();
  // Its own process group, so that closing ends xvfb-run, Xvfb and the driver together.
  const child = spawn('xvfb-run', ['-a', DRIVER, `--port=${port}`], { detached: true, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  exited.then((code) => health.died(`WebKitWebDriver exited with ${code}`));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const status = await (await fetch(`${url}/status`)).json();
      if (status.value?.ready) break;
    } catch { /* not listening yet */ }
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 100))]);
    if (code !== undefined) throw new Error(`${DRIVER} exited (${code}) before it answered on ${url}`);
    if (Date.now() > deadline) throw new Error(`${DRIVER} did not answer on ${url} within 30 s`);
  }
  const stop = () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } };
  // Detached, it would outlive a runner that dies without closing it.
  process.once('exit', stop);
  return { url, stop };
}

export async function launch() {
  const health = new Health('WebKit');
  const server = await startDriver(health);
  let driver;
  try {
    driver = await new Builder().usingServer(server.url).withCapabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: miniBrowser(), args: ['--automation'] },
    }).build();
    await driver.manage().setTimeouts({ script: 180_000, pageLoad: 60_000 });
  } catch (e) {
    health.closing();
    server.stop();
    throw e;
  }
  const caps = await driver.getCapabilities();
  // A WebDriver session is one window: tabs share it, one at a time.
  return {
    engine: 'webkit',
    version: `MiniBrowser (WebKitGTK ${caps.get('browserVersion')})`,
    async newTab() {
      health.check('open a tab');
      // One window for the whole session: a tab is a fresh start in it, not a process of
      // its own, so only the driver's death is a tab's to report.
      const tab = health.tab();
      return {
        goto: (url) => tab.guard(`go to ${url}`, async () => {
          await driver.get(url);
          // WebKitWebDriver can answer a first navigation before the page has loaded.
          await driver.wait(() => driver.executeScript('return document.readyState === "complete"'), 30_000,
            `${url} did not finish loading within 30 s`);
        }),
        evaluate: (fn, arg) => tab.guard('evaluate in the page', async () => {
          const out = await driver.executeAsyncScript(
            `const done = arguments[arguments.length - 1];
             Promise.resolve().then(() => (${fn})(arguments[0]))
               .then((value) => done({ value }), (e) => done({ error: String(e && e.message || e) }));`,
            arg);
          if (out && 'error' in out) throw new Error(`in the page: ${out.error}`);
          return out?.value;
        }),
        text: (selector) => tab.guard(`read ${selector}`, () => driver.executeScript(
          'const el = document.querySelector(arguments[0]); return el ? el.textContent : null;', selector)),
        visible: (selector) => tab.guard(`look for ${selector}`, async () => {
          const found = await driver.findElements(By.css(selector));
          return found.length > 0 && found[0].isDisplayed();
        }),
        click: (selector) => tab.guard(`click ${selector}`, () => driver.findElement(By.css(selector)).click()),
        async close() {
          tab.closing();
          await driver.get('about:blank');
        },
      };
    },
    async close() {
      health.closing();
      try { await driver.quit(); } finally { server.stop(); }
    },
  };
}
