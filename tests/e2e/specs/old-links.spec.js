// Links made before keep opening what they named. Teachers put setup links, step links and
// embed snippets in course pages that outlive any version of racelab; the demos are moving
// from hand-written scenarios to lesson programs (all of them are programs now), and every link below, made by the page as
// it was on 2026-12-03 (the address bar, "Link to this view", the Embed dialog's snippet),
// must go on opening the same demo, placement, parameters, seed and steps.
import { test } from '@playwright/test';
import { expect, openPlayground } from './helpers.js';

/** Setup links, with every parameter written, as the address bar and the Embed dialog write them. */
const SETUPS = [
  '?scenario=bank&strategy=fine-unordered&p.accounts=100,200,300&p.threads=3&p.transfers_per_thread=50&p.max_amount=20&p.delay=0',
  '?scenario=bank&strategy=check-outside&p.accounts=60,60&p.threads=2&p.transfers_per_thread=10&p.max_amount=50&p.delay=2',
  '?scenario=booking&strategy=lock-update-only&p.seats=3&p.attempts=9&p.threads=4&p.processing_ms=0',
  '?scenario=joint-account&strategy=lock&p.balance=500&p.deposit=100&p.withdrawal=700&p.fee=5&p.delay_ms=1&p.jitter_ms=0',
  '?scenario=reentrant&strategy=rlock&p.threads=2&p.calls=10',
  '?scenario=semaphore&strategy=semaphore&p.workers=6&p.limit=2&p.booking_ms=1',
  '?scenario=event&strategy=event&p.landing_ms=5',
  '?scenario=barrier&strategy=none&p.travellers=3&p.max_ready_ms=5',
  '?scenario=condition&strategy=busy-wait&p.customers=4&p.unit_ms=2&p.write_ms=1&p.serve_ms=1',
];

/**
 * Step links as "Link to this view" wrote them before step mode stepped the lessons'
 * programs: setup, seed and the steps taken, counted in the hand-written scenario's steps.
 * Every scenario has been replaced by its lesson's program, so step mode opens the program
 * with the link's setup, from its start, and says why.
 */
const RETIRED_STEPS = [
  '?step=bank&strategy=none&seed=1&p.accounts=100,100&p.threads=2&p.transfers_per_thread=1&p.max_amount=50&p.delay=2&schedule=00101',
  '?step=bank&strategy=fine-unordered&seed=1&p.accounts=100,100&p.threads=2&p.transfers_per_thread=1&p.max_amount=50&p.delay=2&schedule=01',
  '?step=booking&strategy=none&seed=1&p.seats=1&p.attempts=2&p.threads=2&p.processing_ms=100&schedule=01',
];

/** Embed snippets' addresses, with the parts of the frame they ask for. */
const EMBEDS = [
  { link: 'embed.html?scenario=bank&strategy=none&controls=strategy,run', shown: ['strategy', 'run'] },
  { link: 'embed.html?scenario=booking&strategy=lock&p.seats=3&p.processing_ms=0', shown: null },
  { link: 'embed.html?scenario=bank&strategy=none&controls=strategy,params,run,step', shown: ['strategy', 'params', 'run', 'step'] },
];

/** What a setup link names: its demo, placement and the parameters as written. */
function named(link) {
  const q = new URLSearchParams(link.slice(link.indexOf('?')));
  const params = Object.fromEntries([...q].filter(([k]) => k.startsWith('p.')).map(([k, v]) => [k.slice(2), v]));
  return { scenario: q.get('scenario'), strategy: q.get('strategy'), params };
}

const setupShown = (page) => page.evaluate(() => window.racelab.controls?.setup ?? null);

test('every saved setup link opens its demo, placement and parameters, and runs them', async ({ page }) => {
  for (const link of SETUPS) {
    const errors = await openPlayground(page, `/${link}`);
    const want = named(link);
    await expect(page.locator('#config-error'), link).toBeHidden();
    const shown = await page.evaluate(() => {
      const checked = (name) => document.querySelector(`input[name="${name}"]:checked`)?.value ?? null;
      const params = Object.fromEntries([...document.querySelectorAll('#params input')]
        .map((i) => [i.id.replace(/^param-/, ''), i.value]));
      return { scenario: checked('scenario'), strategy: checked('strategy'), params };
    });
    expect(shown, link).toEqual({ ...want, params: expect.objectContaining(want.params) });
    expect(Object.keys(shown.params).sort(), link).toEqual(Object.keys(want.params).sort());
    await page.locator('#run').click();
    await expect(page.locator('#result .outcome'), link).toBeVisible({ timeout: 60_000 });
    await expect(page.locator('#config-error'), link).toBeHidden();
    expect(errors, link).toEqual([]);
  }
});

test('a saved step link of a demo that became a program opens the program at its start, and says why', async ({ page }) => {
  for (const link of RETIRED_STEPS) {
    const errors = await openPlayground(page, `/${link}`);
    const panel = page.locator('#step-panel');
    await expect(panel, link).toBeVisible();
    await expect(page.locator('#stepper'), link).toHaveAttribute('aria-busy', 'false');
    await expect(panel.locator('.step-outcome'), link).toHaveAttribute('data-outcome', 'paused');
    await expect(panel, link).toContainText('they cannot be replayed on the program, so it starts from the beginning');
    await expect(panel.getByRole('alert'), link).toHaveCount(0);
    // The link the view makes now is the program's, with the old link's setup and seed.
    const again = new URLSearchParams(new URL(await page.evaluate(() => window.racelab.stepper.link())).search);
    const old = new URLSearchParams(link);
    expect(again.get('v'), link).toBe('2');
    for (const key of [...old.keys()].filter((k) => k !== 'schedule')) {
      expect(again.get(key), `${link}: ${key}`).toBe(old.get(key));
    }
    expect(errors, link).toEqual([]);
  }
});

test('every saved embed opens its setup with the parts it asked for', async ({ page }) => {
  for (const { link, shown } of EMBEDS) {
    await page.goto(`/${link}`);
    await page.evaluate(() => window.racelab.ready.then(() => true));
    await expect(page.locator('#link-problems'), link).toBeHidden();
    const want = named(link);
    const setup = await setupShown(page);
    expect(setup, link).toEqual({ ...want, params: expect.objectContaining(want.params) });
    if (shown) {
      await expect(page.locator('#strategy-picker'), link).toBeVisible({ visible: shown.includes('strategy') });
    }
  }
});
