import { describe, expect, it } from 'vitest';
import { RarityBuckets } from '../src/rarity-buckets.js';
import { seededRandom } from '@p2pstream/units';

describe('rarity buckets', () => {
  it('gives every chunk once, fewest holders first, moving chunks as their holders change', () => {
    const buckets = new RarityBuckets();
    for (let seq = 0; seq < 30; seq++) buckets.set(seq, 1 + (seq % 3));
    // Chunk 0 gains holders, chunk 2 loses them, chunk 4 is held now, chunk 5 nobody has any more.
    buckets.set(0, 3);
    buckets.set(2, 1);
    buckets.delete(4);
    buckets.set(5, 0);
    const order = [...buckets.byRarity(seededRandom(7))];
    expect([...order].sort((a, b) => a - b)).toEqual([...Array(30).keys()].filter((seq) => seq !== 4 && seq !== 5));
    const holders = (seq: number) => (seq === 0 ? 3 : seq === 2 ? 1 : 1 + (seq % 3));
    for (let i = 1; i < order.length; i++) expect(holders(order[i - 1]!)).toBeLessThanOrEqual(holders(order[i]!));
    expect(buckets.size).toBe(28);
    expect(buckets.has(4)).toBe(false);
  });

  it('breaks ties in an order drawn from the random source', () => {
    const orders = new Set<string>();
    for (let seed = 1; seed <= 5; seed++) {
      const buckets = new RarityBuckets();
      for (let seq = 0; seq < 10; seq++) buckets.set(seq, 1);
      const order = [...buckets.byRarity(seededRandom(seed))];
      expect([...order].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
      orders.add(order.join());
    }
    expect(orders.size).toBe(5);
  });

  it('draws no more random numbers than the chunks read', () => {
    const buckets = new RarityBuckets();
    for (let seq = 0; seq < 1000; seq++) buckets.set(seq, 1);
    let draws = 0;
    const counting = () => {
      draws += 1;
      return 0.5;
    };
    const first = buckets.byRarity(counting).next();
    expect(first.done).toBe(false);
    expect(draws).toBe(1);
  });
});
