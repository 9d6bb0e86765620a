import { describe, expect, it } from 'vitest';
import { UploadSlots } from '../src/index.js';

describe('UploadSlots', () => {
  it('serves at most `slots` peers at once and turns the others away', () => {
    const slots = new UploadSlots<string>({ slots: 2, rotateMs: 10_000, idleMs: 3_000 });
    expect(slots.acquire('a', 0)).toBe(true);
    expect(slots.acquire('b', 0)).toBe(true);
    expect(slots.acquire('c', 100)).toBe(false);
    expect(slots.acquire('a', 200)).toBe(true);
    expect(slots.holders).toEqual(['a', 'b']);
    expect(slots.counters.refused).toBe(1);
  });

  it('gives the slot of the longest holder to a newcomer once it has held it for rotateMs', () => {
    const slots = new UploadSlots<string>({ slots: 2, rotateMs: 10_000, idleMs: 60_000 });
    slots.acquire('a', 0);
    slots.acquire('b', 5_000);
    expect(slots.acquire('c', 9_999)).toBe(false);
    expect(slots.acquire('c', 10_000)).toBe(true);
    expect(slots.holds('a')).toBe(false);
    expect(slots.holders).toEqual(['b', 'c']);
    // The newcomer keeps its slot for rotateMs; the next rotation takes b's.
    expect(slots.acquire('a', 12_000)).toBe(false);
    expect(slots.acquire('a', 15_000)).toBe(true);
    expect(slots.holders).toEqual(['c', 'a']);
    expect(slots.counters.rotations).toBe(2);
  });

  it('frees the slot of a holder that went quiet, and of one that left', () => {
    const slots = new UploadSlots<string>({ slots: 1, rotateMs: 60_000, idleMs: 3_000 });
    slots.acquire('a', 0);
    expect(slots.acquire('b', 2_999)).toBe(false);
    expect(slots.acquire('b', 3_000)).toBe(true);
    slots.release('b');
    expect(slots.acquire('c', 3_001)).toBe(true);
  });

  it('refuses options that cannot work', () => {
    expect(() => new UploadSlots({ slots: 0 })).toThrow(/slots/);
    expect(() => new UploadSlots({ rotateMs: -1 })).toThrow(/rotateMs/);
  });
});
