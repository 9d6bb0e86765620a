import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Chunker, generateStreamKey, newSession, verifyChunk, type UnsignedChunk } from '../src/index.js';
import { PushSource } from '../../../tools/testing/index.js';
import { collect, isSettled, piecesOfSizes, pseudoRandomBytes, sameBytes, settle, WALL_CLOCK_START } from './helpers.js';
import { ManualClock } from '@p2pstream/units';

let clock: ManualClock;
let source: PushSource;
afterEach(() => {
  source?.end();
});

function start(options: ConstructorParameters<typeof Chunker>[0] = {}, signal?: AbortSignal) {
  clock = new ManualClock(WALL_CLOCK_START);
  source = new PushSource();
  const chunker = new Chunker({ clock, ...options });
  return { t0: clock.now(), chunks: chunker.chunks(source, { signal }) };
}

describe('Chunker cuts on size', () => {
  it('cuts chunks of exactly chunkBytes and a shorter last one, numbered from 0', async () => {
    const input = pseudoRandomBytes(2500);
    const chunker = new Chunker({ chunkBytes: 1000, clock: new ManualClock(WALL_CLOCK_START) });
    const chunks = await collect(chunker.chunks(piecesOfSizes(input, [2500])));
    expect(chunks.map((c) => c.data.length)).toEqual([1000, 1000, 500]);
    expect(chunks.map((c) => c.seq)).toEqual([0, 1, 2]);
    expect(sameBytes(Buffer.concat(chunks.map((c) => c.data)), input)).toBe('same');
  });

  it('joins small pieces into full chunks without losing or reordering a byte', async () => {
    const input = pseudoRandomBytes(10_000, 3);
    const chunker = new Chunker({ chunkBytes: 1024, clock: new ManualClock(WALL_CLOCK_START) });
    const chunks = await collect(chunker.chunks(piecesOfSizes(input, [1, 300, 7, 2048, 999])));
    expect(chunks.slice(0, -1).every((c) => c.data.length === 1024)).toBe(true);
    expect(sameBytes(Buffer.concat(chunks.map((c) => c.data)), input)).toBe('same');
  });

  it('gives each chunk its own memory of exactly its size', async () => {
    const piece = pseudoRandomBytes(3000);
    const chunker = new Chunker({ chunkBytes: 1000, clock: new ManualClock(WALL_CLOCK_START) });
    const chunks = await collect(chunker.chunks(piecesOfSizes(piece, [3000])));
    piece.fill(0);
    for (const chunk of chunks) expect(chunk.data.buffer.byteLength).toBe(chunk.data.length);
    expect(chunks[0]!.data).not.toEqual(Buffer.alloc(1000));
  });

  it('cuts a later chunk into the buffer of one given back with recycle, and ignores data that is not a whole chunk buffer', async () => {
    const input = pseudoRandomBytes(5500, 4);
    const chunker = new Chunker({ chunkBytes: 1000, clock: new ManualClock(WALL_CLOCK_START) });
    const seen: Array<{ buffer: ArrayBufferLike; bytes: Buffer }> = [];
    for await (const chunk of chunker.chunks(piecesOfSizes(input, [700, 700, 700, 700, 700, 700, 700, 600]))) {
      // Checked before it is given back: afterwards the chunker may overwrite it.
      expect(sameBytes(chunk.data, input.subarray(chunk.seq * 1000, chunk.seq * 1000 + chunk.data.length)), `chunk ${chunk.seq}`).toBe('same');
      seen.push({ buffer: chunk.data.buffer, bytes: Buffer.from(chunk.data) });
      chunker.recycle(chunk.seq === 1 ? chunk.data.subarray(0, 500) : chunk.data);
    }
    expect(Buffer.concat(seen.map((s) => s.bytes))).toEqual(input);
    // A chunk is cut into the buffer given back just before (chunk 0's buffer holds chunks 2 and 4),
    // but not into chunk 1's, of which only half was given back: three buffers for the five full chunks.
    expect(seen[2]!.buffer).toBe(seen[0]!.buffer);
    expect(seen[4]!.buffer).toBe(seen[0]!.buffer);
    expect(seen.map((s) => s.buffer).filter((buffer) => buffer === seen[1]!.buffer)).toHaveLength(1);
    expect(new Set(seen.slice(0, 5).map((s) => s.buffer)).size).toBe(3);
  });

  it('cuts nothing from an empty source', async () => {
    const chunker = new Chunker({ clock: new ManualClock(WALL_CLOCK_START) });
    expect(await collect(chunker.chunks(piecesOfSizes(Buffer.alloc(0), [1])))).toEqual([]);
  });

  it('reads a Readable such as a file stream or stdin', async () => {
    const input = pseudoRandomBytes(200_000, 9);
    const chunks = await collect(new Chunker({ clock: new ManualClock(WALL_CLOCK_START) }).chunks(Readable.from([input.subarray(0, 70_000), input.subarray(70_000)])));
    expect(chunks.map((c) => c.data.length)).toEqual([65536, 65536, 65536, 200_000 - 3 * 65536]);
  });
});

describe('Chunker cuts on time', () => {
  it('cuts what it holds when chunkMs has passed, even when no new bytes arrive', async () => {
    const { t0, chunks } = start({ chunkBytes: 1000, chunkMs: 500 });
    const next = chunks.next();
    source.push(pseudoRandomBytes(100));
    await clock.run(499);
    expect(await isSettled(next)).toBe(false);
    await clock.run(1);
    const { value } = (await next) as IteratorResult<UnsignedChunk>;
    expect(value).toMatchObject({ seq: 0, ts: t0 + 500 });
    expect(value.data).toHaveLength(100);
  });

  it('measures chunkMs from the first byte of each chunk, not from the last cut', async () => {
    const { t0, chunks } = start({ chunkBytes: 1000, chunkMs: 500 });
    const first = chunks.next();
    source.push(pseudoRandomBytes(10));
    await clock.run(500);
    expect((await first).value).toMatchObject({ seq: 0, ts: t0 + 500 });
    const second = chunks.next();
    await clock.run(2000); // nothing buffered: nothing to cut, however long
    expect(await isSettled(second)).toBe(false);
    source.push(pseudoRandomBytes(10));
    await settle();
    await clock.run(499);
    expect(await isSettled(second)).toBe(false);
    await clock.run(1);
    expect((await second).value).toMatchObject({ seq: 1, ts: t0 + 3000 });
  });

  it('cuts on size before the deadline and on time for the rest, whichever comes first', async () => {
    const { t0, chunks } = start({ chunkBytes: 1000, chunkMs: 500 });
    const first = chunks.next();
    source.push(pseudoRandomBytes(100));
    await clock.run(200);
    source.push(pseudoRandomBytes(950, 2));
    const sized = (await first).value as UnsignedChunk;
    expect(sized).toMatchObject({ seq: 0, ts: t0 + 200 });
    expect(sized.data).toHaveLength(1000);
    const second = chunks.next();
    await clock.run(499);
    expect(await isSettled(second)).toBe(false);
    await clock.run(1);
    const timed = (await second).value as UnsignedChunk;
    expect(timed).toMatchObject({ seq: 1, ts: t0 + 700 });
    expect(timed.data).toHaveLength(50);
  });

  it('cuts at once when the deadline passed while the consumer was away', async () => {
    const { t0, chunks } = start({ chunkBytes: 1000, chunkMs: 500 });
    const first = chunks.next();
    source.push(pseudoRandomBytes(1010));
    expect(((await first).value as UnsignedChunk).data).toHaveLength(1000);
    await clock.run(800); // nobody asks for the next chunk meanwhile
    const { value } = (await chunks.next()) as IteratorResult<UnsignedChunk>;
    expect(value.data).toHaveLength(10);
    expect(value.ts).toBe(t0 + 800);
  });

  it('reads its source only while asked for chunks', async () => {
    const { chunks } = start({ chunkBytes: 1000, chunkMs: 500 });
    const first = chunks.next();
    source.push(pseudoRandomBytes(1000));
    await first;
    source.push(pseudoRandomBytes(10));
    await clock.run(800);
    const second = chunks.next();
    await clock.run(499);
    expect(await isSettled(second)).toBe(false);
    await clock.run(1);
    expect(((await second).value as UnsignedChunk).data).toHaveLength(10);
  });

  it('flushes what is left when the source ends, and leaves no timer behind', async () => {
    const { chunks } = start({ chunkBytes: 1000 });
    const all = collect(chunks);
    source.push(pseudoRandomBytes(10));
    source.push(pseudoRandomBytes(20));
    source.end();
    expect((await all).map((c) => c.data.length)).toEqual([30]);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('Chunker and its source', () => {
  it('stops with the signal reason while waiting for bytes, and closes the source', async () => {
    const controller = new AbortController();
    const { chunks } = start({}, controller.signal);
    const next = chunks.next();
    source.push(pseudoRandomBytes(10));
    await settle();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(next).rejects.toBe(reason);
    await settle();
    expect(source.returned).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('yields no more chunks once the signal aborts, even ones already cut', async () => {
    const controller = new AbortController();
    const { chunks } = start({ chunkBytes: 1000 }, controller.signal);
    source.push(pseudoRandomBytes(3000));
    expect((await chunks.next()).value).toMatchObject({ seq: 0 });
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(chunks.next()).rejects.toBe(reason);
    expect(source.returned).toBe(true);
  });

  it('refuses to start when the signal has already aborted', async () => {
    const reason = new Error('already');
    const { chunks } = start({}, AbortSignal.abort(reason));
    await expect(chunks.next()).rejects.toBe(reason);
  });

  it('closes the source when the consumer stops early', async () => {
    const { chunks } = start({ chunkBytes: 10 });
    source.push(pseudoRandomBytes(100));
    for await (const chunk of chunks) if (chunk.seq === 2) break;
    expect(source.returned).toBe(true);
  });

  it('refuses a source that yields strings', async () => {
    const chunker = new Chunker({ clock: new ManualClock(WALL_CLOCK_START) });
    const text = Readable.from(['abc'], { objectMode: true }) as AsyncIterable<Uint8Array>;
    await expect(collect(chunker.chunks(text))).rejects.toMatchObject({ code: 'INVALID_SOURCE' });
  });

  it('signs every chunk when given the stream key', async () => {
    const key = generateStreamKey();
    const SESSION = newSession();
    const chunker = new Chunker({ chunkBytes: 1000, clock: new ManualClock(WALL_CLOCK_START) });
    const chunks = await collect(chunker.chunks(piecesOfSizes(pseudoRandomBytes(2500), [2500]), { key, session: SESSION }));
    expect(chunks).toHaveLength(3);
    for (const chunk of chunks) expect(verifyChunk(key.streamId, SESSION, chunk)).toBe(true);
  });

  it('refuses a key without a session: a signed chunk belongs to one publish', async () => {
    const chunker = new Chunker({ chunkBytes: 1000, clock: new ManualClock(WALL_CLOCK_START) });
    const source = piecesOfSizes(pseudoRandomBytes(10), [10]);
    await expect(collect(chunker.chunks(source, { key: generateStreamKey() }))).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('refuses options that cannot work', () => {
    for (const options of [
      { chunkBytes: 0 },
      { chunkBytes: 1.5 },
      { chunkBytes: 2 * 1024 * 1024 },
      { chunkBytes: 100, mpegts: true },
      { chunkMs: 0 },
      { chunkMs: Number.NaN },
      { realtime: true },
      { bitrate: 1000 },
      { realtime: true, bitrate: -1 },
    ]) {
      expect(() => new Chunker(options), JSON.stringify(options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    }
  });
});

describe('Chunker in realtime by bitrate', () => {
  it('holds at most chunkMs of media per chunk and releases each when its media time has passed', async () => {
    // 8,000 bit/s is 1,000 bytes/s: 500 ms of media is 500 bytes.
    const clockNow = new ManualClock(WALL_CLOCK_START);
    const t0 = clockNow.now();
    const chunker = new Chunker({ realtime: true, bitrate: 8000, chunkMs: 500, clock: clockNow });
    expect(chunker.chunkBytes).toBe(500);
    const chunks = chunker.chunks(piecesOfSizes(pseudoRandomBytes(1200), [1200]));
    const first = chunks.next();
    await clockNow.run(499);
    expect(await isSettled(first)).toBe(false);
    await clockNow.run(1);
    expect((await first).value).toMatchObject({ seq: 0, ts: t0 + 500 });
    const second = chunks.next();
    await clockNow.run(500);
    expect((await second).value).toMatchObject({ seq: 1, ts: t0 + 1000 });
    const third = chunks.next();
    await clockNow.run(200); // the last 200 bytes are 200 ms of media
    const last = (await third).value as UnsignedChunk;
    expect(last).toMatchObject({ seq: 2, ts: t0 + 1200 });
    expect(last.data).toHaveLength(200);
    expect((await chunks.next()).done).toBe(true);
  });
});
