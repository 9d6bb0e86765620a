/**
 * mulberry32: a tiny seedable PRNG, so fuzzing, property tests, tie-breaks and simulations replay
 * exactly from their seed (a failure message names the seed; rerun with it to reproduce).
 * Not for anything secret: it is predictable by design.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
