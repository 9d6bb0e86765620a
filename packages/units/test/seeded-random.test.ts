import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/index.js';

const draw = (random: () => number, count: number): number[] => Array.from({ length: count }, random);

describe('seededRandom', () => {
  it('replays the same sequence from the same seed, so a failure named by its seed can be rerun', () => {
    expect(draw(seededRandom(42), 50)).toEqual(draw(seededRandom(42), 50));
  });

  it('gives another sequence for another seed', () => {
    expect(draw(seededRandom(1), 5)).not.toEqual(draw(seededRandom(2), 5));
  });

  it('draws numbers in [0, 1) spread over the whole range', () => {
    const values = draw(seededRandom(7), 10_000);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    const tenths = new Set(values.map((value) => Math.floor(value * 10)));
    expect(tenths.size).toBe(10);
  });

  it('is mulberry32: the sequence a seed stood for before the move is the one it stands for now', () => {
    expect(draw(seededRandom(0), 3)).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]);
  });
});
