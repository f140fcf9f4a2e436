// Step mode's model, without a browser: links, setups, challenges and the words a step
// view says. Run by `cargo xtask test` as `node --test tests/unit/`.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  cycleWords, deadlockWords, firstDifference, fromLink, halves, isLinked, lastStepWords, listingOf, outcomeWords, prepare, toLink,
} from '../../www/app/step-model.js';

/** Two lessons as pg.lessons() gives them: one with a step setup and challenges, one without. */
const LESSONS = [
  {
    id: 'bank',
    title: 'The bank',
    placements: [
      { id: 'none', title: 'No lock', safe: false, program: 'a = 1\nb = 2\nc = 3\n', lock_lines: [], invalid_lines: [2] },
      { id: 'global', title: 'One lock', safe: true, program: 'l = 1\nb = 2\n', lock_lines: [1], invalid_lines: [2] },
      { id: 'check-outside', title: 'Check outside', safe: false, program: 'x\n', lock_lines: [], invalid_lines: [] },
    ],
    step: {
      params: { accounts: [100, 100], threads: 2 },
      seed: 1,
      words: '2 tellers, two accounts of 100',
      challenges: [
        { id: 'go-negative', placements: ['check-outside'], goal: 'Go negative.', won: { violated: 'no-negative-balance' },
          setup: { accounts: [60, 60] }, seed: 3, setup_words: 'accounts of 60, seed 3' },
        { id: 'lose-money', goal: 'Lose money.', won: { violated: 'total-conserved' } },
        { id: 'deadlock', goal: 'Deadlock.', won: { outcome: 'deadlock' } },
      ],
    },
  },
  { id: 'event', title: 'Event', placements: [{ id: 'event', title: 'Event', safe: true, program: 'e\n' }] },
];
const KNOWN = { lessons: LESSONS };

test('a step link reads back as the config and schedule it was made from', () => {
  const config = { scenario: 'bank', strategy: 'none', seed: 7, accounts: [100, 250], threads: 11 };
  const schedule = [0, 0, 1, 10, 35];
  const link = toLink(config, schedule);
  assert.equal(link, '?step=bank&strategy=none&seed=7&p.accounts=100,250&p.threads=11&schedule=001az&v=2');
  const back = fromLink(link);
  assert.deepEqual(back, { config, schedule, kind: 'program' });
  assert.ok(isLinked(back.config), 'a linked config opens as given');
  assert.ok(!isLinked({ ...config }));
});

test("an old step link of a demo that became a program opens the program from its start, says why, and links as a program", () => {
  for (const old of ['?step=event&strategy=event&seed=4&p.landing_ms=5&schedule=01', '?step=bank&strategy=none&seed=1&p.accounts=100,100&schedule=00101']) {
    const { config, schedule, kind } = fromLink(old);
    assert.equal(kind, 'scenario');
    assert.equal(toLink(config, schedule, kind), old, 'the old link reads back as it was');
    const view = prepare(config, KNOWN, { asGiven: true, kind });
    assert.ok(view.retired);
    assert.equal(view.challenge === null, config.scenario === 'event');
    assert.match(view.setup, /as it was before it became a program; .* starts from the beginning/);
    assert.match(toLink(view.config, []), /&v=2$/);
  }
  const { config, kind } = fromLink('?step=event&strategy=event&seed=4&p.landing_ms=5&schedule=01');
  const view = prepare(config, KNOWN, { asGiven: true, kind });
  assert.deepEqual(view.config, { scenario: 'event', strategy: 'event', seed: 4, landing_ms: 5 });
  assert.match(view.setup, /counted in the Event demo as it was before it became a program/);
  assert.ok(!prepare(fromLink('?step=bank&strategy=none&schedule=0&v=2').config, KNOWN, { asGiven: true, kind: 'program' }).retired);
});

test('a step link keeps what does not parse as text, for the runtime to refuse by name', () => {
  const { config, schedule } = fromLink('?step=bank&seed=lots&p.threads=2x&p.schedule=5&schedule=0!1');
  assert.deepEqual(config, { scenario: 'bank', seed: 'lots', threads: '2x' });
  assert.equal(schedule, '0!1');
  assert.equal(fromLink('?scenario=bank'), null, 'a setup link is not a step link');
});

test("step mode takes the lesson's small setup and the challenge its manifest offers, unless opened as given", () => {
  const view = prepare({ scenario: 'bank', threads: 5, trace: true }, KNOWN, { asGiven: false });
  assert.ok(!view.retired, 'a view of the program, not an old link');
  assert.equal(view.config.strategy, 'none', 'the first placement when none is named');
  assert.deepEqual(view.config, { scenario: 'bank', strategy: 'none', accounts: [100, 100], threads: 2, seed: 1 });
  assert.equal(view.setup, 'Step mode uses a small setup: 2 tellers, two accounts of 100.');
  assert.equal(view.challenge.id, 'lose-money', 'the first challenge for every placement');
  assert.deepEqual(view.listing, [{ text: 'a = 1', role: 'code' }, { text: 'b = 2', role: 'invalid' }, { text: 'c = 3', role: 'code' }]);
  assert.ok(view.invalidLines.has(2));

  const exact = prepare({ scenario: 'bank', strategy: 'none', threads: 5, seed: 3 }, KNOWN, { asGiven: true });
  assert.deepEqual(exact.config, { scenario: 'bank', strategy: 'none', threads: 5, seed: 3 });
  assert.equal(exact.setup, null);

  const negative = prepare({ scenario: 'bank', strategy: 'check-outside' }, KNOWN, { asGiven: false });
  assert.equal(negative.challenge.id, 'go-negative');
  assert.deepEqual(negative.config.accounts, [60, 60], "the challenge's own setup");
  assert.equal(negative.config.seed, 3, "the challenge's own seed");
  assert.match(negative.setup, /\(accounts of 60, seed 3\)\.$/);

  const plain = prepare({ scenario: 'event', strategy: 'event', landing_ms: 5 }, KNOWN, { asGiven: false });
  assert.deepEqual(plain.config, { scenario: 'event', strategy: 'event', landing_ms: 5, seed: 1 });
  assert.equal(plain.challenge, null);
  assert.ok(plain.safe);
});

test('a challenge is won by what its manifest says, and told in its own words', () => {
  const lose = prepare({ scenario: 'bank', strategy: 'none' }, KNOWN, { asGiven: false }).challenge;
  const broke = (id) => ({ outcome: 'paused', invariants: [{ id, text: `${id} text`, violations: 1 }] });
  assert.ok(lose.won(broke('total-conserved')));
  assert.ok(!lose.won(broke('no-negative-balance')));
  assert.equal(lose.story({ ...broke('total-conserved'), view: { story: 'An audit saw 150.' } }), 'An audit saw 150.');
  assert.equal(lose.story(broke('total-conserved')), 'Broken: “total-conserved text”.');
  const lessons = [{ ...LESSONS[0], step: { ...LESSONS[0].step, challenges: [LESSONS[0].step.challenges[2]] } }];
  const deadlock = prepare({ scenario: 'bank' }, { lessons }, { asGiven: true }).challenge;
  assert.ok(deadlock.won({ outcome: 'deadlock', invariants: [] }));
  assert.ok(!deadlock.won({ outcome: 'paused', invariants: [] }));
});

test("a placement's listing marks its lock lines and its invalid stretch", () => {
  assert.deepEqual(listingOf(LESSONS[0].placements[1]).map((l) => l.role), ['lock', 'invalid']);
});

test("a step's words come from the step the thread took, not the quiet ones after it", () => {
  const before = { steps: { count: 1, log: [{ thread: 0, op: 'write', obj: 'a' }] } };
  const after = {
    steps: {
      count: 3,
      log: [
        before.steps.log[0],
        { thread: 1, op: 'read', obj: 'accounts[0].balance', value: 100 },
        { thread: 1, op: 'read', obj: 'random', quiet: true },
      ],
    },
  };
  assert.equal(lastStepWords(before, after, 1), 'read accounts[0].balance → 100');
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
  // A program's threads that each wait for what another holds: said thread by thread.
  assert.equal(deadlockWords({ cycle: [], waiting: [
    { thread: 1, why: 'waits for a, which thread 2 holds' },
    { thread: 2, why: 'waits for b, which thread 1 holds' },
  ] }), 'thread 1 waits for a, which thread 2 holds; thread 2 waits for b, which thread 1 holds');
});

test("a replay's final state is compared field by field, whatever the key order", () => {
  assert.equal(firstDifference({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }), null);
  assert.equal(firstDifference({ total: 190, seats_left: 0 }, { seats_left: 0, total: 200 }),
    'total is 190 in the replay, 200 in the real run');
});
