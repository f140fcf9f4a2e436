// The page's security: a strict Content-Security-Policy that is really in force (no inline
// script, no eval besides compiling WebAssembly) and not in the way of anything the page
// does, and not one request to any other origin, from the page or from any of its Workers.
import { test } from '@playwright/test';
import { choose, expect, openPlayground } from './helpers.js';

/** Collects CSP violations reported in the page from its first script on. */
async function watchViolations(page) {
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
}

test('the page and its Workers request nothing from any other origin', async ({ page, context, baseURL }) => {
  const requests = [];
  // Requests of dedicated Workers (the controller and its pool) are reported on the context.
  context.on('request', (r) => requests.push(r.url()));
  const errors = await openPlayground(page);
  await page.evaluate(async () => (await window.racelab.ready).run({ scenario: 'bank', strategy: 'global', transfers_per_thread: 500 }));
  await choose(page, 'barrier', 'barrier');
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.locator('.outcome')).toHaveAttribute('data-outcome', 'ok');

  const origin = new URL(baseURL).origin;
  const foreign = requests.filter((url) => !url.startsWith(`${origin}/`) && !/^(blob|data):/.test(url));
  console.log(`    requests: ${requests.length}, to another origin: ${foreign.length}`);
  expect(foreign).toEqual([]);
  // The record includes the Workers' own loads, so the check covers them too.
  expect(requests.some((url) => url.endsWith('/runtime/worker.js'))).toBe(true);
  expect(requests.some((url) => url.endsWith('/pkg/racelab_web_bg.wasm'))).toBe(true);
  expect(errors).toEqual([]);
});

test('the Content-Security-Policy forbids inline script and eval, and the page still runs threads', async ({ page }) => {
  await watchViolations(page);
  await openPlayground(page);
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(policy).not.toContain('unsafe-inline');

  const attempts = await page.evaluate(async () => {
    // DevTools' own evaluation may eval while it runs; the page's code runs in later tasks.
    await new Promise((r) => setTimeout(r, 0));
    const tried = {};
    try { eval('1'); tried.eval = 'ran'; } catch (e) { tried.eval = e.name; } // eslint-disable-line no-eval
    try { new Function('return 1')(); tried.function = 'ran'; } catch (e) { tried.function = e.name; }
    window.inlineRan = false;
    const script = document.createElement('script');
    script.textContent = 'window.inlineRan = true;';
    document.body.append(script);
    await new Promise((r) => setTimeout(r, 50));
    tried.inline = window.inlineRan ? 'ran' : 'blocked';
    return tried;
  });
  expect(attempts).toEqual({ eval: 'EvalError', function: 'EvalError', inline: 'blocked' });
  // The attempts above are the only violations (each reported once per policy in force:
  // the dev server's header and the page's meta tag).
  const violations = await page.evaluate(() => window.cspViolations);
  expect([...new Set(violations)].sort()).toEqual(['script-src blocked eval', 'script-src-elem blocked inline']);

  const outcome = await page.evaluate(async () => (await (await window.racelab.ready).run({ scenario: 'bank', strategy: 'fine', transfers_per_thread: 500 })).outcome);
  expect(outcome).toBe('ok');
});

test('using the page breaks no rule of the policy', async ({ page }) => {
  await watchViolations(page);
  const errors = await openPlayground(page);
  // A run of each kind of view: balances, lanes of moments (positioned with CSS), a drawn
  // deadlock, the history's time bars.
  for (const [scenario, strategy] of [['bank', 'none'], ['barrier', 'none'], ['reentrant', 'lock']]) {
    await choose(page, scenario, strategy);
    await page.getByRole('button', { name: /^(Run|Re-run)$/ }).click();
    await expect(page.locator('.outcome')).toBeVisible();
    await expect(page.getByRole('button', { name: /^(Run|Re-run)$/ })).toBeEnabled();
  }
  await expect(page.locator('.outcome')).toHaveAttribute('data-outcome', 'deadlock');
  await expect(page.locator('#history tbody tr')).toHaveCount(3);
  // The time bars got their widths through the CSSOM, which the policy allows.
  const widths = await page.locator('#history .timebar').evaluateAll((bars) => bars.map((b) => b.getBoundingClientRect().width));
  expect(Math.max(...widths)).toBeGreaterThan(10);
  expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
  expect(errors).toEqual([]);
});
