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

  it('gives a freed slot to the peer that has waited longest, however often another asks', () => {
    const slots = new UploadSlots<string>({ slots: 1, rotateMs: 60_000, idleMs: 3_000, waitMs: 1_000 });
    slots.acquire('holder', 0);
    // The patient peer asks every 500 ms (a viewer told BUSY rests that long); the greedy one every 10 ms.
    for (let t = 100; t < 2_000; t += 500) expect(slots.acquire('patient', t)).toBe(false);
    for (let t = 200; t < 2_000; t += 10) expect(slots.acquire('greedy', t)).toBe(false);
    expect(slots.waiting).toEqual(['patient', 'greedy']);
    slots.release('holder');
    expect(slots.acquire('greedy', 2_000)).toBe(false);
    expect(slots.acquire('patient', 2_001)).toBe(true);
    expect(slots.waiting).toEqual(['greedy']);
  });

  it('gives a rotating slot to the longest waiter, not to whoever asks at that moment', () => {
    const slots = new UploadSlots<string>({ slots: 1, rotateMs: 10_000, idleMs: 60_000, waitMs: 60_000 });
    slots.acquire('a', 0);
    expect(slots.acquire('b', 1_000)).toBe(false);
    expect(slots.acquire('c', 2_000)).toBe(false);
    expect(slots.acquire('c', 10_000)).toBe(false);
    expect(slots.holds('a')).toBe(true);
    expect(slots.acquire('b', 10_001)).toBe(true);
    expect(slots.holders).toEqual(['b']);
  });

  it('drops a waiter that stopped asking, so it does not hold a free slot back from the peer behind it', () => {
    const slots = new UploadSlots<string>({ slots: 1, rotateMs: 60_000, idleMs: 3_000, waitMs: 1_000 });
    slots.acquire('holder', 0);
    slots.acquire('gone', 100);
    slots.acquire('here', 200);
    slots.release('holder');
    expect(slots.acquire('here', 1_099)).toBe(false);
    expect(slots.acquire('here', 1_100)).toBe(true);
  });

  it('takes the slot of a holder that is not draining as soon as another peer waits', () => {
    const stalled = new Set<string>();
    const slots = new UploadSlots<string>({ slots: 1, rotateMs: 60_000, idleMs: 60_000, isStalled: (peer) => stalled.has(peer) });
    slots.acquire('reader', 0);
    // Not draining, but nobody waits: it keeps its slot.
    stalled.add('reader');
    expect(slots.acquire('reader', 100)).toBe(true);
    expect(slots.acquire('viewer', 200)).toBe(true);
    expect(slots.holds('reader')).toBe(false);
    expect(slots.counters.revoked).toBe(1);
  });

  it('refuses options that cannot work', () => {
    expect(() => new UploadSlots({ slots: 0 })).toThrow(/slots/);
    expect(() => new UploadSlots({ rotateMs: -1 })).toThrow(/rotateMs/);
    expect(() => new UploadSlots({ waitMs: 0 })).toThrow(/waitMs/);
  });
});
