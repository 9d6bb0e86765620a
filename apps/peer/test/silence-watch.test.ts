import { describe, expect, it } from 'vitest';
import { SilenceWatch } from '../src/silence-watch.js';

describe('SilenceWatch', () => {
  it('reports a stream that brought no new chunk for the whole silence, once, and counts again after a chunk', () => {
    const watch = new SilenceWatch(30_000, 0);
    expect(watch.check(5, 1_000)).toBe(false);
    expect(watch.check(5, 30_999)).toBe(false);
    expect(watch.check(5, 31_000)).toBe(true);
    expect(watch.check(5, 40_000)).toBe(false);
    expect(watch.check(6, 41_000)).toBe(false);
    expect(watch.check(6, 70_999)).toBe(false);
    expect(watch.check(6, 71_000)).toBe(true);
  });

  it('counts from the first look when no chunk ever came', () => {
    const watch = new SilenceWatch(1_000, 500);
    expect(watch.check(0, 1_000)).toBe(false);
    expect(watch.check(0, 1_999)).toBe(false);
    expect(watch.check(0, 2_000)).toBe(true);
  });
});
