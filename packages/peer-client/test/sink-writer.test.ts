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
    // Backed up past three chunks waiting in a row, no longer at two.
    ...(onBackedUp ? { onBackedUp, backlogBytes: 3 * CHUNK_BYTES } : {}),
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
  /** Play-out with room for two chunks ahead, into a sink whose writes of the chunks in `slow` take until the test lets them go. */
  function slowPlayout(store: ChunkStore, slow: readonly number[]) {
    const told: boolean[] = [];
    const held = new Map<number, () => void>();
    const written: number[] = [];
    const sink: Sink = {
      write: (data) => {
        const seq = data[0]!;
        written.push(seq);
        return slow.includes(seq) ? new Promise<void>((resolve) => held.set(seq, resolve)) : undefined;
      },
    };
    const writer = finishedWriter(store, sink, 2 * CHUNK_BYTES, (backedUp) => told.push(backedUp));
    return { writer, told, written, release: (seq: number) => held.get(seq)!() };
  }

  it('says it is backed up while more chunks wait in a row than backlogBytes, and not once two thirds of it or less do', async () => {
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 16 * CHUNK_BYTES });
    const { writer, told, written, release } = slowPlayout(store, [0, 2]);
    store.add(chunk(0));
    await vi.waitFor(() => expect(written).toEqual([0]));
    // 0 (being written), 1 and 2 wait in a row: three chunks, no more than backlogBytes.
    store.add(chunk(1));
    store.add(chunk(2));
    expect(told).toEqual([]);
    store.add(chunk(3));
    expect(told).toEqual([true]);
    store.add(chunk(4));
    store.add(chunk(6));
    expect(told).toEqual([true]);
    // 1 is written and 2 is being written: 2, 3 and 4 wait, more than two thirds.
    release(0);
    await vi.waitFor(() => expect(written).toEqual([0, 1, 2]));
    expect(told).toEqual([true]);
    // 3 and 4 wait.
    release(2);
    await vi.waitFor(() => expect(writer.next).toBe(5));
    expect(told).toEqual([true, false]);
    store.add(chunk(5));
    await vi.waitFor(() => expect(writer.next).toBe(7));
    expect(written).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(told).toEqual([true, false]);
    await store.close();
  });

  it('does not count chunks past a gap: fetched out of order, they are no backlog of its', async () => {
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 16 * CHUNK_BYTES });
    const { writer, told, written, release } = slowPlayout(store, [0]);
    store.add(chunk(0));
    await vi.waitFor(() => expect(written).toEqual([0]));
    for (let seq = 2; seq < 10; seq++) store.add(chunk(seq));
    release(0);
    await vi.waitFor(() => expect(writer.next).toBe(1));
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
