// The timeline's model, without a browser: a trace becomes lanes of spans and points on two
// axes (time and event order), and times become text. Run by `cargo xtask test`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CHECK_BAD, HOLD, INVALID, LOST, REQUEST, buildModel, lowerBound, niceStep, spanText, tickText, timeText, upperBound,
} from '../../www/app/timeline-model.js';

/** A trace of two tellers: thread 0 takes the lock (twice: it is reentrant), debits in the
 * invalid stretch and lets go; thread 1 waits for the lock, reads, and its check fails. */
function twoTellers() {
  const ev = (seq, t, thread, op, extra = {}) => ({ seq, t_us: t, thread, op, obj: 'bank_lock', ...extra });
  const events = [
    ev(1, 1, 0, 'request'),
    ev(2, 2, 0, 'acquire'),
    ev(3, 3, 1, 'request'),
    ev(4, 3.5, 0, 'acquire'),
    ev(5, 4, 0, 'invalid-begin', { obj: null }),
    ev(6, 5, 0, 'write', { obj: 'accounts[0].balance', value: 60 }),
    ev(7, 6, 0, 'invalid-end', { obj: null }),
    ev(8, 6.5, 0, 'release'),
    ev(9, 7, 0, 'release'),
    ev(10, 8, 1, 'acquire'),
    ev(11, 9, 1, 'read', { obj: 'accounts[0].balance', value: 60 }),
    ev(12, 10, 1, 'check', { obj: null, held: false, value: 0, invariant: 'the total is unchanged', line: 43 }),
  ];
  return { threads: 2, trace: { events, violations: [{ seq: 12 }], lost_updates: [{ by: 6, lost: 1 }] } };
}

test('a trace becomes a lane per thread with its holds, waits, invalid stretch and failed check', () => {
  const m = buildModel(twoTellers());
  assert.equal(m.lanes.length, 2);
  assert.equal(m.holds, 2, "thread 0's reentrant hold is one span; thread 1 holds to the end");
  assert.equal(m.requests, 2);
  assert.equal(m.invalid, 1);
  assert.equal(m.badChecks, 1);
  assert.equal(m.lost, 1);

  const hold0 = m.lanes[0].spans[HOLD];
  assert.deepEqual([...hold0.s, ...hold0.e], [2, 7], 'from the first acquire to the last release');
  const wait1 = m.lanes[1].spans[REQUEST];
  assert.deepEqual([...wait1.s, ...wait1.e], [3, 8], 'thread 1 waits until it acquires');
  const invalid = m.lanes[0].spans[INVALID];
  assert.deepEqual([...invalid.s, ...invalid.e], [4, 6]);

  // Never released: the hold runs on to the end of the plot, and to one past the last
  // event in event order.
  const hold1 = m.lanes[1].spans[HOLD];
  assert.equal(hold1.e[0], m.end);
  assert.ok(m.end > 10);
  assert.equal(m.order.lanes[1].spans[HOLD].e[0], 13);

  const points = m.lanes[1].points;
  assert.deepEqual([...points.kind], [CHECK_BAD]);
  assert.equal(m.violationAt.get(12), 0);
  const lost = m.lanes[0].points;
  assert.deepEqual([...lost.kind], [LOST], 'the overwriting write is marked on its own lane');
  assert.equal(lost.aux[0], 1, 'naming the thread whose update it lost');
});

test('a view in time becomes the view in event order of exactly its events', () => {
  const m = buildModel(twoTellers());
  assert.deepEqual(m.seqsBetween(3, 6), { first: 3, last: 7 });
  assert.equal(m.lastEventOf(1, 9).seq, 3, "thread 1's last event at or before #9");
  assert.deepEqual(m.eventsOf(0, 4, 9).map((e) => e.seq), [5, 6, 7, 8]);
  assert.equal(m.timeOf(10), 8);
  assert.equal(m.eventAt(99), null);
});

test('binary searches find the visible range of sorted positions', () => {
  const a = Float64Array.from([1, 2, 2, 2, 5]);
  assert.equal(lowerBound(a, 2), 1);
  assert.equal(upperBound(a, 2), 4);
  assert.equal(lowerBound(a, 6), 5);
  assert.equal(upperBound(a, 0), 0);
});

test('times read as µs or ms, precise enough to tell the ends of a span apart', () => {
  assert.equal(timeText(12.41), '12.41 µs');
  assert.equal(timeText(120.44), '120.4 µs');
  assert.equal(timeText(3217), '3.217 ms');
  assert.equal(spanText(3.1, 4.25), '3.10–4.25 µs');
  assert.equal(spanText(1204, 1204.5), '1.20400–1.20450 ms');
  assert.equal(niceStep(3), 5);
  assert.equal(niceStep(0.7), 1);
  assert.equal(niceStep(12), 20);
  assert.equal(tickText(1200, 500, true), '1.2 ms');
  assert.equal(tickText(3200.5, 0.5, false), '3,200.5 µs');
});
