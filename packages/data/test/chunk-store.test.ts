import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChunkStore, DEFAULT_STORE_CACHE_BYTES, RandomAccessFile, generateStreamKey, newSession, signChunk, verifierFor, verifyChunk, type Chunk } from '../src/index.js';

const key = generateStreamKey();
const verifier = verifierFor(key.streamId);
const session = newSession();

/** A chunk's fields as plain values, whatever kind of byte array holds them. */
function plain(c: Chunk | undefined) {
  return c && { seq: c.seq, ts: c.ts, data: Buffer.from(c.data), sig: Buffer.from(c.sig) };
}

/** A signed chunk of `bytes` bytes, each its seq. */
function chunk(seq: number, bytes = 100): Chunk {
  return signChunk(key, session, { seq, ts: 1_700_000_000_000 + seq, data: new Uint8Array(bytes).fill(seq) });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chunk-store-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ChunkStore.spool', () => {
  it('writes chunks in the order they come and reads each back whole, with a signature that still verifies', async () => {
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 0 });
    for (const seq of [3, 0, 2, 1]) expect(store.add(chunk(seq))).toBe(true);
    await store.drained();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Nothing is cached (cacheBytes 0): every chunk comes back from the file.
    expect(store.get(2)).toBeUndefined();
    for (const seq of [0, 1, 2, 3]) {
      const back = (await store.read(seq))!;
      expect(plain(back)).toEqual(plain(chunk(seq)));
      expect(verifyChunk(verifier, session, back)).toBe(true);
    }
    // Arrival order on disk: 3, 0, 2, 1.
    expect([...readFileSync(join(dir, 'chunks'))].filter((_, i) => i % 100 === 0)).toEqual([3, 0, 2, 1]);
    await store.close();
  });

  it('writes a burst of chunks, more than one batch of them, each where the index says', async () => {
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 0 });
    // Added while the first write is under way: the rest go out in batches of up to WRITE_BATCH_CHUNKS.
    const order = Array.from({ length: 150 }, (_, i) => (i * 7) % 150);
    for (const seq of order) store.add(chunk(seq, 100 + seq));
    await store.close();
    const file = readFileSync(join(dir, 'chunks'));
    expect(file).toEqual(Buffer.concat(order.map((seq) => Buffer.from(chunk(seq, 100 + seq).data))));
  });

  it('answers the buffer map, the edge and the sizes the way a finished window does', () => {
    const store = ChunkStore.spool(join(dir, 'chunks'));
    store.add(chunk(0, 10));
    store.add(chunk(9, 20));
    expect(store.add(chunk(9, 20))).toBe(false);
    store.finish(12);
    expect(store.add(chunk(12))).toBe(false);
    expect([store.base, store.edge, store.size, store.live, store.ended]).toEqual([0, 12, 2, false, true]);
    expect(store.bufferMap()).toEqual({ base: 0, bits: Uint8Array.from([0x80, 0x40]) });
    expect([store.dataBytes(9), store.dataBytes(1)]).toEqual([20, undefined]);
    void store.close();
  });

  it('keeps no more than cacheBytes of chunk data in memory once written', async () => {
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 1000 });
    for (let seq = 0; seq < 50; seq++) {
      store.add(chunk(seq));
      await store.drained();
    }
    await store.close();
    expect(store.memoryBytes).toBe(0);
    const reopened = ChunkStore.spool(join(dir, 'again'), { cacheBytes: 1000 });
    for (let seq = 0; seq < 50; seq++) reopened.add(chunk(seq));
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let seq = 0; seq < 50; seq++) expect((await reopened.read(seq))!.data[0]).toBe(seq);
    expect(reopened.memoryBytes).toBeLessThanOrEqual(1000);
    await reopened.close();
  });

  it('makes fetching wait while unwritten chunks exceed the cache', async () => {
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 150 });
    store.add(chunk(0));
    store.add(chunk(1));
    let drained = false;
    const waiting = store.drained().then(() => (drained = true));
    expect(drained).toBe(false);
    await waiting;
    expect(drained).toBe(true);
    await store.close();
  });

  it('deletes its file on close when temporary, and leaves it otherwise', async () => {
    const scratch = ChunkStore.spool(join(dir, 'scratch'), { temporary: true });
    const kept = ChunkStore.spool(join(dir, 'kept'));
    scratch.add(chunk(0));
    kept.add(chunk(0));
    await Promise.all([scratch.close(), kept.close()]);
    expect(existsSync(join(dir, 'scratch'))).toBe(false);
    expect(readFileSync(join(dir, 'kept'))).toEqual(Buffer.from(chunk(0).data));
  });

  it('refuses a seq past what it indexes, before allocating for it', () => {
    const store = ChunkStore.spool(join(dir, 'chunks'));
    expect(() => store.add(chunk(2 ** 24))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    void store.close();
  });

  it('refuses a negative cache size', () => {
    expect(() => ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(ChunkStore.spool(join(dir, 'chunks')).cacheBytes).toBe(DEFAULT_STORE_CACHE_BYTES);
  });
});

/** Waits for the store's writes started now to finish (they run on the thread pool). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('ChunkStore.spool holding chunks for a place in another file (watch --out FILE)', () => {
  it('writes nothing of what play-out placed in its file, and reads those chunks back from there', async () => {
    const out = join(dir, 'out.ts');
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 1000, holdBytes: 500, placeFile: out });
    const chunks = [chunk(0, 100), chunk(1, 100), chunk(2, 100)];
    for (const c of chunks) store.add(c);
    // What play-out does: the chunks in order in the out file, then their places.
    writeFileSync(out, Buffer.concat(chunks.map((c) => c.data)));
    expect([store.place(0, 0), store.place(1, 100), store.place(2, 200)]).toEqual([true, true, true]);
    await settle();
    expect(store.memoryBytes).toBe(0);
    expect(existsSync(join(dir, 'chunks'))).toBe(false);
    for (const c of chunks) {
      const back = (await store.read(c.seq))!;
      expect(plain(back)).toEqual(plain(c));
      expect(verifyChunk(verifier, session, back)).toBe(true);
    }
    await store.close();
    expect(readFileSync(out).length).toBe(300);
  });

  it('past holdBytes writes the chunks of highest seq first, and those stay in its own file once placed', async () => {
    const out = join(dir, 'out.ts');
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 1000, holdBytes: 250, placeFile: out });
    for (const seq of [0, 4, 1, 3, 2]) store.add(chunk(seq, 100));
    await settle();
    // 500 bytes held, 250 may stay: the three furthest ahead went to the file, 4 first.
    expect([...readFileSync(join(dir, 'chunks'))].filter((_, i) => i % 100 === 0)).toEqual([4, 3, 2]);
    expect(store.memoryBytes).toBe(200);
    writeFileSync(out, Buffer.concat([0, 1, 2].map((seq) => Buffer.from(chunk(seq, 100).data))));
    // Chunk 2 was written already: placing it changes nothing.
    expect([store.place(0, 0), store.place(1, 100), store.place(2, 200)]).toEqual([true, true, false]);
    expect(store.memoryBytes).toBe(0);
    for (const seq of [0, 1, 2, 3, 4]) expect(plain(await store.read(seq))).toEqual(plain(chunk(seq, 100)));
    await store.close();
  });

  it('serves a placed chunk the file lost as missing, not as other bytes', async () => {
    const out = join(dir, 'out.ts');
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 100, holdBytes: 100, placeFile: out });
    store.add(chunk(1, 100));
    writeFileSync(out, Buffer.alloc(50));
    expect(store.place(1, 0)).toBe(true);
    expect(await store.read(1)).toBeUndefined();
    await store.close();
  });

  it('refuses to place without a placeFile, and a holdBytes past cacheBytes', () => {
    const store = ChunkStore.spool(join(dir, 'chunks'));
    store.add(chunk(0));
    expect(() => store.place(0, 0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => ChunkStore.spool(join(dir, 'x'), { cacheBytes: 10, holdBytes: 11 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    void store.close();
  });
});

describe('ChunkStore.overFile', () => {
  it('serves chunks from the bytes already in the file, keeping only their place and signature', async () => {
    const file = join(dir, 'film');
    const chunks = [chunk(0, 300), chunk(1, 300), chunk(2, 77)];
    writeFileSync(file, Buffer.concat(chunks.map((c) => c.data)));
    const store = ChunkStore.overFile(file, { cacheBytes: 0 });
    let offset = 0;
    for (const c of chunks) {
      store.add({ ...c, data: c.data }, offset);
      offset += c.data.length;
    }
    store.finish();
    expect(store.memoryBytes).toBe(0);
    for (const c of chunks) expect(plain(await store.read(c.seq))).toEqual(plain(c));
    await store.close();
    expect(readFileSync(file).length).toBe(677);
  });

  it('keeps in memory a chunk given without a place (one that is not a byte range of the file)', async () => {
    const file = join(dir, 'film');
    writeFileSync(file, Buffer.alloc(0));
    const store = ChunkStore.overFile(file);
    store.add(chunk(0));
    expect(plain(store.get(0))).toEqual(plain(chunk(0)));
    expect(plain(await store.read(0))).toEqual(plain(chunk(0)));
    await store.close();
  });

  it('does not serve a chunk whose bytes are no longer in the file (it shrank)', async () => {
    const file = join(dir, 'film');
    writeFileSync(file, Buffer.alloc(50));
    const store = ChunkStore.overFile(file, { cacheBytes: 0 });
    store.add(chunk(0), 0);
    expect(await store.read(0)).toBeUndefined();
    await store.close();
  });
});

describe('ChunkStore buffers given back', () => {
  const CHUNK_BYTES = 5000;
  const CHUNKS = 12;

  /** A store over a file of CHUNKS chunks of CHUNK_BYTES, each filled with its seq, caching `cachedChunks` of them. */
  function filmStore(cachedChunks: number): ChunkStore {
    const file = join(dir, 'film');
    const chunks = Array.from({ length: CHUNKS }, (_, seq) => chunk(seq, CHUNK_BYTES));
    writeFileSync(file, Buffer.concat(chunks.map((c) => c.data)));
    const store = ChunkStore.overFile(file, { cacheBytes: cachedChunks * CHUNK_BYTES });
    chunks.forEach((c, seq) => store.add(c, seq * CHUNK_BYTES));
    store.finish();
    return store;
  }

  it('reads a later chunk into the buffer of one given back once the cache dropped it too', async () => {
    const store = filmStore(1);
    const first = (await store.read(0))!;
    store.release(first);
    // Caching chunk 1 drops chunk 0, which nobody holds any more.
    store.release((await store.read(1))!);
    const third = (await store.read(2))!;
    expect(third.data.buffer).toBe(first.data.buffer);
    expect(plain(third)).toEqual(plain(chunk(2, CHUNK_BYTES)));
    await store.close();
  });

  it('never reads into a chunk somebody still holds: one not given back, or got again from the cache and not given back', async () => {
    const store = filmStore(1);
    const kept = (await store.read(0))!;
    const cached = (await store.read(1))!;
    store.release(cached);
    // Got again from the cache (chunk 1 is the one cached now) and kept.
    expect(store.get(1)).toBe(cached);
    const buffers = new Set<ArrayBufferLike>();
    for (let round = 0; round < 3; round++) {
      for (let seq = 2; seq < CHUNKS; seq++) {
        const read = (await store.read(seq))!;
        buffers.add(read.data.buffer);
        store.release(read);
      }
    }
    // Buffers were reused (far fewer than the 30 reads), but never the two held.
    expect(buffers.size).toBeLessThan(5);
    expect(buffers.has(kept.data.buffer)).toBe(false);
    expect(buffers.has(cached.data.buffer)).toBe(false);
    expect(plain(kept)).toEqual(plain(chunk(0, CHUNK_BYTES)));
    expect(plain(cached)).toEqual(plain(chunk(1, CHUNK_BYTES)));
    await store.close();
  });

  it('lends one chunk read by two callers at once to each: the buffer is reused only after both gave it back', async () => {
    const store = filmStore(0);
    const [a, b] = await Promise.all([store.read(0), store.read(0)]);
    expect(a).toBe(b);
    store.release(a!);
    const other = (await store.read(1))!;
    expect(other.data.buffer).not.toBe(a!.data.buffer);
    store.release(b!);
    store.release(other);
    expect(plain(a)).toEqual(plain(chunk(0, CHUNK_BYTES)));
    const again = (await store.read(2))!;
    expect([a!.data.buffer, other.data.buffer]).toContain(again.data.buffer);
    await store.close();
  });

  /** What a connection does with `takeBuffer`: chunk `seq` copied into a buffer from the store. */
  function received(store: ChunkStore, seq: number): Chunk {
    const { ts, data, sig } = chunk(seq, CHUNK_BYTES);
    const buffer = store.receiveBuffer(CHUNK_BYTES);
    buffer.set(data);
    return { seq, ts, data: buffer.subarray(0, CHUNK_BYTES), sig };
  }

  it('receives into the buffer of a chunk received before, once that one is written to its file', async () => {
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 0 });
    const first = received(store, 0);
    // Not written yet: a second chunk gets a buffer of its own.
    expect(store.receiveBuffer(CHUNK_BYTES).buffer).not.toBe(first.data.buffer);
    store.add(first);
    await settle();
    const second = received(store, 1);
    expect(second.data.buffer).toBe(first.data.buffer);
    store.add(second);
    await settle();
    expect(plain(await store.read(0))).toEqual(plain(chunk(0, CHUNK_BYTES)));
    expect(plain(await store.read(1))).toEqual(plain(chunk(1, CHUNK_BYTES)));
    await store.close();
  });

  it('never receives into a chunk still held once placed: got with get, or held from onChunk, until given back', async () => {
    const out = join(dir, 'out.ts');
    const store = ChunkStore.spool(join(dir, 'chunks'), { cacheBytes: 4 * CHUNK_BYTES, holdBytes: 4 * CHUNK_BYTES, placeFile: out });
    const heard: Chunk[] = [];
    store.onChunk((added) => {
      store.hold(added);
      heard.push(added);
    });
    const a = received(store, 0);
    const b = received(store, 1);
    store.add(a);
    store.add(b);
    const got = store.get(0)!;
    writeFileSync(out, Buffer.concat([a.data, b.data]));
    expect([store.place(0, 0), store.place(1, CHUNK_BYTES)]).toEqual([true, true]);
    // Both placed, but chunk 0 has two holders left (get and onChunk), chunk 1 one.
    const fresh = new Set([store.receiveBuffer(CHUNK_BYTES).buffer, store.receiveBuffer(CHUNK_BYTES).buffer]);
    expect(fresh.has(a.data.buffer) || fresh.has(b.data.buffer)).toBe(false);
    store.release(heard[1]!);
    store.release(got);
    expect(store.receiveBuffer(CHUNK_BYTES).buffer).toBe(b.data.buffer);
    expect(store.receiveBuffer(CHUNK_BYTES).buffer).not.toBe(a.data.buffer);
    store.release(heard[0]!);
    expect(store.receiveBuffer(CHUNK_BYTES).buffer).toBe(a.data.buffer);
    await store.close();
  });
});

describe('ChunkStore after close', () => {
  it('refuses reads with STORE_CLOSED and does not make its deleted file again', async () => {
    const path = join(dir, 'scratch');
    const store = ChunkStore.spool(path, { temporary: true });
    store.add(chunk(0));
    await store.close();
    await expect(store.read(0)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    expect(existsSync(path)).toBe(false);
  });
});

describe('ChunkStore when its file cannot be written', () => {
  it('tells onError, keeps the chunk in memory so nothing is lost, and does not hold fetching back forever', async () => {
    const errors: Error[] = [];
    const store = ChunkStore.spool(join(dir, 'no-such-dir', 'chunks'), { cacheBytes: 10, onError: (error) => errors.push(error) });
    store.add(chunk(0));
    await store.drained();
    expect(errors).toEqual([expect.objectContaining({ code: 'ENOENT' })]);
    expect(plain(await store.read(0))).toEqual(plain(chunk(0)));
    await store.drained();
    await store.close();
  });
});

describe('RandomAccessFile.writevAt', () => {
  it('writes its pieces one after another from the position, empty pieces included', async () => {
    const file = await RandomAccessFile.open(join(dir, 'pieces'), 'create');
    await file.writevAt([Buffer.from('ab'), new Uint8Array(0), Buffer.from('cde')], 3);
    expect((await file.readAt(0, 8)).toString('latin1')).toBe('\0\0\0abcde');
    await file.close();
  });
});
