// The page's side of sw.js: register it, reload once if that is what isolates the page, and
// say when a new version of the site is ready.
//
// The one reload: on a host that sends no isolation headers the first visit is served
// before the service worker exists. Once the worker controls the page, a reload comes back
// with the worker's headers. The page reloads only if it was not controlled when it loaded
// (a page the worker already served and that is still not isolated would not be helped by
// another reload: the browser does not honour those headers there), only once per tab
// session, and never when it is isolated already.

const RELOADED = 'racelab.isolation-reload';
/** How long the first install (precaching the whole site) may take before the page goes on. */
const INSTALL_WAIT_MS = 20_000;

/**
 * On a page that is not cross-origin isolated: registers the service worker and, if its
 * headers can isolate the page, reloads once. Resolves `{ reloading: true }` when the page
 * is about to reload (the caller should start nothing), otherwise `{ reloading: false,
 * problem }`, where `problem` says why the service worker cannot help, or is null.
 * An isolated page has nothing to gain here: it calls keepOffline() once it is running.
 * @param {{ onWait?: () => void }} [options] onWait: called when the page waits for the
 *   first install (it precaches the whole site) before its one reload
 * @returns {Promise<{ reloading: boolean, problem: string | null }>}
 */
export async function isolateByServiceWorker({ onWait = () => {} } = {}) {
  const sw = navigator.serviceWorker;
  if (!sw) return { reloading: false, problem: 'this browser offers no service workers here' };
  const controlledAtLoad = Boolean(sw.controller);
  const { registration, problem } = await register();
  if (!registration) return { reloading: false, problem };
  if (controlledAtLoad || triedBefore()) return { reloading: false, problem: null };
  onWait();
  if (!(await controlled(sw, registration))) {
    return { reloading: false, problem: 'the service worker did not start in time' };
  }
  if (!remember()) return { reloading: false, problem: null };
  location.reload();
  return { reloading: true, problem: null };
}

/**
 * Registers the service worker for offline use and updates; call it once the page runs.
 * On an isolated page the first install (which downloads every file of the site) starts
 * only then, so it does not compete with the runtime's own start, and it revalidates what
 * the page has loaded already instead of downloading it again.
 * `onUpdate(apply)` is called when a new version is installed and waiting; `apply()`
 * switches to it and reloads.
 * @param {{ onUpdate?: (apply: () => void) => void }} [options]
 */
export async function keepOffline({ onUpdate = () => {} } = {}) {
  if (globalThis.crossOriginIsolated) forget();
  const { registration } = await register();
  if (registration) watchForUpdates(registration, onUpdate);
}

/** Registers sw.js (again: registering is idempotent); `problem` says why it could not. */
async function register() {
  const sw = navigator.serviceWorker;
  if (!sw) return { registration: null, problem: 'this browser offers no service workers here' };
  try {
    const registration = await sw.register(new URL('../sw.js', import.meta.url), { scope: new URL('../', import.meta.url).href });
    // Some browsers (and test harnesses that block service workers) resolve with nothing.
    return registration ? { registration, problem: null } : { registration: null, problem: 'service workers are turned off here' };
  } catch (e) {
    // Blocked: private windows, third-party frames whose storage is blocked, file:// pages.
    return { registration: null, problem: `the service worker could not be registered (${e.message || e})` };
  }
}

/** Resolves true once a service worker controls this page, false if it failed or timed out. */
function controlled(sw, registration) {
  if (sw.controller) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), INSTALL_WAIT_MS);
    sw.addEventListener('controllerchange', () => {
      clearTimeout(timer);
      resolve(true);
    }, { once: true });
    const installing = registration.installing;
    installing?.addEventListener('statechange', () => {
      if (installing.state === 'redundant') {
        clearTimeout(timer);
        resolve(false);
      }
    });
  });
}

/** Calls `onUpdate` when a new build is installed while an old one controls the page. */
function watchForUpdates(registration, onUpdate) {
  const sw = navigator.serviceWorker;
  const offer = (worker) => {
    if (!worker || !sw.controller) return; // a first install is not an update
    onUpdate(() => {
      sw.addEventListener('controllerchange', () => location.reload(), { once: true });
      worker.postMessage({ type: 'skip-waiting' });
    });
  };
  if (registration.waiting) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed') offer(worker);
    });
  });
}

// sessionStorage can be off (sandboxed frames, some privacy settings): then the page does
// not reload at all, rather than risk reloading forever.
function triedBefore() {
  try { return sessionStorage.getItem(RELOADED) !== null; } catch { return true; }
}

function remember() {
  try {
    sessionStorage.setItem(RELOADED, String(Date.now()));
    return true;
  } catch {
    return false;
  }
}

function forget() {
  try { sessionStorage.removeItem(RELOADED); } catch { /* nothing to forget */ }
}
