import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WritableSink } from '../src/index.js';

/** A writable that holds every write until `release()`, like a player that stopped reading. */
function stalledWritable(highWaterMark: number) {
  const pending: Array<() => void> = [];
  const received: Buffer[] = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      received.push(chunk);
      pending.push(done);
    },
  });
  return { stream, received, release: () => pending.splice(0).forEach((done) => done()) };
}

describe('WritableSink', () => {
  it('resolves a write at once while the stream has room, and after drain when it has not', async () => {
    const { stream, received, release } = stalledWritable(10);
    const sink = new WritableSink(stream);
    await sink.write(Buffer.alloc(5));
    let drained = false;
    const second = sink.write(Buffer.alloc(20)).then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await second;
    expect(received.map((piece) => piece.length)).toEqual([5, 20]);
  });

  it('waits for one drain with one listener pair however many live chunks queue behind a paused reader (no MaxListeners warning)', async () => {
    const { stream, received, release } = stalledWritable(1);
    const sink = new WritableSink(stream);
    const writes = Array.from({ length: 40 }, () => sink.write(Buffer.alloc(10)));
    expect(stream.listenerCount('drain')).toBe(1);
    expect(stream.listenerCount('error')).toBe(1);
    for (let round = 0; round < 200 && stream.writableLength > 0; round++) {
      release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(writes);
    expect(received).toHaveLength(40);
    expect(stream.listenerCount('drain')).toBe(0);
  });

  it('drops, and counts, a chunk that would take a reader that stopped reading past the maximum', async () => {
    const { stream, received } = stalledWritable(1);
    const sink = new WritableSink(stream, { maxBufferedBytes: 100 });
    void sink.write(Buffer.alloc(60));
    void sink.write(Buffer.alloc(30));
    await sink.write(Buffer.alloc(30));
    expect(sink.dropped).toBe(1);
    expect(received.map((piece) => piece.length)).toEqual([60]);
  });

  it('tells each write where it starts only once the stream has written it, and never for a dropped one', async () => {
    const { stream, release } = stalledWritable(1);
    const sink = new WritableSink(stream, { maxBufferedBytes: 100 });
    const places: number[] = [];
    void sink.write(Buffer.alloc(60), (position) => places.push(position));
    void sink.write(Buffer.alloc(30), (position) => places.push(position));
    void sink.write(Buffer.alloc(30), (position) => places.push(position));
    expect(places).toEqual([]);
    for (let round = 0; round < 10 && stream.writableLength > 0; round++) {
      release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sink.dropped).toBe(1);
    expect(places).toEqual([0, 60]);
  });

  it('says a write is done once the stream let go of its bytes, a dropped one at once', async () => {
    const { stream, release } = stalledWritable(1);
    const sink = new WritableSink(stream, { maxBufferedBytes: 100 });
    const done: number[] = [];
    void sink.write(Buffer.alloc(60), undefined, () => done.push(60));
    void sink.write(Buffer.alloc(30), undefined, () => done.push(30));
    void sink.write(Buffer.alloc(50), undefined, () => done.push(50));
    // The 50 would take the queue past 100: dropped, so done with at once; the others are still held.
    expect(done).toEqual([50]);
    for (let round = 0; round < 10 && stream.writableLength > 0; round++) {
      release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(done).toEqual([50, 60, 30]);
  });

  it('refuses to write to a stream that has ended', async () => {
    const { stream } = stalledWritable(10);
    stream.destroy();
    await expect(new WritableSink(stream).write(Buffer.alloc(1))).rejects.toThrow(/closed/);
  });
});
