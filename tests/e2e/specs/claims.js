// The lessons' claims as data, so that every engine checks the same ones with the executor
// it has: real threads where it can, otherwise stepped runs (one seeded operation at a time
// on one thread), which break what is unsafe just as surely.

/** A report with every invariant intact. */
export const held = (r) => r.outcome === 'ok' && Object.values(r.invariants).every((v) => v === 0);

/**
 * Each claim: a setup that breaks `invariant` in at least `atLeast` of 20 runs (`unsafe`),
 * or holds in 20 of 20, with `exact` checking its final state too.
 *
 * Thresholds: each `atLeast` must fail by chance less than once in a thousand suite runs.
 * `cargo xtask rates` measures every claim 200 times natively, in Chromium and in Firefox,
 * and prints the largest threshold each rate supports (from the rate's Wilson 95% lower
 * bound). A claim borne out 200 of 200 times supports 17 of 20 (18 would need about 400
 * clean runs to back it, 19 about 3,000); 199 of 200 supports 16. Measured with a build on
 * both cores, every unsafe claim was borne out 200 of 200 times but three, 199 of 200 (the
 * joint account in Firefox, the event and the condition natively), so every unsafe claim
 * asks UNSAFE_AT_LEAST. Where a lesson's own setup raced too seldom under load (its window
 * narrower than a busy machine's scheduling delays), the claim widens the window in
 * `config` and says so.
 */
export const UNSAFE_AT_LEAST = 16;

/** The lessons' core claims, checked in every engine by engines.spec.js. */
export const LESSON_CLAIMS = [
  {
    title: 'unsafe bank loses money',
    config: { scenario: 'bank', strategy: 'none' }, unsafe: true, invariant: 'total-conserved', atLeast: UNSAFE_AT_LEAST,
  },
  {
    title: 'bank with a global lock keeps every cent',
    config: { scenario: 'bank', strategy: 'global' }, exact: (r) => r.final.total === 44500,
  },
  {
    title: 'unsafe booking overbooks',
    config: { scenario: 'booking', strategy: 'none' }, unsafe: true, invariant: 'no-overbooking', atLeast: UNSAFE_AT_LEAST,
  },
  {
    title: 'booking with a lock confirms exactly ten',
    config: { scenario: 'booking', strategy: 'lock' },
    exact: (r) => r.final.confirmed === 10 && r.final.refused === 5 && r.final.seats_left === 0,
  },
];

/**
 * The primitives gallery: [scenario, unsafe strategy, the invariant it breaks, safe
 * strategies, parameters of the unsafe runs]. The parameters widen a race window that the
 * lesson's defaults keep narrow, so that a loaded machine cannot close it:
 * - joint account: each person's read-to-write stretch is `delay_ms` (5 by default) after a
 *   start up to 3 ms apart; threads that start more than 5 ms apart, as they can when the
 *   machine is busy (6 of 100 native runs with a parallel build), never overlap. At 50 ms
 *   they overlap even then.
 * - condition: two customers who arrive together lose one when their 2 ms appends overlap;
 *   at 10 ms they do under load too.
 */
export const GALLERY = [
  ['joint-account', 'none', 'no-lost-update', ['lock'], { delay_ms: 50 }],
  ['semaphore', 'none', 'at-most-limit-inside', ['semaphore'], {}],
  ['event', 'none', 'no-pickup-before-landing', ['event'], {}],
  ['barrier', 'none', 'tour-starts-after-all-ready', ['barrier'], {}],
  ['condition', 'none', 'served-once', ['condition', 'busy-wait'], { write_ms: 10 }],
];

/** The gallery's claims for one primitive, in the form of LESSON_CLAIMS. */
export function galleryClaims(scenario) {
  const [, unsafe, invariant, safes, params] = GALLERY.find(([id]) => id === scenario);
  return [
    { title: `${scenario}: ${unsafe} breaks ${invariant}`, config: { scenario, strategy: unsafe, ...params }, unsafe: true, invariant, atLeast: UNSAFE_AT_LEAST },
    ...safes.map((strategy) => ({ title: `${scenario}: ${strategy} holds`, config: { scenario, strategy } })),
  ];
}

/** How many of `reports` bear the claim out. */
export function bornOut(claim, reports) {
  const ok = claim.unsafe
    ? (r) => (claim.outcome === 'deadlock'
      ? r.outcome === 'deadlock'
      : r.outcome === 'violated' && r.invariants[claim.invariant] > 0) && (claim.exact ? claim.exact(r) : true)
    : (r) => held(r) && (claim.exact ? claim.exact(r) : true);
  return reports.filter(ok).length;
}

/** The runs a claim needs to be borne out: all 20 for a safe setup. */
export const needed = (claim) => (claim.unsafe ? claim.atLeast : 20);

/**
 * More unsafe claims of the lessons, checked in Chromium by lessons.spec.js and
 * recovery.spec.js. Same shape as LESSON_CLAIMS (with `outcome: 'deadlock'` for a claim that
 * deadlocks rather than breaks an invariant), so `cargo xtask rates` measures them too.
 */
export const MORE_CLAIMS = [
  // Small accounts, so that a check-then-act can overdraw one. With the lesson's 5 tellers a
  // run went negative in only half the runs in Chromium under load (5 of 10); 16 tellers
  // contend enough for it in every run (60 of 60 under the same load).
  {
    title: 'checking the balance outside the lock lets it go negative',
    config: { scenario: 'bank', strategy: 'check-outside', accounts: [100, 100, 100], threads: 16 },
    unsafe: true, invariant: 'no-negative-balance', atLeast: UNSAFE_AT_LEAST,
  },
  // A lock per account taken in from/to order: two tellers moving money opposite ways
  // deadlock. The lesson's 9,999 transfers a teller last about 10 ms in the browser, so a
  // teller started late under load could find the others done (9 of 10 runs deadlocked in
  // Chromium); 200,000 keep them all running together until the cycle forms, which it
  // does within the first few thousand.
  {
    title: 'a fine-grained bank taking locks in any order deadlocks',
    config: { scenario: 'bank', strategy: 'fine-unordered', transfers_per_thread: 200_000 },
    unsafe: true, outcome: 'deadlock', atLeast: UNSAFE_AT_LEAST,
  },
  {
    title: 'locking only the update still goes below zero seats',
    config: { scenario: 'booking', strategy: 'lock-update-only' },
    unsafe: true, invariant: 'seats-non-negative', atLeast: UNSAFE_AT_LEAST, exact: (r) => r.final.seats_left < 0,
  },
];

/** Every claim with a rate, for `cargo xtask rates`. */
export const ALL_CLAIMS = [
  ...LESSON_CLAIMS, ...MORE_CLAIMS, ...GALLERY.flatMap(([scenario]) => galleryClaims(scenario)),
];

/** P(X < k) for X ~ Binomial(n, p): how often a claim needing k of n fails by chance. */
export function chanceBelow(k, n, p) {
  if (p >= 1) return k > n ? 1 : 0;
  if (p <= 0) return k > 0 ? 1 : 0;
  let total = 0;
  let term = (1 - p) ** n; // P(X = 0)
  for (let i = 0; i < k; i++) {
    total += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return Math.min(1, total);
}

/** The Wilson score interval's lower end: a rate the measurement backs with 95% confidence. */
export function rateLowerBound(successes, runs, z = 1.96) {
  if (runs === 0) return 0;
  const p = successes / runs;
  const z2 = z * z;
  const centre = p + z2 / (2 * runs);
  const margin = z * Math.sqrt((p * (1 - p)) / runs + z2 / (4 * runs * runs));
  return Math.max(0, (centre - margin) / (1 + z2 / runs));
}
