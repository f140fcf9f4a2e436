// Step mode's model, without a browser: links, setups, challenges and the words a step
// view says. Run by `cargo xtask test` as `node --test tests/unit/`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CHALLENGES, auditTotal, cycleWords, firstDifference, fromLink, halves, isLinked, outcomeWords, prepare, toLink,
} from '../../www/app/step-model.js';

const CATALOG = [
  { id: 'bank', strategies: [{ id: 'none' }, { id: 'fine-unordered' }, { id: 'check-outside' }] },
  { id: 'event', strategies: [{ id: 'none' }, { id: 'event' }] },
];

test('a step link reads back as the config and schedule it was made from', () => {
  const config = { scenario: 'bank', strategy: 'none', seed: 7, accounts: [100, 250], threads: 11 };
  const schedule = [0, 0, 1, 10, 35];
  const link = toLink(config, schedule);
  assert.equal(link, '?step=bank&strategy=none&seed=7&p.accounts=100,250&p.threads=11&schedule=001az');
  const back = fromLink(link);
  assert.deepEqual(back, { config, schedule });
  assert.ok(isLinked(back.config), 'a linked config opens as given');
  assert.ok(!isLinked({ ...config }));
});

test('a step link keeps what does not parse as text, for the runtime to refuse by name', () => {
  const { config, schedule } = fromLink('?step=bank&seed=lots&p.threads=2x&p.schedule=5&schedule=0!1');
  assert.deepEqual(config, { scenario: 'bank', seed: 'lots', threads: '2x' });
  assert.equal(schedule, '0!1');
  assert.equal(fromLink('?scenario=bank'), null, 'a setup link is not a step link');
});

test("step mode swaps the bank's lesson sizes for its small setup, unless opened as given", () => {
  const view = prepare({ scenario: 'bank', threads: 5, trace: true }, CATALOG, false);
  assert.equal(view.config.strategy, 'none', 'the first placement when none is named');
  assert.equal(view.config.threads, 2);
  assert.equal(view.config.seed, 1);
  assert.equal(view.config.trace, undefined, 'run keys belong to step mode');
  assert.match(view.setup, /^Step mode uses a small setup: 2 tellers/);
  assert.equal(view.challenge.id, 'lose-money');

  const exact = prepare({ scenario: 'bank', strategy: 'none', threads: 5, seed: 3 }, CATALOG, true);
  assert.deepEqual(exact.config, { scenario: 'bank', strategy: 'none', threads: 5, seed: 3 });
  assert.equal(exact.setup, null);

  const negative = prepare({ scenario: 'bank', strategy: 'check-outside' }, CATALOG, false);
  assert.equal(negative.challenge.id, 'go-negative');
  assert.deepEqual(negative.config.accounts, [60, 60], "the challenge's own setup");
  assert.match(negative.setup, /\(accounts of 60, seed 10: /);

  const small = prepare({ scenario: 'event', strategy: 'event', landing_ms: 5 }, CATALOG, false);
  assert.deepEqual(small.config, { scenario: 'event', strategy: 'event', landing_ms: 5, seed: 1 });
  assert.equal(small.challenge, null);
});

test('a challenge is won by what its goal says', () => {
  const [deadlock, negative, lose] = CHALLENGES.bank;
  assert.ok(deadlock.won({ outcome: 'deadlock', invariants: [] }));
  assert.ok(!deadlock.won({ outcome: 'paused', invariants: [] }));
  const broke = (id) => ({ outcome: 'paused', invariants: [{ id, violations: 1 }] });
  assert.ok(negative.won(broke('no-negative-balance')));
  assert.ok(!negative.won(broke('total-conserved')));
  assert.ok(lose.won(broke('total-conserved')));
});

test("a statement's read and write are its two halves; a write between them is a lost update", () => {
  const log = [
    { thread: 0, op: 'read', obj: 'account[1]', line: 9, value: 100 },
    { thread: 1, op: 'read', obj: 'account[1]', line: 9, value: 100 },
    { thread: 1, op: 'write', obj: 'account[1]', line: 9, value: 70 },
    { thread: 0, op: 'write', obj: 'account[1]', line: 9, value: 60 },
    { thread: 0, op: 'read', obj: 'account[0]', line: 11, value: 100 },
  ];
  assert.deepEqual(halves(log), [
    { half: 1, line: 9, lost: null },
    { half: 1, line: 9, lost: null },
    { half: 2, line: 9, lost: null },
    { half: 2, line: 9, lost: 1 },
    null,
  ]);
});

test('a deadlock is said as who holds what and waits for what', () => {
  const cycle = [
    { thread: 0, holds: ['account[0].lock'], waits_for: 'account[1].lock' },
    { thread: 1, holds: [], waits_for: 'account[0].lock' },
  ];
  assert.equal(cycleWords(cycle),
    'thread 0 holds account[0].lock and waits for account[1].lock; thread 1 holds nothing and waits for account[0].lock');
  assert.equal(outcomeWords({ outcome: 'deadlock', deadlock: { cycle: [] } }),
    'Deadlock: every thread left is waiting, so no thread can move.');
  assert.equal(outcomeWords({ outcome: 'paused' }), '');
});

test('the audit that saw a wrong total is added up from its reads', () => {
  const report = {
    final: { balances: [100, 100] },
    steps: {
      violation_at: 4,
      log: [
        { thread: 0, op: 'write', obj: 'account[0]', line: 8, value: 60 },
        { thread: 1, op: 'read', obj: 'account[0]', line: 14, value: 60 },
        { thread: 0, op: 'read', obj: 'account[1]', line: 9, value: 100 },
        { thread: 1, op: 'read', obj: 'account[1]', line: 14, value: 100 },
      ],
    },
  };
  assert.equal(auditTotal(report), 160);
  assert.equal(auditTotal({ ...report, steps: { ...report.steps, violation_at: 0 } }), null);
});

test("a replay's final state is compared field by field, whatever the key order", () => {
  assert.equal(firstDifference({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }), null);
  assert.equal(firstDifference({ total: 190, seats_left: 0 }, { seats_left: 0, total: 200 }),
    'total is 190 in the replay, 200 in the real run');
});
