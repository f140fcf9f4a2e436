// racelab's service worker: real threads and offline use on any static host.
//
// - Isolation. Real threads need SharedArrayBuffer, which browsers only give to
//   cross-origin isolated documents. Hosts that cannot send headers (GitHub Pages) get
//   them from here: every response of the site leaves this worker with the headers
//   `cargo xtask serve` sends (COOP, COEP, Document-Isolation-Policy for iframes in pages
//   that are not isolated, CORP, CSP). A page is controlled from its second load on, so the
//   first visit reloads once (app/sw-client.js decides that, and never twice).
// - Offline. Every file of the site is precached on install, from the manifest that
//   `cargo xtask dist` writes into BUILD, into a cache named after this build's version.
//   Files are served from that cache first: after one visit the playground loads and runs
//   with no network at all.
// - Updates. A new deploy changes this file (its version), so the browser installs the new
//   worker beside the old one. On a first install it takes over at once; otherwise it waits
//   until the page, having shown "update ready", posts { type: 'skip-waiting' }. Taking
//   over deletes the old build's cache: one build's files are never mixed with another's.
//
// The caches are named after the worker's scope as well, so that two deploys on one origin
// (github.io/racelab and github.io/racelab-fork) never delete each other's.

/** Filled in by `cargo xtask dist`: { version, files, headers }. Null when run from www/. */
const BUILD = null;

const PREFIX = `racelab ${self.registration.scope} `;
const CACHE = BUILD && `${PREFIX}${BUILD.version}`;
// Served from www/ rather than dist/ (nothing here does that) the worker has no build:
// it caches nothing and adds nothing.
const HEADERS = BUILD?.headers ?? [];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    if (CACHE) await precache();
    // The first install has no old build to keep consistent with: take over now, so that
    // the first visit's one reload already comes with the headers.
    if (!self.registration.active) await self.skipWaiting();
  })());
});

/**
 * Every file of this build into its cache. `no-cache`: each is revalidated with the server,
 * so nothing stale from the HTTP cache gets in, while what the page loaded already comes
 * back as a 304 instead of a second download. The playground is fetched by the address it
 * was visited at (the site's root), for the same reason. One file missing fails the
 * install, and the previous build (if any) stays in charge.
 */
async function precache() {
  const cache = await caches.open(CACHE);
  try {
    await Promise.all(BUILD.files.map(async (file) => {
      const response = await fetch(new Request(file === 'index.html' ? './' : file, { cache: 'no-cache' }));
      if (!response.ok) throw new Error(`precaching ${file}: the server answered ${response.status}`);
      await cache.put(file, response);
    }));
  } catch (e) {
    await caches.delete(CACHE);
    throw e;
  }
}

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
  else if (event.data?.type === 'version') event.source?.postMessage({ type: 'version', version: BUILD?.version ?? null });
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !request.url.startsWith(self.registration.scope)) return;
  event.respondWith(respond(request));
});

/** The cached copy if this build has one, else the network; with the site's headers. */
async function respond(request) {
  const response = (await cached(request)) ?? (await fetch(request));
  // Opaque and error responses cannot be rebuilt; they carry nothing a page runs anyway.
  if (response.type === 'opaque' || response.type === 'error' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of HEADERS) headers.set(name, value);
  // A new Response also drops `redirected`, which a navigation must not be answered with.
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** This build's copy of `request`: the query is ignored (embed.html?scenario=... is one file). */
async function cached(request) {
  if (!CACHE) return null;
  const cache = await caches.open(CACHE);
  const url = new URL(request.url);
  url.search = '';
  url.hash = '';
  if (url.pathname.endsWith('/')) url.pathname += 'index.html';
  return (await cache.match(url.href)) ?? null;
}
