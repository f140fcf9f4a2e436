// The timeline of a traced run (www/app/timeline.js): each thread's lane with its invalid
// stretches in red, the failed checks listed and explained, hover, and frames fast enough to
// pan a 100,000-event trace smoothly.
import { test } from '@playwright/test';
import { choose, expect, openPlayground } from './helpers.js';

const canvas = (page) => page.locator('#timeline canvas');
const nextFrame = (page) => page.evaluate(() => new Promise(requestAnimationFrame));

/** Runs the bank without locks, traced, from the page's own controls. */
async function tracedBankRun(page) {
  const errors = await openPlayground(page);
  await choose(page, 'bank', 'none');
  await page.locator('#trace').check();
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.locator('.outcome')).toHaveAttribute('data-outcome', 'violated');
  await expect(canvas(page)).toBeVisible();
  await nextFrame(page);
  return errors;
}

test('a traced bank run draws each teller\'s lane with the invalid stretches in red', async ({ page }) => {
  const errors = await tracedBankRun(page);
  // A lane per teller, and one for the program's main thread.
  const threads = Number(await page.getByLabel('threads', { exact: true }).inputValue()) + 1;
  await expect(canvas(page)).toHaveAttribute('data-lanes', String(threads));
  await expect(canvas(page)).toHaveAttribute('aria-label', new RegExp(`^Timeline of ${threads} threads, .* invalid stretches`));

  // Every lane whose thread had an invalid stretch shows the page's --bad colour in its band
  // (a late starter may have a single stretch: one pixel at this zoom). The whole band is
  // searched, not its middle row: a lost update's diamond sits on the middle row with a halo
  // that hides the red there, and a thread that lost updates all along its stretches (seen
  // under load: 720 stretches, no red on the middle row) shows its red only above and below.
  const { red, stretches } = await page.evaluate(() => {
    const tl = window.racelab.timeline;
    const c = document.querySelector('#timeline canvas');
    const probe = document.createElement('canvas').getContext('2d');
    probe.fillStyle = getComputedStyle(c).getPropertyValue('--bad').trim();
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
    const scale = c.width / c.clientWidth;
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const stretches = Array.from({ length: Number(c.dataset.lanes) }, () => 0);
    for (let seq = 0, e; (e = tl.event(seq)); seq++) if (e.op === 'invalid-begin') stretches[e.thread]++;
    const red = Array.from({ length: Number(c.dataset.lanes) }, (_, lane) => {
      const box = tl.laneBox(lane);
      let n = 0;
      for (let y = Math.ceil(box.bandTop * scale); y < Math.floor(box.bandBottom * scale); y++) {
        for (let x = 0; x < c.width; x++) {
          const i = (y * c.width + x) * 4;
          if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 12) n++;
        }
      }
      return n;
    });
    return { red, stretches };
  });
  expect(red.length).toBe(threads);
  red.forEach((n, lane) => {
    if (stretches[lane]) expect(n, `red pixels per lane: ${red}; stretches: ${stretches}`).toBeGreaterThan(0);
  });
  expect(red.reduce((a, b) => a + b, 0), `red pixels per lane: ${red}`).toBeGreaterThan(100);

  await expect(page.locator('.timeline-violations h3')).toHaveText(/^[\d,]+ checks? failed in this trace$/);
  expect(await page.locator('.timeline-violations button[data-violation]').count()).toBeGreaterThan(0);
  await expect(page.locator('.timeline-legend')).toContainText('money in flight');
  expect(errors).toEqual([]);
});

test('the timeline pans a trace cut at 100,000 events at under 16 ms a frame', async ({ page }) => {
  await tracedBankRun(page);
  // The lesson defaults make far more events than the default limit numbers. (Of the first
  // 100,000 numbered, the steps a replay needs but the timeline does not draw, such as a
  // function looked up, are not drawn: about 60,000 remain.)
  await expect(page.locator('.timeline-note')).toContainText('trace cut at 100,000 events');
  expect(Number(await canvas(page).getAttribute('data-events'))).toBeGreaterThan(50_000);
  await canvas(page).focus();
  await page.evaluate(() => window.racelab.timeline.resetStats());
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('+');
    await nextFrame(page);
  }
  // Zoomed in to a fifth of the trace, centred: these steps never hit either end.
  for (const [key, n] of [['ArrowRight', 10], ['ArrowLeft', 20], ['ArrowRight', 20], ['ArrowLeft', 10]]) {
    for (let i = 0; i < n; i++) {
      await page.keyboard.press(key);
      await nextFrame(page);
    }
  }
  const stats = await page.evaluate(() => window.racelab.timeline.drawStats);
  console.log(`    frame: median draw ${stats.medianMs.toFixed(2)} ms over ${stats.frames} frames (100,000 events)`);
  expect(stats.frames).toBeGreaterThanOrEqual(60);
  expect(stats.medianMs).toBeLessThan(16);
});

test('clicking a violation jumps to it and shows which threads were where', async ({ page }) => {
  await tracedBankRun(page);
  const before = await page.evaluate(() => window.racelab.timeline.view);
  const first = page.locator('.timeline-violations button[data-violation="0"]');
  await first.click();
  await expect(first).toHaveAttribute('aria-current', 'true');
  const { view, v, audit, auditBegin } = await page.evaluate(() => {
    const tl = window.racelab.timeline;
    const v = tl.violations[0];
    return { view: tl.view, v, audit: tl.locate(v.seq), auditBegin: tl.locate(v.begin) };
  });
  // Zoomed in on the failed check, from its thread's first read to its verdict. (How far
  // in depends on the thread: one preempted while it read spans milliseconds.)
  expect(view.endUs - view.startUs).toBeLessThan(before.endUs - before.startUs);
  expect(audit, 'the failed check is in view').not.toBeNull();
  expect(auditBegin, 'the start of its reads is in view').not.toBeNull();

  const details = page.locator('.timeline-details');
  await expect(details.locator('h3')).toHaveText(/^Failed check 1 of [\d,]+$/);
  await expect(details).toContainText(new RegExp(`thread ${v.thread} read the shared data from #\\d+ to #${v.seq} .* and “the total is unchanged” failed at line \\d+`));
  for (const o of v.overlapped) {
    await expect(details.locator(`.timeline-overlapped li[data-thread="${o.thread}"]`)).toContainText(/had debited accounts?\[\d+\]|was inside its invalid stretch/);
  }
  await expect(details).toContainText(v.lost_before
    ? /updates? had already been lost: the data was wrong for good/
    : 'No update had been lost yet');
  // One line per thread of what it was doing when the check failed.
  const threads = Number(await canvas(page).getAttribute('data-lanes'));
  await expect(details.locator('.timeline-where li')).toHaveCount(threads);

  // Next steps on, and so does the view.
  await page.getByRole('button', { name: 'Next failed check' }).click();
  await expect(details.locator('h3')).toHaveText(/^Failed check 2 of /);
  await expect(page.locator('.timeline-violations button[data-violation="1"]')).toHaveAttribute('aria-current', 'true');
});

test('hovering a write or a failed check shows what it did, where and when', async ({ page }) => {
  await tracedBankRun(page);
  await page.locator('.timeline-violations button[data-violation="0"]').click();
  // Event order gives every event its own place (the browser's clock is coarse).
  await page.getByRole('button', { name: 'Event order' }).click();
  await expect(page.getByRole('button', { name: 'Event order' })).toHaveAttribute('aria-pressed', 'true');
  const v = await page.evaluate(() => window.racelab.timeline.violations[0]);
  const box = await canvas(page).boundingBox();
  const tooltip = page.locator('.timeline-tooltip');
  const audit = await page.evaluate((seq) => window.racelab.timeline.locate(seq), v.seq);
  await page.mouse.move(box.x + audit.x, box.y + audit.y);
  await expect(tooltip).toHaveText(new RegExp(`^thread ${v.thread} · check “the total is unchanged” failed at line \\d+ · [\\d.,]+ [µm]s · #${v.seq}`));

  // A write with nothing else of its thread drawn within a few pixels (an audit's marker is
  // the bigger target); a long audit (its thread preempted) makes a wide view, so zoom in
  // on a write until it stands clear. (Zooming on the view's middle instead could end on a
  // stretch with no write in it: it did once in a full run of the suite, though 40 runs of
  // this spec alone then passed.)
  const write = await page.evaluate(() => {
    const tl = window.racelab.timeline;
    const clear = (seq, at) => {
      const thread = tl.event(seq).thread;
      for (let other = seq - 200; other <= seq + 200; other++) {
        if (other === seq || tl.event(other)?.thread !== thread) continue;
        const near = tl.locate(other);
        if (near && Math.abs(near.x - at.x) < 8) return false;
      }
      return true;
    };
    let seq = Math.ceil(tl.view.startSeq);
    while (seq <= tl.view.endSeq && !(tl.locate(seq) && tl.event(seq).op === 'write')) seq++;
    if (seq > tl.view.endSeq) return null;
    // In event order the view is a span of sequence numbers, at least eight wide: zoomed in
    // on the write far enough, no other event of its thread is within a few pixels.
    for (let zoom = 0; zoom < 16; zoom++) {
      const at = tl.locate(seq);
      if (at && clear(seq, at)) return { seq, at };
      const { startSeq, endSeq } = tl.view;
      tl.zoomBy(2, (seq - startSeq) / (endSeq - startSeq));
    }
    return null;
  });
  expect(write, 'a write in view').not.toBeNull();
  await page.mouse.move(box.x + write.at.x, box.y + write.at.y);
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toHaveText(new RegExp(`^thread \\d+ · write accounts\\[\\d+\\]\\.balance = -?[\\d,]+ · [\\d.,]+ [µm]s · #${write.seq}`));
  await page.mouse.move(box.x + box.width / 2, box.y - 20);
  await expect(tooltip).toBeHidden();

  // Clicking another failed check's marker on the canvas explains that one.
  const other = await page.evaluate(() => {
    const tl = window.racelab.timeline;
    for (let i = 1; i < Math.min(tl.violations.length, 200); i++) {
      const at = tl.locate(tl.violations[i].seq);
      if (at) return { i, at };
    }
    return null;
  });
  if (other) {
    await page.mouse.click(box.x + other.at.x, box.y + other.at.y);
    await expect(page.locator('.timeline-details h3')).toHaveText(new RegExp(`^Failed check ${other.i + 1} of `));
  }
});

test('an untraced run says how to get a timeline; keys zoom, pan and fit', async ({ page }) => {
  await openPlayground(page);
  await choose(page, 'bank', 'global');
  await page.getByRole('button', { name: 'Run' }).click();
  await expect(page.locator('.outcome')).toHaveAttribute('data-outcome', 'ok');
  await expect(page.locator('#timeline')).toContainText('Tick “Record a trace” and run again');
  await expect(canvas(page)).toHaveCount(0);

  await page.locator('#trace').check();
  await page.getByRole('button', { name: 'Re-run' }).click();
  await expect(canvas(page)).toBeVisible();
  await expect(page.locator('.timeline-legend')).toContainText('holds a lock');
  await expect(page.locator('.timeline-violations h3')).toHaveText('Every check held in this trace');
  const view = () => page.evaluate(() => window.racelab.timeline.view);
  const full = await view();
  await canvas(page).focus();
  await page.keyboard.press('+');
  const zoomed = await view();
  expect(zoomed.endUs - zoomed.startUs).toBeCloseTo((full.endUs - full.startUs) / 1.5, 3);
  await page.keyboard.press('ArrowRight');
  expect((await view()).startUs).toBeGreaterThan(zoomed.startUs);
  await page.getByRole('button', { name: 'Zoom out' }).click();
  await page.keyboard.press('Home');
  const fitted = await view();
  expect(fitted.startUs).toBeCloseTo(full.startUs, 6);
  expect(fitted.endUs).toBeCloseTo(full.endUs, 6);
});
