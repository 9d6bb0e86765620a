import { describe, expect, it } from 'vitest';
import { mapHolds, toBufferMap } from '../src/index.js';

describe('mapHolds', () => {
  it('says held for exactly the seqs the map was built from, and not outside the map', () => {
    const held = [70, 71, 75, 80, 95];
    const map = toBufferMap(held);
    for (let seq = 0; seq < 120; seq++) expect(mapHolds(map, seq), String(seq)).toBe(held.includes(seq));
  });

  it('holds nothing in an empty map', () => {
    expect(mapHolds(toBufferMap([]), 0)).toBe(false);
  });
});
