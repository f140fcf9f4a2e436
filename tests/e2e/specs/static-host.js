// A plain static file server, as a host that sends no headers of its own serves the site
// (GitHub Pages and the like): content types and nothing else. The shipping specs start one
// or two of these beside the suite's own server (which sends the isolation headers).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/**
 * Serves `dir` on 127.0.0.1 (a free port) until `close()`. `pages` maps extra paths to
 * HTML text (a course page, say). `requests` counts what was asked for, by path; `sent`
 * lists every answer with a body ({ path, bytes }). Like GitHub Pages it sends an ETag
 * and answers a matching If-None-Match with 304.
 * @param {string} dir
 * @param {{ pages?: Record<string, string> }} [options]
 */
export async function staticHost(dir, { pages = {} } = {}) {
  const requests = new Map();
  const sent = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.set(path, (requests.get(path) ?? 0) + 1);
    if (pages[path] !== undefined) {
      res.writeHead(200, { 'Content-Type': TYPES['.html'] });
      res.end(pages[path]);
      return;
    }
    const rel = normalize(path.endsWith('/') ? `${path}index.html` : path);
    if (rel.includes('..') || !dir) {
      res.writeHead(404).end('not found');
      return;
    }
    try {
      const body = await readFile(join(dir, rel));
      const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { ETag: etag }).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': TYPES[extname(rel)] ?? 'application/octet-stream', ETag: etag });
      sent.push({ path: rel, bytes: body.length });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  // Browsers keep idle connections open; close() must not wait for them.
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    requests,
    sent,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/**
 * A fresh copy of the built site (RACELAB_DIST) on a host without headers: `{ dir, host,
 * close() }`. The copy is the test's to change (a new deploy, say); close() stops the host
 * and removes the copy.
 */
export async function hostedCopy() {
  const dist = process.env.RACELAB_DIST;
  if (!dist) throw new Error('RACELAB_DIST is not set: run the browser suite with `cargo xtask test`');
  const dir = await mkdtemp(join(tmpdir(), 'racelab-host-'));
  await cp(dist, dir, { recursive: true });
  const host = await staticHost(dir);
  return {
    dir,
    host,
    async close() {
      await host.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A course page that frames `src` and keeps every message from it in window.got; its
 * window.send(message) posts to the frame and resolves with the first answer of that type.
 */
export const coursePage = (src) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Course page</title></head><body>
<h1>Week 5: race conditions</h1>
<iframe id="lab" src="${src}" title="racelab" width="600" height="300" style="border:0" allow="cross-origin-isolated"></iframe>
<script>
  window.got = [];
  addEventListener('message', (e) => {
    if (e.source !== document.getElementById('lab').contentWindow) return;
    window.got.push(e.data);
    if (e.data.type === 'racelab:height') document.getElementById('lab').style.height = e.data.height + 'px';
  });
  window.send = (message, answer) => new Promise((resolve) => {
    const seen = window.got.length;
    const timer = setInterval(() => {
      const reply = window.got.slice(seen).find((m) => answer.includes(m.type) && m.id === message.id);
      if (reply) { clearInterval(timer); resolve(reply); }
    }, 20);
    document.getElementById('lab').contentWindow.postMessage(message, '*');
  });
</script>
</body></html>`;
