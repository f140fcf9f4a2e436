// The lessons' claims as data, so that every engine checks the same ones with the executor
// it has: real threads where it can, otherwise stepped runs (one seeded operation at a time
// on one thread), which break what is unsafe just as surely.

/** A report with every invariant intact. */
export const held = (r) => r.outcome === 'ok' && Object.values(r.invariants).every((v) => v === 0);

/**
 * Each claim: a setup that breaks `invariant` in at least `atLeast` of 20 runs (`unsafe`),
 * or holds in 20 of 20, with `exact` checking its final state too.
 */
export const LESSON_CLAIMS = [
  {
    title: 'unsafe bank loses money',
    config: { scenario: 'bank', strategy: 'none' }, unsafe: true, invariant: 'total-conserved', atLeast: 19,
  },
  {
    title: 'bank with a global lock keeps every cent',
    config: { scenario: 'bank', strategy: 'global' }, exact: (r) => r.final.total === 44500,
  },
  {
    title: 'unsafe booking overbooks',
    config: { scenario: 'booking', strategy: 'none' }, unsafe: true, invariant: 'no-overbooking', atLeast: 19,
  },
  {
    title: 'booking with a lock confirms exactly ten',
    config: { scenario: 'booking', strategy: 'lock' },
    exact: (r) => r.final.confirmed === 10 && r.final.refused === 5 && r.final.seats_left === 0,
  },
];

/** The primitives gallery: [scenario, unsafe strategy, the invariant it breaks, safe strategies]. */
export const GALLERY = [
  ['joint-account', 'none', 'no-lost-update', ['lock']],
  ['semaphore', 'none', 'at-most-limit-inside', ['semaphore']],
  ['event', 'none', 'no-pickup-before-landing', ['event']],
  ['barrier', 'none', 'tour-starts-after-all-ready', ['barrier']],
  ['condition', 'none', 'served-once', ['condition', 'busy-wait']],
];

/** The gallery's claims for one primitive, in the form of LESSON_CLAIMS. */
export function galleryClaims(scenario) {
  const [, unsafe, invariant, safes] = GALLERY.find(([id]) => id === scenario);
  return [
    { title: `${scenario}: ${unsafe} breaks ${invariant}`, config: { scenario, strategy: unsafe }, unsafe: true, invariant, atLeast: 15 },
    ...safes.map((strategy) => ({ title: `${scenario}: ${strategy} holds`, config: { scenario, strategy } })),
  ];
}

/** How many of `reports` bear the claim out. */
export function bornOut(claim, reports) {
  const ok = claim.unsafe
    ? (r) => r.outcome === 'violated' && r.invariants[claim.invariant] > 0
    : (r) => held(r) && (claim.exact ? claim.exact(r) : true);
  return reports.filter(ok).length;
}

/** The runs a claim needs to be borne out: all 20 for a safe setup. */
export const needed = (claim) => (claim.unsafe ? claim.atLeast : 20);
