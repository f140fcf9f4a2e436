// Accessibility of the playground as a public site: axe-core finds no serious or critical
// WCAG 2.1 A/AA problem in light or dark, at rest or with a traced run and step mode on
// screen; the keyboard reaches every control with a visible focus ring; and a learner who
// asked for reduced motion gets none.
//
// AxeBuilder injects axe through page.evaluate, which the page's CSP (script-src 'self')
// does not govern, so the spec runs against the page's real policy.
import { AxeBuilder } from '@axe-core/playwright';
import { test } from '@playwright/test';
import { choose, expect, openPlayground } from './helpers.js';

/**
 * Every page the site serves, and the states in which axe looks at it: at rest, after a
 * traced run (the timeline), after a plain run, with step mode open, with the Embed
 * dialog open. A page without the
 * gallery runs the demo its address names.
 */
const PAGES = [
  { name: 'index.html', path: '/', states: ['traced', 'step', 'embed-dialog'] },
  { name: 'embed.html', path: '/embed.html?scenario=bank&strategy=none&controls=strategy,params,run,step', states: ['run', 'step'] },
];
const SCHEMES = ['light', 'dark'];
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BLOCKING = new Set(['serious', 'critical']);

/** Runs axe on the page as it is and fails on any serious or critical violation. */
async function audit(page, where) {
  const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const byImpact = {};
  for (const v of violations) byImpact[v.impact] = (byImpact[v.impact] ?? 0) + v.nodes.length;
  console.log(`    axe ${where}: ${JSON.stringify(byImpact)}`);
  const blocking = violations.filter((v) => BLOCKING.has(v.impact));
  const report = blocking.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes
    .map((n) => `    ${n.target.join(' ')}${n.failureSummary ? `\n      ${n.failureSummary.replaceAll('\n', '\n      ')}` : ''}`)
    .join('\n')}`).join('\n');
  expect(blocking.length, `axe found serious or critical violations on ${where}:\n${report}`).toBe(0);
}

/** Whether the page shows the controls a check needs (a compact page may leave some out). */
const has = async (page, selector) => (await page.locator(selector).filter({ visible: true }).count()) > 0;

/** The unguarded bank, where a page offers the choice. */
async function pickBank(page) {
  if (await has(page, '#scenario-picker')) await choose(page, 'bank', 'none');
}

for (const { name, path, states } of PAGES) {
  for (const colorScheme of SCHEMES) {
    test.describe(`${name} in ${colorScheme}`, () => {
      test.beforeEach(async ({ page }) => {
        await page.emulateMedia({ colorScheme });
      });

      test('at rest', async ({ page }) => {
        await openPlayground(page, path);
        await audit(page, `${name} (${colorScheme}) at rest`);
      });

      if (states.includes('traced')) test('after a traced run of the bank', async ({ page }) => {
        await openPlayground(page, path);
        await pickBank(page);
        await page.locator('#trace').check();
        await page.locator('#run').click();
        await expect(page.locator('.outcome')).toBeVisible();
        await expect(page.locator('.timeline-canvas')).toBeVisible();
        await audit(page, `${name} (${colorScheme}) after a traced run`);
      });

      if (states.includes('run')) test('after a run of the bank', async ({ page }) => {
        await openPlayground(page, path);
        await page.locator('#run').click();
        await expect(page.locator('.outcome')).toBeVisible();
        await audit(page, `${name} (${colorScheme}) after a run`);
      });

      if (states.includes('embed-dialog')) test('with the Embed dialog open', async ({ page }) => {
        await openPlayground(page, path);
        await page.locator('#embed-open').click();
        await expect(page.getByRole('dialog')).toBeVisible();
        await audit(page, `${name} (${colorScheme}) with the Embed dialog open`);
      });

      if (states.includes('step')) test('with step mode open', async ({ page }) => {
        await openPlayground(page, path);
        await pickBank(page);
        await page.locator('#step-open').click();
        await expect(page.locator('#step-panel')).toBeVisible();
        await expect(page.locator('#stepper')).toHaveAttribute('aria-busy', 'false');
        // One step, so that the log, the current line and the state have content.
        await page.locator('#step-panel .step-button').first().click();
        await expect(page.locator('#stepper')).toHaveAttribute('aria-busy', 'false');
        await audit(page, `${name} (${colorScheme}) with step mode open`);
      });
    });
  }

  test(`${name}: Tab from the top reaches the demos, the lock placements and Run, and every stop shows a focus ring`, async ({ page }) => {
    await openPlayground(page, path);
    // What must be reached, of what this page shows.
    const wanted = {
      gallery: '#scenario-picker input[type="radio"]',
      strategies: '#strategy-picker input[type="radio"]',
      run: '#run',
    };
    for (const [key, selector] of Object.entries(wanted)) if (!(await has(page, selector))) delete wanted[key];
    const missed = {};
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
      const left = new Set(Object.keys(wanted));
      // The whole Tab order, once: it ends where focus leaves the page or comes round again.
      const seen = new Set();
      for (let i = 0; i < 200; i++) {
        await page.keyboard.press('Tab');
        const focus = await page.evaluate((wanted) => {
          const el = document.activeElement;
          if (!el || el === document.body) return null;
          // The ring may be drawn on the element or on the label (a card, a pill) around it.
          const ringOf = (node) => {
            const s = getComputedStyle(node);
            return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
          };
          el.dataset.a11yStop ??= String(document.querySelectorAll('[data-a11y-stop]').length);
          return {
            stop: el.dataset.a11yStop,
            what: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.name ? `[name=${el.name}]` : ''}` +
              `${el.className && typeof el.className === 'string' ? `.${el.className.split(' ')[0]}` : ''}`,
            visible: el.matches(':focus-visible'),
            ring: ringOf(el) || ringOf(el.closest('label') ?? el),
            hits: Object.entries(wanted).filter(([, sel]) => el.matches(sel)).map(([key]) => key),
          };
        }, wanted);
        if (!focus || seen.has(focus.stop)) break;
        seen.add(focus.stop);
        expect(focus.visible, `${focus.what} takes keyboard focus as :focus-visible (${colorScheme})`).toBe(true);
        expect(focus.ring, `${focus.what} shows a focus ring (${colorScheme})`).toBe(true);
        for (const key of focus.hits) left.delete(key);
      }
      console.log(`    ${colorScheme}: ${seen.size} Tab stops, each with a ring`);
      if (left.size) missed[colorScheme] = [...left];
    }
    expect(missed, 'controls Tab never reached').toEqual({});
  });

  test(`${name}: with reduced motion nothing moves`, async ({ page }) => {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await openPlayground(page, path);
    const moving = await page.evaluate(() => {
      const out = [];
      for (const el of document.querySelectorAll('button, .card, .picker label, input, pre, canvas')) {
        for (const pseudo of [null, '::before', '::after']) {
          const s = getComputedStyle(el, pseudo);
          const durations = `${s.transitionDuration},${s.animationDuration}`.split(',').map((d) => parseFloat(d) || 0);
          if (durations.some((d) => d > 0) || s.animationName.split(',').some((n) => n.trim() !== 'none')) {
            out.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className}${pseudo ?? ''}: ` +
              `transition ${s.transitionDuration}, animation ${s.animationName} ${s.animationDuration}`);
          }
        }
      }
      return out;
    });
    expect(moving, 'elements that still animate under prefers-reduced-motion: reduce').toEqual([]);
  });
}
