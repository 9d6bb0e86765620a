import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChunkStore, FileData, generateStreamKey, verifyChunk } from '@p2pstream/data';
import { Publisher } from '../src/index.js';
import { dialServer, startCentral, startServer } from './helpers.js';

/** A recognisable file: byte i is (i * 7) mod 256. */
const fileBytes = (count: number) => Buffer.from(Array.from({ length: count }, (_, i) => (i * 7) & 0xff));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'publisher-file-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('a finished stream published from its file', () => {
  it('holds no chunk in memory once cut, and serves each chunk read back from the file, signed', async () => {
    const server = await startServer();
    const { tracker } = await startCentral();
    const key = generateStreamKey();
    const path = join(dir, 'film.bin');
    const source = fileBytes(10_000);
    writeFileSync(path, source);
    const publisher = new Publisher({
      name: 'film',
      key,
      source: new FileData(path).read(),
      live: false,
      server,
      tracker,
      chunker: { chunkBytes: 4096 },
      sourceFile: path,
      cacheBytes: 0,
    });
    await publisher.run();
    const store = publisher.window as ChunkStore;
    expect(store).toBeInstanceOf(ChunkStore);
    expect(store.memoryBytes).toBe(0);

    const connection = await dialServer(server);
    expect(await connection.request({ t: 'join', stream: key.streamId })).toMatchObject({ edge: 3, live: false, source: true });
    const served: Buffer[] = [];
    for (const seq of [2, 0, 1]) {
      const reply = await connection.request({ t: 'request', seq });
      expect(reply.t === 'chunk' && verifyChunk(key.streamId, publisher.session, reply), `chunk ${seq}`).toBe(true);
      if (reply.t === 'chunk') served[seq] = Buffer.from(reply.data);
    }
    expect(Buffer.concat(served).equals(source)).toBe(true);
    await publisher.close();
  });

  it('cuts its file into a few buffers used in turn, and serves every chunk intact while it reads each into a buffer the socket has given back', async () => {
    const server = await startServer();
    const { tracker } = await startCentral();
    const key = generateStreamKey();
    const path = join(dir, 'film.bin');
    const CHUNK_BYTES = 4096;
    const CHUNKS = 48;
    const source = randomBytes(CHUNK_BYTES * CHUNKS);
    writeFileSync(path, source);
    // Pieces smaller than the format sniff, read into one buffer: the sniffed head must be a copy.
    const pieces = new FileData(path, { readBytes: 100 }).read({ reuseBuffer: true });
    const publisher = new Publisher({ name: 'film', key, source: pieces, live: false, server, tracker, chunker: () => ({ chunkBytes: CHUNK_BYTES }), sourceFile: path, cacheBytes: 2 * CHUNK_BYTES });
    const allocations = vi.spyOn(Buffer, 'allocUnsafeSlow');
    const chunkBuffers = () => allocations.mock.calls.filter(([size]) => size === CHUNK_BYTES).length;
    try {
      await publisher.run();
      await new Promise<void>((resolve) => (publisher.window.ended ? resolve() : publisher.once('ended', () => resolve())));
      expect(chunkBuffers(), 'chunk buffers allocated while cutting').toBeLessThanOrEqual(3);
      allocations.mockClear();
      const connection = await dialServer(server);
      await connection.request({ t: 'join', stream: key.streamId });
      const ROUNDS = 3;
      const IN_FLIGHT = 12;
      for (let round = 0; round < ROUNDS; round++) {
        for (let first = 0; first < CHUNKS; first += IN_FLIGHT) {
          const seqs = Array.from({ length: IN_FLIGHT }, (_, i) => first + i);
          const replies = await Promise.all(seqs.map((seq) => connection.request({ t: 'request', seq })));
          for (const [i, reply] of replies.entries()) {
            const seq = seqs[i]!;
            expect(reply.t === 'chunk' && verifyChunk(key.streamId, publisher.session, reply), `chunk ${seq}`).toBe(true);
            if (reply.t === 'chunk') expect(Buffer.from(reply.data).equals(source.subarray(seq * CHUNK_BYTES, (seq + 1) * CHUNK_BYTES)), `chunk ${seq}`).toBe(true);
          }
        }
      }
      // 144 chunks read from the file; at most a few dozen buffers (those in flight at once and cached) were new.
      expect(chunkBuffers(), 'chunk buffers allocated while serving').toBeLessThan((ROUNDS * CHUNKS) / 3);
    } finally {
      allocations.mockRestore();
      await publisher.close();
    }
  });

  it('refuses a chunk whose bytes are gone from the file (it was cut short) with NOT_HELD, and goes on serving', async () => {
    const server = await startServer();
    const { tracker } = await startCentral();
    const key = generateStreamKey();
    const path = join(dir, 'film.bin');
    writeFileSync(path, fileBytes(10_000));
    const publisher = new Publisher({ name: 'film', key, source: new FileData(path).read(), live: false, server, tracker, chunker: { chunkBytes: 4096 }, sourceFile: path, cacheBytes: 0 });
    await publisher.run();
    truncateSync(path, 5000);
    const connection = await dialServer(server);
    await connection.request({ t: 'join', stream: key.streamId });
    expect(await connection.request({ t: 'request', seq: 2 })).toMatchObject({ t: 'reject', seq: 2, reason: 'NOT_HELD' });
    expect(await connection.request({ t: 'request', seq: 0 })).toMatchObject({ t: 'chunk', seq: 0 });
    await publisher.close();
  });
});
