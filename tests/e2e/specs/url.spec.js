// Shareable state: the playground's address carries the demo, the lock placement and the
// parameters; a link reproduces the setup, and back and forward walk through setups.
import { test } from '@playwright/test';
import { choose, demoRadio, expect, openPlayground, strategyRadio } from './helpers.js';

const query = (page) => Object.fromEntries(new URL(page.url()).searchParams);

test('a shared URL opens the same scenario, strategy and params, and runs them', async ({ page }) => {
  await openPlayground(page, '/?scenario=booking&strategy=lock-update-only&p.seats=3&p.attempts=9&p.threads=4&p.processing_ms=0');
  await expect(demoRadio(page, 'booking')).toBeChecked();
  await expect(strategyRadio(page, 'lock-update-only')).toBeChecked();
  await expect(page.locator('#param-seats')).toHaveValue('3');
  await expect(page.locator('#param-attempts')).toHaveValue('9');
  await expect(page.locator('#param-threads')).toHaveValue('4');
  await expect(page.locator('#param-processing_ms')).toHaveValue('0');
  await page.locator('#run').click();
  await expect(page.locator('#result .outcome')).toBeVisible();
  const row = page.locator('#history tbody tr').first();
  await expect(row).toContainText('Seat booking');
  await expect(row).toContainText('seats 3');

  // The same link in a fresh tab (no session state) gives the same setup.
  const other = await page.context().browser().newContext();
  const second = await other.newPage();
  await openPlayground(second, new URL(page.url()).pathname + new URL(page.url()).search);
  await expect(strategyRadio(second, 'lock-update-only')).toBeChecked();
  await expect(second.locator('#param-seats')).toHaveValue('3');
  await other.close();
});

test('the address follows the setup; back and forward bring setups back', async ({ page }) => {
  await openPlayground(page, '/?scenario=bank&strategy=global');
  await expect.poll(() => query(page)).toMatchObject({ scenario: 'bank', strategy: 'global', 'p.threads': '5' });
  const start = await page.evaluate(() => history.length);

  await choose(page, 'semaphore');
  await expect.poll(() => query(page).scenario).toBe('semaphore');
  await choose(page, 'booking', 'lock');
  await expect.poll(() => query(page)).toMatchObject({ scenario: 'booking', strategy: 'lock' });
  // Typing a parameter updates the address without a history entry per keystroke.
  await page.locator('#param-seats').fill('12');
  await expect.poll(() => query(page)['p.seats']).toBe('12');
  expect(await page.evaluate(() => history.length)).toBe(start + 3);

  await page.goBack();
  await expect(demoRadio(page, 'booking')).toBeChecked();
  await expect(strategyRadio(page, 'none')).toBeChecked();
  await page.goBack();
  await expect(demoRadio(page, 'semaphore')).toBeChecked();
  await page.goBack();
  await expect(demoRadio(page, 'bank')).toBeChecked();
  await expect(strategyRadio(page, 'global')).toBeChecked();
  await page.goForward();
  await page.goForward();
  await page.goForward();
  await expect(strategyRadio(page, 'lock')).toBeChecked();
  await expect(page.locator('#param-seats')).toHaveValue('12');
});

test('a bad link is named, and what can be kept is kept', async ({ page }) => {
  await openPlayground(page, '/?scenario=bank&strategy=spinlock&p.tellers=3&p.threads=2');
  const error = page.locator('#config-error');
  await expect(error).toContainText('strategy: "spinlock" is not a lock placement of bank');
  await expect(error).toContainText('p.tellers: bank has no parameter "tellers"');
  await expect(strategyRadio(page, 'none')).toBeChecked();
  await expect(page.locator('#param-threads')).toHaveValue('2');

  await openPlayground(page, '/?scenario=casino');
  await expect(page.locator('#config-error')).toContainText('scenario: this link names "casino", which is not a demo');
  // Out-of-range values reach the field as given, and the run names them.
  await openPlayground(page, '/?scenario=bank&strategy=none&p.threads=99');
  await expect(page.locator('#param-threads')).toHaveValue('99');
  await page.locator('#run').click();
  await expect(page.locator('#config-error')).toContainText('threads');
  await expect(page.locator('#param-threads')).toHaveAttribute('aria-invalid', 'true');
});
