/**
 * Whether it is `self`'s turn to ask an upstream peer for the fresh chunk `seq` at once, one of
 * `turns` viewers per chunk. `neighbours` are the upstream peer's other neighbours as this viewer
 * knows them (itself and its peers, the upstream one left out). Every viewer that knows the same
 * neighbours sorts them the same way, so each chunk falls to `turns` of them, evenly spaced in
 * that order, and each takes `turns` in n of the chunks: as many requests as each drawing lots
 * with a chance of `turns` in n, but no chunk is left to nobody (about e^-turns of them are by
 * lots), and none goes to many.
 */
export function hasPromptTurn(neighbours: readonly string[], self: string, seq: number, turns: number): boolean {
  const n = neighbours.length;
  if (turns >= n) return true;
  const sorted = [...neighbours].sort();
  const index = sorted.indexOf(self);
  if (index < 0) return false;
  const spacing = n / turns;
  for (let turn = 0; turn < turns; turn++) if ((seq + Math.floor(turn * spacing)) % n === index) return true;
  return false;
}
