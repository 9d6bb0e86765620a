import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkWindow, newSession, SignedState, type Chunk, type ChunkStore } from '@p2pstream/data';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { WritableSink, type Sink } from '../src/index.js';
import {
  CollectingSink,
  countingDial,
  makeChunks,
  once,
  startPublisher,
  startServer,
  startViewer,
  TestCentral,
  waitUntil,
  type TestPublisher,
} from './helpers.js';
import { ManualClock } from '@p2pstream/units';

/** `--out FILE` as the peer app writes it: a regular file, from its start. */
class FileSink implements Sink {
  readonly filePath: string;
  readonly #sink: WritableSink;
  constructor(path: string) {
    this.filePath = path;
    const stream = createWriteStream(path);
    onCleanup(() => new Promise<void>((resolve) => stream.end(resolve)));
    this.#sink = new WritableSink(stream);
  }
  write(data: Uint8Array, inFile?: (position: number) => void): Promise<void> {
    return this.#sink.write(data, inFile);
  }
}

const concat = (chunks: Chunk[]) => Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.data)));

/** With the publisher gone, a second viewer of 'film' fetches the whole stream from the first viewer alone. */
async function fetchFromFirstAlone(central: TestCentral, publisher: TestPublisher): Promise<void> {
  await publisher.server.close();
  await publisher.tracker.leave(publisher.key.streamId);
  const sink = new CollectingSink();
  const second = await startViewer(central, 'film', { sink });
  const ended = once(second.client, 'end');
  await second.client.start();
  await ended;
  expect(sink.bytes.equals(concat(publisher.chunks))).toBe(true);
  expect(second.client.stats()).toMatchObject({ bytesFromPublisher: 0, bytesFromPeers: publisher.chunks.length * 3000, badChunks: 0 });
}

describe('PeerClient on a finished stream', () => {
  it('gives two viewers byte-identical copies of the stream', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'film', { count: 40, live: false });
    const sinks = [new CollectingSink(), new CollectingSink()];
    const viewers = await Promise.all(sinks.map((sink) => startViewer(central, 'film', { sink })));
    const ended = viewers.map(({ client }) => once(client, 'end'));
    for (const { client } of viewers) expect(await client.start()).toMatchObject({ name: 'film', live: false, streamId: publisher.key.streamId });
    await Promise.all(ended);
    for (const sink of sinks) expect(sink.bytes.equals(concat(publisher.chunks))).toBe(true);
    for (const { client } of viewers) {
      const stats = client.stats();
      expect(stats).toMatchObject({ played: 40, due: 40, skipped: 0, continuity: 1, badChunks: 0, ended: true, live: false });
      expect(stats.bytesFromPublisher + stats.bytesFromPeers - stats.duplicateBytes).toBe(40 * 3000);
      expect(stats.startupMs).not.toBeNull();
    }
  });

  it('re-shares what it kept: a second viewer gets the whole stream from the first once the publisher is gone', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'film', { count: 20, live: false });
    const first = await startViewer(central, 'film');
    const firstEnded = once(first.client, 'end');
    const announced = once(first.client, 'announced');
    await first.client.start();
    await Promise.all([firstEnded, announced]);
    await fetchFromFirstAlone(central, publisher);
    expect(first.server.stats().bytesUploaded).toBe(20 * 3000);
  });

  it('keeps what it wrote to an output file in that file alone, and re-shares it from there', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'film', { count: 20, live: false });
    const dir = mkdtempSync(join(tmpdir(), 'peer-client-out-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'film.ts');
    const first = await startViewer(central, 'film', { sink: new FileSink(out), finishedStore: { dir } });
    const firstEnded = once(first.client, 'end');
    const announced = once(first.client, 'announced');
    await first.client.start();
    await Promise.all([firstEnded, announced]);
    // Each chunk leaves memory once it is in the file.
    await waitUntil(() => (first.client.window as ChunkStore).memoryBytes === 0);
    const scratch = readdirSync(dir).filter((name) => name.startsWith('p2pstream-chunks-'));
    expect(scratch).toHaveLength(1);
    expect(existsSync(join(dir, scratch[0]!, 'chunks'))).toBe(false);
    await fetchFromFirstAlone(central, publisher);
    expect(readFileSync(out).equals(concat(publisher.chunks))).toBe(true);
  });

  it('fetches at the pace of an output file slower than the peers, rather than write the stream to its scratch file too', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'film', { count: 200, live: false });
    const dir = mkdtempSync(join(tmpdir(), 'peer-client-slow-out-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, 'film.ts');
    const file = new FileSink(out);
    // A disk that takes 2 ms a chunk: loopback brings them far faster.
    const slowSink: Sink = {
      filePath: out,
      write: async (data, inFile) => {
        await sleep(2);
        return file.write(data, inFile);
      },
    };
    // Room in memory for 64 chunks: 32 held unwritten, 16 of them ahead of play-out (as 16 MiB holds 256 KiB chunks).
    const viewer = await startViewer(central, 'film', { sink: slowSink, finishedStore: { dir, cacheBytes: 64 * 3000 } });
    const ended = once(viewer.client, 'end');
    await viewer.client.start();
    await ended;
    const [scratch] = readdirSync(dir).filter((name) => name.startsWith('p2pstream-chunks-'));
    const spool = join(dir, scratch!, 'chunks');
    const spooledBytes = existsSync(spool) ? statSync(spool).size : 0;
    // Without the pause, most of the stream (the chunks past the 32 held) goes to the scratch file too.
    expect(spooledBytes).toBeLessThanOrEqual(20 * 3000);
    await viewer.client.close();
    expect(readFileSync(out).equals(concat(publisher.chunks))).toBe(true);
  });

  it('starts at the chunk asked for', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'film', { count: 30, live: false });
    const sink = new CollectingSink();
    const { client } = await startViewer(central, 'film', { sink, from: 10 });
    const ended = once(client, 'end');
    await client.start();
    await ended;
    expect(sink.bytes.equals(concat(publisher.chunks.slice(10)))).toBe(true);
  });

  it('looks the stream up again and dials a new peer when the one it had leaves', async () => {
    const central = await TestCentral.start();
    // The first peer holds only the first half; the stream is 20 chunks long.
    const partial = await startPublisher(central, 'film', { count: 20, live: false, skip: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19] });
    const sink = new CollectingSink();
    const { client } = await startViewer(central, 'film', { sink });
    const ended = once(client, 'end');
    await client.start();
    await waitUntil(() => client.stats().played === 10);
    const complete = await startPublisher(central, 'film', { count: 20, live: false, key: partial.key });
    await partial.tracker.leave(partial.key.streamId);
    await partial.server.close();
    await ended;
    expect(sink.bytes.equals(concat(complete.chunks))).toBe(true);
  });

  it('drops a peer that serves a chunk with a flipped bit, does not dial its address again, and writes no corrupt byte', async () => {
    const central = await TestCentral.start();
    const honest = await startPublisher(central, 'film', { count: 20, live: false, listed: false });
    const forged = new ChunkWindow<Chunk>({ live: false });
    for (const chunk of honest.chunks) {
      const data = Buffer.from(chunk.data);
      data[100]! ^= 0x01;
      forged.add({ ...chunk, data });
    }
    forged.finish();
    // On an address of its own: the ban is by address, and the honest publisher is on 127.0.0.1.
    const liar = await startServer('127.0.0.2');
    liar.serve(honest.key.streamId, forged, { state: honest.state });
    await central.carry(honest.key.streamId, liar.port, 0, '127.0.0.2');
    const again = await startServer('127.0.0.2');
    again.serve(honest.key.streamId, forged, { state: honest.state });

    const dials = new Map<string, number>();
    const sink = new CollectingSink();
    const { client } = await startViewer(central, 'film', { sink, dial: countingDial(dials) });
    const bad = once(client, 'bad-chunk');
    const ended = once(client, 'end');
    await client.start();
    await bad;
    // The same host on another port is not dialed either.
    await central.carry(honest.key.streamId, again.port, 0, '127.0.0.2');
    await central.carry(honest.key.streamId, honest.server.port);
    await ended;

    expect(sink.bytes.equals(concat(honest.chunks))).toBe(true);
    expect(client.stats().badChunks).toBeGreaterThanOrEqual(1);
    expect(dials.get(`127.0.0.2:${liar.port}`)).toBe(1);
    expect(dials.get(`127.0.0.2:${again.port}`)).toBeUndefined();
    expect(central.lookups).toBeGreaterThan(1);
  });

  it('refuses the validly signed chunks of an earlier publish of the same key as bad, and writes none of them', async () => {
    const central = await TestCentral.start();
    const honest = await startPublisher(central, 'film', { count: 20, live: false, listed: false });
    // The same key's chunks from another publish: same seqs, other bytes, each signature good in its own session.
    const replayed = new ChunkWindow<Chunk>({ live: false });
    for (const chunk of makeChunks(honest.key, 20, 2000, newSession())) replayed.add(chunk);
    replayed.finish();
    const replayer = await startServer('127.0.0.2');
    // It names the current session in its map and passes its signed state on, so the viewer uses it; the chunks give it away.
    replayer.serve(honest.key.streamId, replayed, { state: honest.state });
    await central.carry(honest.key.streamId, replayer.port, 0, '127.0.0.2');

    const sink = new CollectingSink();
    const { client } = await startViewer(central, 'film', { sink });
    const bad = once(client, 'bad-chunk');
    const ended = once(client, 'end');
    await client.start();
    await bad;
    await central.carry(honest.key.streamId, honest.server.port);
    await ended;

    expect(sink.bytes.equals(concat(honest.chunks))).toBe(true);
    expect(client.stats().badChunks).toBeGreaterThanOrEqual(1);
  });

  it('does not use a peer whose map names another session of the stream', async () => {
    const central = await TestCentral.start();
    const honest = await startPublisher(central, 'film', { count: 5, live: false, listed: false });
    const stale = await startServer('127.0.0.2');
    stale.serve(honest.key.streamId, honest.window, { state: new SignedState(honest.key.streamId, newSession()) });
    await central.carry(honest.key.streamId, stale.port, 0, '127.0.0.2');

    const { client } = await startViewer(central, 'film', { sink: new CollectingSink() });
    const peers: string[] = [];
    client.on('peer', (address) => peers.push(address));
    const ended = once(client, 'end');
    await client.start();
    await central.carry(honest.key.streamId, honest.server.port);
    await ended;

    expect(peers).toEqual([`127.0.0.1:${honest.server.port}`]);
  });
});

describe('PeerClient on a live stream', () => {
  it('skips a chunk that misses its deadline, counts it, and plays on', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'cam1', { count: 20, live: true, skip: [5] });
    const clock = new ManualClock();
    const sink = new CollectingSink();
    const skipped: number[] = [];
    const { client } = await startViewer(central, 'cam1', { sink, clock, from: 0, chunkMs: 100, scheduler: { startupDelayMs: 1000 } });
    client.on('skipped', (seq) => skipped.push(seq));
    await client.start();
    await waitUntil(() => client.window!.size === 19);
    await clock.run(1000 + 19 * 100);
    expect(skipped).toEqual([5]);
    expect(sink.bytes.equals(concat(publisher.chunks.filter((chunk) => chunk.seq !== 5)))).toBe(true);
    expect(client.stats()).toMatchObject({ played: 19, skipped: 1, due: 20, continuity: 19 / 20, ended: false, live: true });

    const ended = once(client, 'end');
    publisher.window.finish();
    await ended;
    expect(client.stats()).toMatchObject({ ended: true, live: false });
  });

  it('pauses rather than skips when play-out reaches chunks no peer has yet, and plays them once they come', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'cam1', { count: 8, live: true, skip: [5, 6, 7] });
    const clock = new ManualClock();
    const sink = new CollectingSink();
    const rebuffers: number[] = [];
    const { client } = await startViewer(central, 'cam1', { sink, clock, from: 0, chunkMs: 100, scheduler: { startupDelayMs: 1000 } });
    client.on('rebuffer', (seq) => rebuffers.push(seq));
    await client.start();
    await waitUntil(() => client.window!.size === 5);
    await clock.run(1000 + 5 * 100);
    expect(rebuffers).toEqual([5]);
    expect(client.stats()).toMatchObject({ played: 5, skipped: 0, rebuffers: 1 });

    for (const seq of [5, 6, 7]) publisher.window.add(publisher.chunks[seq]!);
    await waitUntil(() => client.window!.size === 8);
    await clock.run(1000 + 2 * 100);
    expect(client.stats()).toMatchObject({ played: 8, skipped: 0, continuity: 1 });
    expect(sink.bytes.equals(concat(publisher.chunks))).toBe(true);
  });

  it('starts later rather than skipping when the first chunk due never comes', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'cam1', { count: 6, live: true, skip: [0] });
    const clock = new ManualClock();
    const sink = new CollectingSink();
    const { client } = await startViewer(central, 'cam1', { sink, clock, from: 0, chunkMs: 100, scheduler: { startupDelayMs: 1000 } });
    const rebuffers: number[] = [];
    client.on('rebuffer', (seq) => rebuffers.push(seq));
    await client.start();
    await waitUntil(() => client.window!.size === 5);
    await clock.run(1000);
    expect(rebuffers).toEqual([1]);
    await clock.run(1000 + 4 * 100);
    expect(client.stats()).toMatchObject({ played: 5, skipped: 0, continuity: 1, rebuffers: 1 });
    expect(sink.bytes.equals(concat(publisher.chunks.slice(1)))).toBe(true);
  });

  it('starts a few chunks behind the newest one', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'cam1', { count: 20, live: true });
    const clock = new ManualClock();
    const sink = new CollectingSink();
    const played: number[] = [];
    const { client } = await startViewer(central, 'cam1', {
      sink,
      clock,
      chunkMs: 100,
      scheduler: { liveOffsetMs: 400, startupDelayMs: 500 },
    });
    client.on('played', (seq) => played.push(seq));
    await client.start();
    await waitUntil(() => [15, 16, 17, 18, 19].every((seq) => client.window!.has(seq)));
    await clock.run(500 + 4 * 100);
    expect(played).toEqual([15, 16, 17, 18, 19]);
    expect(client.window!.has(14)).toBe(false);
    expect(sink.bytes.equals(concat(publisher.chunks.slice(15)))).toBe(true);
  });

  it('announces itself as a carrier once it holds a chunk, and leaves when closed', async () => {
    const central = await TestCentral.start();
    await startPublisher(central, 'cam1', { count: 10, live: true });
    const { client, server } = await startViewer(central, 'cam1');
    const announced = once(client, 'announced');
    const info = await client.start();
    expect(server.serves(info.streamId)).toBe(true);
    await announced;
    expect(await central.ports('cam1')).toContain(server.port);
    await client.close();
    expect(await central.ports('cam1')).not.toContain(server.port);
    expect(server.serves(info.streamId)).toBe(false);
  });
});

describe('PeerClient errors', () => {
  it('rejects start() with central’s answer when the stream does not exist', async () => {
    const { client } = await startViewer(await TestCentral.start(), 'nothing');
    await expect(client.start()).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
  });

  it('refuses options that cannot work', async () => {
    await expect(startViewer(await TestCentral.start(), 'x', { maxPeers: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});
