import { describe, expect, it } from 'vitest';
import { hasPromptTurn } from '../src/strategies/prompt-turns.js';

/** Twelve viewers of one publisher, each listing the same neighbours in its own order. */
const VIEWERS = Array.from({ length: 12 }, (_, i) => `127.0.0.${11 + i}:2050`);
const shuffled = (list: readonly string[], by: number) => [...list.slice(by), ...list.slice(0, by)];

describe('hasPromptTurn', () => {
  it('gives every fresh chunk to exactly `turns` viewers, whatever order each lists its neighbours in', () => {
    for (const turns of [1, 2, 3]) {
      for (let seq = 0; seq < 240; seq++) {
        const askers = VIEWERS.filter((self, i) => hasPromptTurn(shuffled(VIEWERS, i), self, seq, turns));
        expect(askers, `chunk ${seq}, ${turns} turns`).toHaveLength(turns);
      }
    }
  });

  it('shares the chunks evenly: each viewer takes turns in n of them', () => {
    const taken = VIEWERS.map((self) => Array.from({ length: 1200 }, (_, seq) => seq).filter((seq) => hasPromptTurn(VIEWERS, self, seq, 2)).length);
    expect(new Set(taken)).toEqual(new Set([200]));
  });

  it('gives every chunk to every viewer when there are no more viewers than turns, and none to a viewer the list lacks', () => {
    expect(hasPromptTurn(['a', 'b'], 'a', 7, 2)).toBe(true);
    expect(hasPromptTurn(['a', 'b', 'c'], 'x', 7, 2)).toBe(false);
  });
});
