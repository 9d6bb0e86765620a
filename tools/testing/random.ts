/**
 * An integer in [min, max], inclusive, drawn from `random` (a `seededRandom(seed)` from
 * @p2pstream/units in property tests and simulations, so they replay from their seed).
 */
export function integerBetween(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
