// A classroom without internet: the downloaded site opened straight from the disk says what
// to do instead, and served by `python3 -m http.server` (the real one) it runs real threads
// after its one reload.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from '@playwright/test';
import { LESSON_CLAIMS, bornOut, needed } from './claims.js';
import { countLoads, expect, isolated, readyThroughReload, runMany } from './helpers.js';

function dist() {
  const dir = process.env.RACELAB_DIST;
  if (!dir) throw new Error('RACELAB_DIST is not set: run the browser suite with `cargo xtask test`');
  return dir;
}

for (const file of ['index.html', 'embed.html']) {
  test(`${file} opened from a file says to serve the folder, and nothing pretends to work`, async ({ page }) => {
    await page.goto(`file://${join(dist(), file)}`);
    const status = page.locator('#runtime-status');
    await expect(status).toContainText('opened from a file');
    const text = await status.textContent();
    console.log(`    says: ${text}`);
    expect(text).toContain('python3 -m http.server');
    expect(text).toContain('http://localhost:8000/');
    expect(text).toContain('keeps working offline');
    expect(text, 'not the wrong advice').not.toContain('needs a current');
    expect(text.split('. ').length, 'one or two sentences').toBeLessThanOrEqual(2);
    await expect(page.locator('main')).toBeHidden();
    // Still so once everything that was going to load has tried (the load event).
    await page.waitForLoadState('load');
    await expect(status).toContainText('python3 -m http.server');
  });
}

/** `python3 -m http.server` on a free port, serving `dir`: resolves with its URL and a stop. */
function pythonServer(dir) {
  return new Promise((resolve, reject) => {
    const server = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.on('error', reject);
    server.on('exit', (code) => reject(new Error(`python3 -m http.server ended (${code}): ${out}`)));
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const port = /port (\d+)/.exec(out)?.[1];
      if (port) resolve({ url: `http://127.0.0.1:${port}/`, stop: () => server.kill() });
    });
  });
}

test('served by python3 -m http.server: one reload, then real threads and the lesson', async ({ page }) => {
  const dir = await mkdtemp(join(tmpdir(), 'racelab-classroom-'));
  await cp(dist(), dir, { recursive: true });
  const server = await pythonServer(dir);
  try {
    const loads = countLoads(page);
    await page.goto(server.url);
    expect(await readyThroughReload(page), 'real threads after the first visit').toBe(true);
    expect(await isolated(page)).toBe(true);
    expect(loads.n, 'the first visit reloads once').toBe(2);
    const claim = LESSON_CLAIMS[0];
    const reports = await runMany(page, claim.config, 20);
    expect(bornOut(claim, reports)).toBeGreaterThanOrEqual(needed(claim));
  } finally {
    server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
