import { describe, expect, it } from 'vitest';
import { GridClock } from '../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GridClock', () => {
  it('tells the time in whole steps from when it was made', async () => {
    const clock = new GridClock(20, () => 1_000_000);
    const seen = new Set<number>();
    for (let i = 0; i < 5; i++) {
      seen.add(clock.now());
      await sleep(7);
    }
    for (const t of seen) expect((t - 1_000_000) % 20).toBe(0);
    expect(Math.min(...seen)).toBe(1_000_000);
  });

  it('fires a timer once the grid time has moved on by the delay, never before', async () => {
    const clock = new GridClock(20);
    for (let i = 0; i < 3; i++) {
      const before = clock.now();
      const firedAt = await new Promise<number>((resolve) => clock.setTimeout(() => resolve(clock.now()), 20));
      expect(firedAt).toBeGreaterThanOrEqual(before + 20);
    }
  });
});
