// Step mode as a learner uses it: they are the scheduler, one operation at a time, with the
// keyboard alone if they like; the lessons' challenges, exploration as the proof, links that
// reproduce a view, a page without isolation, and a real run replayed step by step.
import { test } from '@playwright/test';
import { choose, expect, openPlayground, serveWithoutIsolation, strategyRadio } from './helpers.js';

const panel = (page) => page.locator('#step-panel');
/** The step count the view shows. */
const stepsShown = (page) => panel(page).locator('.step-outcome');
/** The entries of the step log (not its "no step yet" line). */
const logEntries = (page) => panel(page).locator('.step-log li[data-thread]');
const challenge = (page) => panel(page).locator('.step-challenge');
const stepButton = (page, t) => page.getByRole('button', { name: `Step thread ${t}`, exact: true });
/** Waits until every queued step-mode action has been carried out. */
const settled = (page) => expect(page.locator('#stepper')).toHaveAttribute('aria-busy', 'false');

/** Whether thread `t`'s Step button is there and can be pressed. */
const canStep = async (page, t) => (await stepButton(page, t).count()) > 0 && stepButton(page, t).isEnabled();
/** The balances the shared-data table shows, by account. */
const balances = (page) => panel(page).locator('.step-shared tr').evaluateAll((rows) => rows
  .filter((r) => /^accounts\[\d+\]\.balance$/.test(r.dataset.name))
  .map((r) => JSON.parse(r.querySelector('td').dataset.value)));
/** Steps thread `t` (by its key, focus in the panel) until `done()` holds, at most `most` times. */
async function stepUntil(page, t, done, most = 40) {
  let presses = 0;
  while (presses < most && !(await done())) {
    await page.keyboard.press(String(t));
    presses += 1;
    await settled(page);
  }
  expect(await done(), `thread ${t} stepped ${presses} times`).toBe(true);
  return presses;
}

/**
 * The two tellers take turns, one step each while both can (the one that has moved less
 * goes first), until `done()` holds; when neither can move, the main thread does.
 */
async function takeTurns(page, done, most = 80) {
  const taken = { 1: 0, 2: 0 };
  let presses = 0;
  while (presses < most && !(await done())) {
    const ready = [];
    for (const t of [1, 2]) if (await canStep(page, t)) ready.push(t);
    const t = ready.length ? ready.sort((a, b) => taken[a] - taken[b])[0] : 0;
    if (t) taken[t] += 1;
    await page.keyboard.press(String(t));
    presses += 1;
    await settled(page);
  }
  expect(await done(), `the tellers took turns ${presses} times`).toBe(true);
}

test('step mode: a learner makes the bank lose money with the keyboard alone', async ({ page }) => {
  const errors = await openPlayground(page);
  // Step mode draws with classes only: the page's policy refuses style attributes.
  await page.evaluate(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective));
  });
  await choose(page, 'bank', 'none');
  await page.locator('#step-open').focus();
  await page.keyboard.press('Enter');
  await expect(panel(page)).toBeVisible();
  await expect(panel(page)).toBeFocused();
  await expect(panel(page)).toContainText('Step mode uses a small setup: 2 tellers, 1 transfer each, two accounts of 100');
  await expect(challenge(page)).toHaveAttribute('data-challenge', 'open');
  await expect(challenge(page)).toContainText('Make the bank lose money');
  // The program's main thread has run its setup (nobody could come between) and started
  // the first teller: now there is a choice.
  await settled(page);
  expect(Number(await stepsShown(page).getAttribute('data-steps'))).toBeGreaterThan(10);
  await expect(stepButton(page, 0)).toBeEnabled();
  await expect(stepButton(page, 1)).toBeEnabled();
  expect(await balances(page)).toEqual([100, 100]);
  await expect(panel(page).locator('.step-log-note')).toContainText('quiet steps');

  // Teller 1 checks its balance and debits it: in the middle of its update, money in flight.
  const thread1 = panel(page).locator('.step-thread[data-thread="1"]');
  await stepUntil(page, 1, async () => (await balances(page)).some((b) => b < 100));
  await expect(thread1).toHaveClass(/midway/);
  await expect(thread1).toContainText('In the middle of an update');
  const debit = logEntries(page).last();
  await expect(debit).toContainText(/write accounts\[\d\]\.balance ← \d+/);
  await expect(debit).toContainText('second half of src.balance -= amount');
  await expect(logEntries(page).nth(-2)).toContainText(/read accounts\[\d\]\.balance → 100/);
  const inFlight = (await balances(page)).reduce((a, b) => a + b, 0);
  expect(inFlight).toBeLessThan(200);

  // Backspace takes the debit back: the money is whole again; the key does it again.
  await page.keyboard.press('Backspace');
  await settled(page);
  expect(await balances(page)).toEqual([100, 100]);
  await expect(panel(page).locator('.step-announce')).toContainText(/Undid thread 1's write accounts\[\d\]\.balance/);
  await page.keyboard.press('1');
  await settled(page);
  expect((await balances(page)).reduce((a, b) => a + b, 0)).toBe(inFlight);

  // The main thread starts teller 2, which transfers and audits while the money is in flight.
  await stepUntil(page, 0, () => canStep(page, 2));
  const presses = await stepUntil(page, 2, async () => await challenge(page).getAttribute('data-challenge') === 'won');
  console.log(`    thread 2 needed ${presses} steps to win`);
  await expect(challenge(page)).toContainText('You won! An audit saw a total other than 200: money in flight, or lost for good.');
  await expect(panel(page).locator('[data-step-invariant="total-conserved"]')).not.toHaveAttribute('data-violations', '0');
  await expect(panel(page).locator('.step-announce')).toContainText('You won!');
  // The focus never left the panel, so every key reached it.
  expect(await page.evaluate(() => document.getElementById('step-panel').contains(document.activeElement))).toBe(true);
  expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
  expect(errors).toEqual([]);
});

test('step mode: one global lock makes a teller wait, and exploring proves no interleaving breaks it', async ({ page }) => {
  const errors = await openPlayground(page);
  await choose(page, 'bank', 'global');
  await page.getByRole('button', { name: 'Step through it' }).click();
  await expect(challenge(page)).toContainText('With this strategy it cannot be done');
  await settled(page);
  await panel(page).focus();

  // Teller 1 takes the bank's lock; teller 2, started, waits for it.
  await stepUntil(page, 1, async () => (await logEntries(page).last().textContent()).includes('acquire bank_lock'));
  await stepUntil(page, 0, () => canStep(page, 2));
  const thread2 = panel(page).locator('.step-thread[data-thread="2"]');
  await stepUntil(page, 2, async () => await thread2.getAttribute('data-status') === 'blocked');
  await expect(thread2.locator('.step-status')).toContainText('waiting for bank_lock');
  await expect(stepButton(page, 2)).toBeDisabled();
  await expect(stepButton(page, 1)).toBeEnabled();
  // Its key says why it cannot move, and nothing runs.
  const before = await stepsShown(page).getAttribute('data-steps');
  await page.keyboard.press('2');
  await expect(panel(page).locator('.step-announce')).toHaveText(/^Thread 2 cannot move: it is waiting for bank_lock/);
  await expect(stepsShown(page)).toHaveAttribute('data-steps', before);

  await page.getByRole('button', { name: 'Explore all interleavings' }).click();
  const proof = panel(page).locator('.step-proof');
  await expect(proof).toHaveAttribute('data-proof', 'none-breaks', { timeout: 30_000 });
  await expect(proof).toHaveText(/^No interleaving breaks it: all [\d,]+ complete interleavings tried \([\d,]+ runs\)\.$/);
  await expect(challenge(page)).toHaveAttribute('data-challenge', 'open');

  // Without the lock the search finds a schedule that breaks it, and opens it.
  await strategyRadio(page, 'none').check();
  await page.getByRole('button', { name: 'Step through it' }).click();
  await expect(challenge(page)).not.toContainText('cannot be done');
  await expect(proof).toBeEmpty();
  await page.getByRole('button', { name: 'Explore all interleavings' }).click();
  await expect(proof).toHaveAttribute('data-proof', 'found', { timeout: 30_000 });
  await expect(proof).toContainText('interleavings go wrong');
  await page.getByRole('button', { name: 'Open this interleaving' }).click();
  await expect(challenge(page)).toHaveAttribute('data-challenge', 'won');
  expect(Number(await stepsShown(page).getAttribute('data-steps'))).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});

test('step mode: exploring the unordered fine-grained bank finds a deadlock, and opening it wins the challenge', async ({ page }) => {
  await openPlayground(page);
  await choose(page, 'bank', 'fine-unordered');
  await page.getByRole('button', { name: 'Step through it' }).click();
  await expect(challenge(page)).toContainText('Deadlock the fine-grained bank');
  await expect(challenge(page)).toHaveAttribute('data-challenge', 'open');

  await page.getByRole('button', { name: 'Explore all interleavings' }).click();
  const proof = panel(page).locator('.step-proof');
  await expect(proof).toHaveAttribute('data-proof', 'found', { timeout: 30_000 });
  await expect(proof).toContainText('deadlocks');
  await page.getByRole('button', { name: 'Open this interleaving' }).click();
  await expect(challenge(page)).toHaveAttribute('data-challenge', 'won');
  // Each lock by its path from the globals: both were made as `self.lock`.
  await expect(challenge(page)).toContainText(/You won! Deadlock: .*thread 1 waits for accounts\[\d\]\.lock, which thread 2 holds; thread 2 waits for accounts\[\d\]\.lock, which thread 1 holds\./);
  await expect(stepsShown(page)).toHaveAttribute('data-outcome', 'deadlock');
  await expect(stepButton(page, 1)).toBeDisabled();
  await expect(stepButton(page, 2)).toBeDisabled();

  // By hand: each teller takes its first lock, and neither can take its second.
  await page.getByRole('button', { name: 'Start over' }).click();
  await expect(challenge(page)).toHaveAttribute('data-challenge', 'open');
  await settled(page);
  await panel(page).focus();
  await stepUntil(page, 0, () => canStep(page, 2));
  await takeTurns(page, async () => await challenge(page).getAttribute('data-challenge') === 'won');
  for (const t of [1, 2]) {
    await expect(panel(page).locator(`.step-thread[data-thread="${t}"] .step-status`)).toContainText('waiting for');
  }
});

test('step mode: checking the balance outside the lock lets a learner drive a balance negative', async ({ page }) => {
  await openPlayground(page);
  await choose(page, 'bank', 'check-outside');
  await page.getByRole('button', { name: 'Step through it' }).click();
  await expect(challenge(page)).toContainText('Make a balance go negative');
  await expect(panel(page)).toContainText('accounts of 60, seed 3');
  await settled(page);
  expect(await balances(page)).toEqual([60, 60]);
  // Both tellers pass the check while the money is still there; then each spends it.
  await panel(page).focus();
  await stepUntil(page, 0, () => canStep(page, 2));
  await takeTurns(page, async () => await challenge(page).getAttribute('data-challenge') === 'won');
  await expect(challenge(page)).toHaveAttribute('data-challenge', 'won');
  await expect(challenge(page)).toContainText('You won!');
  await expect(panel(page).locator('[data-step-invariant="no-negative-balance"]')).not.toHaveAttribute('data-violations', '0');
  await expect(panel(page).locator('[data-step-invariant="total-conserved"]')).toHaveAttribute('data-violations', '0');
});

test('step mode: a link reproduces the view in a fresh page, and a bad link is refused by name', async ({ page, context }) => {
  await openPlayground(page);
  await choose(page, 'bank', 'none');
  await page.getByRole('button', { name: 'Step through it' }).click();
  await settled(page);
  await panel(page).focus();
  for (const key of ['1', '1', '0', '1']) await page.keyboard.press(key);
  await settled(page);

  const field = page.getByLabel('Link to this view');
  const link = await field.inputValue();
  expect(link).toBe(await page.evaluate(() => window.racelab.stepper.link()));
  expect(link).toContain('?step=bank&strategy=none&seed=1&p.accounts=100,100&');
  expect(link).toMatch(/&schedule=[0-9a-z]+&v=2$/);
  // The address bar follows the view, so a reload shows it again.
  expect(page.url()).toBe(link);

  const seen = (p) => p.evaluate(() => ({
    steps: document.querySelector('.step-outcome').dataset.steps,
    state: document.querySelector('.step-state-body').innerText,
    current: [...document.querySelectorAll('.step-thread')].map((t) => t.querySelector('[aria-current="step"]')?.dataset.line ?? null),
    log: [...document.querySelectorAll('.step-log li')].map((li) => li.textContent),
  }));
  const here = await seen(page);
  const fresh = await context.newPage();
  await openPlayground(fresh, link);
  await expect(stepsShown(fresh)).toHaveAttribute('data-steps', here.steps);
  await settled(fresh);
  const there = await seen(fresh);
  expect(there).toEqual(here);
  expect(here.current.filter(Boolean).length).toBeGreaterThan(0);

  // Close takes the view out of the address bar, which shows the playground's setup again.
  await fresh.getByRole('button', { name: 'Close' }).click();
  await expect(panel(fresh)).toBeHidden();
  await expect.poll(() => [...new URL(fresh.url()).searchParams.keys()].filter((k) => ['step', 'seed', 'schedule', 'v'].includes(k)))
    .toEqual([]);
  expect(new URL(fresh.url()).searchParams.get('scenario')).toBe('bank');

  const bad = await context.newPage();
  await openPlayground(bad, '/?step=bank&strategy=none&seed=lots&p.accounts=100,100&v=2');
  await expect(panel(bad).getByRole('alert')).toContainText('seed: must be a whole number');
});

test.describe('where no service worker can add the headers', () => {
  // The site's service worker would add the headers back: that is what it is for.
  test.use({ serviceWorkers: 'block' });

  test('step mode works on a page without isolation headers: from a link, stepping and exploring', async ({ page, baseURL }) => {
    await serveWithoutIsolation(page, baseURL);
    const errors = await openPlayground(page,
      '/?step=bank&strategy=none&seed=1&p.accounts=100,100&p.threads=2&p.transfers_per_thread=1&p.max_amount=50&v=2');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(await page.evaluate(async () => (await window.racelab.ready).threads)).toBe(false);
    const banner = page.locator('#isolation');
    await expect(banner).toBeVisible();
    await expect(banner).toContainText('not cross-origin isolated');
    await expect(banner).toContainText('real threads');
    await expect(page.getByRole('button', { name: 'Run' })).toBeDisabled();

    // The program's threads step on the one thread there is, as they would on real ones.
    await expect(panel(page)).toBeVisible();
    await settled(page);
    await panel(page).focus();
    await stepUntil(page, 1, async () => (await balances(page)).some((b) => b < 100));
    await expect(panel(page).locator('.step-thread[data-thread="1"]')).toHaveClass(/midway/);
    await expect(panel(page).locator('.step-midway-state')).toContainText('Thread 1 is in the middle of an update');
    await page.getByRole('button', { name: 'Explore all interleavings' }).click();
    await expect(panel(page).locator('.step-proof')).toHaveAttribute('data-proof', 'found', { timeout: 60_000 });
    expect(errors).toEqual([]);
  });
});

test('step mode replays a traced real run, step for step', async ({ page }) => {
  const errors = await openPlayground(page);
  await choose(page, 'bank', 'none');
  await page.getByLabel('threads', { exact: true }).fill('5');
  await page.getByLabel('transfers per thread').fill('100');
  await page.getByLabel('Record a trace').check();
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.locator('#result .outcome')).toBeVisible();
  await page.getByRole('button', { name: 'Replay in step mode' }).click();

  const sentence = panel(page).locator('.step-replay');
  await expect(sentence).toHaveAttribute('data-replay', /^(same|different)$/);
  const kind = await sentence.getAttribute('data-replay');
  console.log(`    replay of a real run: ${kind} (${await sentence.textContent()})`);
  await expect(sentence).toContainText(kind === 'same'
    ? 'The replay reached the same final state as the real run'
    : 'The replay ended differently: ');
  await expect(panel(page)).not.toContainText('Step mode uses a small setup');
  const steps = Number(await stepsShown(page).getAttribute('data-steps'));
  expect(steps).toBeGreaterThan(500);
  await expect(stepsShown(page)).not.toHaveAttribute('data-outcome', 'paused');

  // From the end of the replay, undo works as anywhere else.
  await panel(page).focus();
  await page.keyboard.press('Backspace');
  await expect(stepsShown(page)).toHaveAttribute('data-steps', String(steps - 1));
  await expect(stepsShown(page)).toHaveAttribute('data-outcome', 'paused');
  await expect(panel(page).locator('.step-thread[data-status="ready"]')).toHaveCount(1);

  // A trace that holds only the start of a long run says that only the start is replayed.
  const truncated = await page.evaluate(async () => {
    const pg = await window.racelab.ready;
    const report = await pg.run({ scenario: 'bank', strategy: 'none', threads: 5, transfers_per_thread: 3000, trace: true });
    if (report.trace.truncated) await window.racelab.stepper.replay(report);
    return report.trace.truncated;
  });
  if (truncated) await expect(sentence).toContainText('The trace holds only the start of the run');
  else console.log('    the long run\'s trace was not truncated: nothing to check there');
  expect(errors).toEqual([]);
});
