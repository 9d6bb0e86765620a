import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChunkStore, type Chunk } from '@p2pstream/data';
import { SinkWriter } from '../src/sink-writer.js';
import type { Sink } from '../src/sink.js';
import { ViewerCounters } from '../src/viewer-stats.js';

const CHUNK_BYTES = 1000;

function chunk(seq: number): Chunk {
  return { seq, ts: seq, data: new Uint8Array(CHUNK_BYTES).fill(seq), sig: new Uint8Array(64) };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sink-writer-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Play-out of a finished stream from `store` into `sink`, keeping `aheadBytes` ahead; any warning fails the test. */
function finishedWriter(store: ChunkStore, sink: Sink, aheadBytes: number, onBackedUp?: (backedUp: boolean) => void): SinkWriter {
  return new SinkWriter({
    live: false,
    from: 0,
    window: store,
    sink,
    aheadBytes,
    ...(onBackedUp ? { onBackedUp } : {}),
    counters: new ViewerCounters(),
    wallClock: () => 0,
    onPlayed: () => undefined,
    onSkipped: () => undefined,
    onEnd: () => undefined,
    onWarning: (error) => {
      throw error;
    },
  });
}

/**
 * A finished stream's play-out over a spool that keeps nothing in memory once written, into a
 * sink that takes its first write only when `release()` is called: every chunk added meanwhile
 * is on disk before play-out gets to it.
 */
async function playBehindTheSpool(aheadBytes: number) {
  const store = ChunkStore.spool(join(dir, `chunks-${aheadBytes}`), { cacheBytes: 0 });
  const reads = vi.spyOn(store, 'read');
  const written: number[] = [];
  let release = (): void => undefined;
  const firstWrite = new Promise<void>((resolve) => (release = resolve));
  const sink: Sink = {
    write: (data) => {
      written.push(data[0]!);
      return written.length === 1 ? firstWrite : undefined;
    },
  };
  const writer = finishedWriter(store, sink, aheadBytes);
  for (let seq = 0; seq < 6; seq++) store.add(chunk(seq));
  await store.drained();
  expect(store.get(5)).toBeUndefined();
  release();
  await vi.waitFor(() => expect(writer.next).toBe(6));
  await store.close();
  return { written, reads: reads.mock.calls.length };
}

describe('SinkWriter, finished', () => {
  it('plays the chunks that arrived just ahead of it from memory, not read back from the store that wrote them meanwhile', async () => {
    const { written, reads } = await playBehindTheSpool(6 * CHUNK_BYTES);
    expect(written).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reads).toBe(0);
  });

  it('reads back what arrived further ahead than aheadBytes', async () => {
    const { written, reads } = await playBehindTheSpool(2 * CHUNK_BYTES);
    expect(written).toEqual([0, 1, 2, 3, 4, 5]);
    // Chunk 0 was being written; 1 and 2 were kept; 3, 4 and 5 come back from the file.
    expect(reads).toBe(3);
  });
});

describe('SinkWriter, finished, a sink slower than the peers', () => {
  it('says it is backed up when a chunk comes that its look-ahead has no room for while it writes, and not once it took every such chunk', async () => {
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 16 * CHUNK_BYTES });
    const told: boolean[] = [];
    // The writes of chunks 0 and 4 take until the test lets them go.
    const held = new Map<number, () => void>();
    const written: number[] = [];
    const sink: Sink = {
      write: (data) => {
        const seq = data[0]!;
        written.push(seq);
        return seq === 0 || seq === 4 ? new Promise<void>((resolve) => held.set(seq, resolve)) : undefined;
      },
    };
    const writer = finishedWriter(store, sink, 2 * CHUNK_BYTES, (backedUp) => told.push(backedUp));
    // Chunk 0 is being written; 1 and 2 fill the look-ahead.
    for (let seq = 0; seq < 3; seq++) store.add(chunk(seq));
    await vi.waitFor(() => expect(written).toEqual([0]));
    expect(told).toEqual([]);
    store.add(chunk(3));
    expect(told).toEqual([true]);
    // A second chunk without room says nothing new.
    store.add(chunk(4));
    expect(told).toEqual([true]);
    // 1, 2 and 3 go; 4, the last that had no room, is taken (and held by the sink): not backed up, while it still writes.
    held.get(0)!();
    await vi.waitFor(() => expect(written).toEqual([0, 1, 2, 3, 4]));
    expect(told).toEqual([true, false]);
    held.get(4)!();
    await vi.waitFor(() => expect(writer.next).toBe(5));
    expect(told).toEqual([true, false]);
    await store.close();
  });

  it('is never backed up while it waits for a chunk that has not come', async () => {
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 16 * CHUNK_BYTES });
    const told: boolean[] = [];
    const written: number[] = [];
    const writer = finishedWriter(store, { write: (data) => void written.push(data[0]!) }, 2 * CHUNK_BYTES, (backedUp) => told.push(backedUp));
    for (let seq = 1; seq < 8; seq++) store.add(chunk(seq));
    expect(told).toEqual([]);
    store.add(chunk(0));
    await vi.waitFor(() => expect(writer.next).toBe(8));
    expect(written).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(told).toEqual([]);
    await store.close();
  });
});

describe('SinkWriter, finished, chunks received into the store\'s buffers', () => {
  it('gives each chunk back only once the sink is done with its bytes, even after the store wrote it', async () => {
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 0 });
    const written: number[] = [];
    const dones: Array<() => void> = [];
    const sink: Sink = {
      write: (data, _inFile, done) => {
        written.push(data[0]!);
        if (done) dones.push(done);
      },
    };
    finishedWriter(store, sink, 4 * CHUNK_BYTES);
    const buffers: ArrayBufferLike[] = [];
    for (let seq = 0; seq < 4; seq++) {
      const buffer = store.receiveBuffer(CHUNK_BYTES);
      buffer.set(chunk(seq).data);
      buffers.push(buffer.buffer);
      store.add({ ...chunk(seq), data: buffer.subarray(0, CHUNK_BYTES) });
    }
    await vi.waitFor(() => expect(written).toEqual([0, 1, 2, 3]));
    // All four are in the store's file, and played, but the sink has not let go of them.
    await vi.waitFor(() => expect(store.memoryBytes).toBe(0));
    expect(buffers).not.toContain(store.receiveBuffer(CHUNK_BYTES).buffer);
    expect(dones).toHaveLength(4);
    for (const done of dones) done();
    const after = new Set(Array.from({ length: 4 }, () => store.receiveBuffer(CHUNK_BYTES).buffer));
    expect(buffers.every((buffer) => after.has(buffer))).toBe(true);
    await store.close();
  });
});
