import { describe, expect, it } from 'vitest';
import { ChunkWindow, DEFAULT_WINDOW_CAPACITY, type Chunk } from '../src/index.js';

const SIG = new Uint8Array(64);

function chunk(seq: number, bytes = 10): Chunk {
  return { seq, ts: 1000 + seq, data: new Uint8Array(bytes), sig: SIG };
}

/** The seqs a buffer map says are held. */
function heldIn(map: { base: number; bits: Uint8Array }): number[] {
  const held: number[] = [];
  for (let i = 0; i < map.bits.length * 8; i++) if (map.bits[i >> 3]! & (0x80 >> (i & 7))) held.push(map.base + i);
  return held;
}

describe('ChunkWindow, live', () => {
  it('holds 120 chunks by default and starts live', () => {
    const window = new ChunkWindow();
    expect(window.capacity).toBe(DEFAULT_WINDOW_CAPACITY);
    expect(window.capacity).toBe(120);
    expect(window.live).toBe(true);
    expect(window.ended).toBe(false);
    expect([window.base, window.edge, window.size]).toEqual([0, 0, 0]);
  });

  it('keeps the last capacity chunks and evicts the oldest as the edge advances', () => {
    const window = new ChunkWindow({ capacity: 4 });
    const evicted: number[] = [];
    window.onEvict((seq) => evicted.push(seq));
    for (let seq = 0; seq < 10; seq++) expect(window.add(chunk(seq))).toBe(true);
    expect(evicted).toEqual([0, 1, 2, 3, 4, 5]);
    expect([window.base, window.edge, window.size, window.bytes]).toEqual([6, 10, 4, 40]);
    expect(window.has(5)).toBe(false);
    expect(window.get(9)).toEqual(chunk(9));
  });

  it('refuses a duplicate and a chunk behind the window, changing nothing', () => {
    const window = new ChunkWindow({ capacity: 4 });
    const added: number[] = [];
    window.onChunk((c) => added.push(c.seq));
    for (let seq = 0; seq < 10; seq++) window.add(chunk(seq));
    expect(window.add(chunk(9, 99))).toBe(false);
    expect(window.get(9)!.data).toHaveLength(10);
    expect(window.add(chunk(5))).toBe(false);
    expect(window.add(chunk(0))).toBe(false);
    expect(added).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(window.size).toBe(4);
  });

  it('accepts chunks out of order within the window, and fills gaps later', () => {
    const window = new ChunkWindow({ capacity: 8 });
    expect(window.add(chunk(5))).toBe(true);
    expect([window.base, window.edge]).toEqual([0, 6]);
    expect(window.add(chunk(2))).toBe(true);
    expect(window.add(chunk(9))).toBe(true);
    expect([window.base, window.edge]).toEqual([2, 10]);
    expect(window.add(chunk(1))).toBe(false);
    expect(window.add(chunk(3))).toBe(true);
  });

  it('drops everything older when a chunk arrives far past the edge', () => {
    const window = new ChunkWindow({ capacity: 4 });
    const evicted: number[] = [];
    window.onEvict((seq) => evicted.push(seq));
    for (const seq of [0, 1, 3]) window.add(chunk(seq));
    window.add(chunk(1_000_000));
    expect(evicted).toEqual([0, 1, 3]);
    expect([window.base, window.edge, window.size, window.bytes]).toEqual([999_997, 1_000_001, 1, 10]);
  });

  it('reports evictions before the chunk that caused them', () => {
    const window = new ChunkWindow({ capacity: 2 });
    const events: string[] = [];
    window.onEvict((seq) => events.push(`evict ${seq}`));
    window.onChunk((c) => events.push(`add ${c.seq}`));
    for (let seq = 0; seq < 3; seq++) window.add(chunk(seq));
    expect(events).toEqual(['add 0', 'add 1', 'evict 0', 'add 2']);
  });

  it('stops calling a listener once unsubscribed', () => {
    const window = new ChunkWindow();
    const seen: number[] = [];
    const stop = window.onChunk((c) => seen.push(c.seq));
    window.add(chunk(0));
    stop();
    window.add(chunk(1));
    expect(seen).toEqual([0]);
  });

  it('holds at most capacity chunks and their bytes over 100,000 chunks', () => {
    const window = new ChunkWindow({ capacity: 120 });
    let evictions = 0;
    window.onEvict(() => evictions++);
    let largestSize = 0;
    let largestBytes = 0;
    for (let seq = 0; seq < 100_000; seq++) {
      window.add(chunk(seq, 1024));
      largestSize = Math.max(largestSize, window.size);
      largestBytes = Math.max(largestBytes, window.bytes);
    }
    expect(largestSize).toBe(120);
    expect(largestBytes).toBe(120 * 1024);
    expect(evictions).toBe(100_000 - 120);
    expect([window.base, window.edge]).toEqual([100_000 - 120, 100_000]);
    expect(heldIn(window.bufferMap())).toHaveLength(120);
    expect(window.bufferMap().bits).toHaveLength(15);
  });
});

describe('ChunkWindow buffer map', () => {
  it('sets bit i, most significant bit first in each byte, when base + i is held', () => {
    const window = new ChunkWindow({ capacity: 16 });
    for (const seq of [0, 1, 3, 8, 15]) window.add(chunk(seq));
    const map = window.bufferMap();
    expect(map.base).toBe(0);
    expect([...map.bits]).toEqual([0b1101_0000, 0b1000_0001]);
  });

  it('moves its base with the window and leaves the unused bits of the last byte clear', () => {
    const window = new ChunkWindow({ capacity: 16 });
    for (const seq of [0, 1, 3, 8, 15, 20]) window.add(chunk(seq));
    const map = window.bufferMap();
    expect(map.base).toBe(5);
    expect([...map.bits]).toEqual([0b0001_0000, 0b0010_0001]);
    expect(heldIn(map)).toEqual([8, 15, 20]);
  });

  it('is empty for an empty window and one bit long for a single chunk', () => {
    const window = new ChunkWindow();
    expect(window.bufferMap()).toEqual({ base: 0, bits: new Uint8Array(0) });
    window.add(chunk(0));
    expect(window.bufferMap()).toEqual({ base: 0, bits: Uint8Array.of(0x80) });
  });
});

describe('ChunkWindow, finished', () => {
  it('keeps every chunk of a finished stream', () => {
    const window = new ChunkWindow({ live: false, capacity: 4 });
    for (let seq = 999; seq >= 0; seq--) window.add(chunk(seq));
    expect([window.base, window.edge, window.size]).toEqual([0, 1000, 1000]);
    expect(heldIn(window.bufferMap())).toHaveLength(1000);
  });

  it('stops evicting once a live stream ends, and refuses chunks at or past its end', () => {
    const window = new ChunkWindow({ capacity: 4 });
    const ends: number[] = [];
    window.onEnd((edge) => ends.push(edge));
    for (let seq = 0; seq < 10; seq++) window.add(chunk(seq));
    window.finish(12);
    expect([window.live, window.ended, window.edge, ends]).toEqual([false, true, 12, [12]]);
    expect(window.add(chunk(10))).toBe(true);
    expect(window.add(chunk(11))).toBe(true);
    expect(window.add(chunk(12))).toBe(false);
    expect([window.base, window.size]).toEqual([6, 6]);
    expect(window.add(chunk(5))).toBe(false);
  });

  it('refuses an end before a seq it has already seen', () => {
    const window = new ChunkWindow();
    window.add(chunk(10));
    expect(() => window.finish(5)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    window.finish();
    expect(window.edge).toBe(11);
  });

  it('refuses a seq that is not an integer from 0, and a capacity below 1', () => {
    const window = new ChunkWindow();
    expect(() => window.add(chunk(-1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => window.add(chunk(0.5))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new ChunkWindow({ capacity: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});
