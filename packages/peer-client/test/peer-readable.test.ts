import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Chunk } from '@p2pstream/data';
import { PeerClient } from '../src/index.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { startPublisher, startViewer, TestCentral, waitUntil } from './helpers.js';
import { ManualClock } from '@p2pstream/units';

const concat = (chunks: Chunk[]) => Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.data)));

/** A writable that keeps what it is given. */
function collector(): { writable: Writable; bytes: () => Buffer } {
  const pieces: Buffer[] = [];
  const writable = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pieces.push(chunk);
      callback();
    },
  });
  return { writable, bytes: () => Buffer.concat(pieces) };
}

describe('PeerClient.readable()', () => {
  it('gives the bytes of a finished stream, exactly, and ends after the last one', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'film', { count: 30, live: false });
    const { client } = await startViewer(central, 'film');
    const readable = client.readable();
    const out = collector();
    await client.start();
    await pipeline(readable, out.writable);
    expect(out.bytes().equals(concat(publisher.chunks))).toBe(true);
    expect(client.stats()).toMatchObject({ played: 30, ended: true });
  });

  it('makes a finished stream wait for a reader that does not read, and loses nothing once it does', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'film', { count: 30, live: false, bytes: 3000 });
    const { client } = await startViewer(central, 'film');
    const readable = client.readable({ highWaterMark: 1000 });
    await client.start();
    // Every chunk has arrived, yet the readable holds no more than one chunk past its high-water mark.
    await waitUntil(() => client.window!.size === 30);
    expect(readable.readableLength).toBeLessThanOrEqual(1000 + 3000);
    expect(client.stats().ended).toBe(false);
    const pieces: Buffer[] = [];
    for await (const bytes of readable) pieces.push(bytes as Buffer);
    expect(Buffer.concat(pieces).equals(concat(publisher.chunks))).toBe(true);
    expect(readable.dropped).toBe(0);
  });

  it('can be iterated from the client itself, which starts it', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'film', { count: 12, live: false });
    const { client } = await startViewer(central, 'film');
    const pieces: Buffer[] = [];
    for await (const bytes of client) pieces.push(bytes);
    expect(Buffer.concat(pieces).equals(concat(publisher.chunks))).toBe(true);
    expect(client.info).toMatchObject({ name: 'film', live: false });
  });

  it('throws the failed start out of the loop', async () => {
    const central = await TestCentral.start();
    const { client } = await startViewer(central, 'nothing-here');
    const loop = (async () => {
      for await (const bytes of client) void bytes;
    })();
    await expect(loop).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
  });

  it('drops whole live chunks for a reader that stopped, holding no more than maxBufferedBytes, while play goes on', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'cam1', { count: 20, live: true, bytes: 3000 });
    const clock = new ManualClock();
    const { client } = await startViewer(central, 'cam1', { clock, from: 0, chunkMs: 100, scheduler: { startupDelayMs: 1000 } });
    const readable = client.readable({ highWaterMark: 1000, maxBufferedBytes: 10_000 });
    await client.start();
    await waitUntil(() => client.window!.size === 20);
    await clock.run(1000 + 20 * 100);
    expect(client.stats()).toMatchObject({ played: 20, skipped: 0 });
    // 3 chunks of 3000 bytes fit under 10 000; the other 17 were dropped, whole.
    expect(readable.readableLength).toBe(9000);
    expect({ dropped: readable.dropped, droppedBytes: readable.droppedBytes }).toEqual({ dropped: 17, droppedBytes: 17 * 3000 });
    const first = readable.read(9000) as Buffer;
    expect(first.equals(concat(publisher.chunks.slice(0, 3)))).toBe(true);
  });

  it('ends when the client is closed before the stream ends', async () => {
    const central = await TestCentral.start();
    await startPublisher(central, 'cam1', { count: 5, live: true });
    const { client } = await startViewer(central, 'cam1', { clock: new ManualClock() });
    const readable = client.readable();
    await client.start();
    const ended = new Promise((resolve) => readable.once('end', resolve));
    readable.resume();
    await client.close();
    await ended;
  });

  it('refuses to be made after start() or beside a sink', async () => {
    const central = await TestCentral.start();
    await startPublisher(central, 'film', { count: 3, live: false });
    const { client } = await startViewer(central, 'film');
    await client.start();
    expect(() => client.readable()).toThrow(expect.objectContaining({ code: 'READABLE_UNAVAILABLE' }));
    const withSink = new PeerClient({ name: 'film', tracker: central.client(), sink: { write: () => undefined } });
    onCleanup(() => withSink.close());
    expect(() => withSink.readable()).toThrow(expect.objectContaining({ code: 'READABLE_UNAVAILABLE' }));
  });
});
