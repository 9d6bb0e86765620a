import { describe, expect, it } from 'vitest';
import { generateStreamKey, newSession, sameSession, sessionHex, verifyChunk, verifyEnd } from '@p2pstream/data';
import type { Message } from '@p2pstream/wire';
import { Publisher } from '../src/index.js';
import { PushSource } from '../../../tools/testing/index.js';
import { dialServer, lookUp, startCentral, startServer, waitUntil } from './helpers.js';

const bytes = (count: number, seed = 0) => Buffer.from(Array.from({ length: count }, (_, i) => (i * 7 + seed) & 0xff));

async function* sourceOf(...pieces: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* pieces;
}

describe('Publisher', () => {
  it('cuts a whole finished source first, then publishes it for viewing from any point', async () => {
    const server = await startServer();
    const { central, tracker } = await startCentral();
    const key = generateStreamKey();
    const source = bytes(10_000);
    const publisher = new Publisher({ name: 'film', key, source: sourceOf(source), live: false, server, tracker, chunker: { chunkBytes: 4096 } });
    const cut: number[] = [];
    publisher.on('chunk', (chunk) => cut.push(chunk.seq));
    await publisher.run();
    expect(cut).toEqual([0, 1, 2]);
    // Central hears the signed end with the announce: it believes the edge only as far as that.
    expect(tracker.calls).toEqual([
      { call: 'publish', name: 'film', live: false },
      { call: 'announce', stream: key.streamId, port: server.port, edge: 3, live: false, head: publisher.state.head, end: publisher.state.end },
    ]);
    expect(publisher.state.end?.edge).toBe(3);
    expect(await lookUp(central, 'film')).toEqual({
      stream: { name: 'film', stream: key.streamId, live: false, peers: 1, viewers: 0, edge: 3 },
      candidates: [{ host: '127.0.0.1', port: server.port, edge: 3, source: true, since: expect.any(Number) }],
      session: sessionHex(publisher.session),
    });
    const connection = await dialServer(server);
    const map = await connection.request({ t: 'join', stream: key.streamId });
    expect(map).toMatchObject({ edge: 3, live: false, source: true });
    expect(sameSession(map.session, publisher.session)).toBe(true);
    const chunk = await connection.request({ t: 'request', seq: 2 });
    expect(chunk.t === 'chunk' && verifyChunk(key.streamId, publisher.session, chunk)).toBe(true);
    expect(chunk.t === 'chunk' && verifyChunk(key.streamId, newSession(), chunk)).toBe(false);
    expect(publisher.stats()).toEqual({ chunks: 3, edge: 3, bytes: 10_000, live: false, ended: true });
  });

  it('publishes a live stream before its first chunk, offers each chunk as it is cut, and says its signed end when the source ends', async () => {
    const server = await startServer();
    const { central, tracker } = await startCentral();
    const key = generateStreamKey();
    const source = new PushSource();
    const publisher = new Publisher({ name: 'cam1', key, source, live: true, server, tracker, chunker: { chunkBytes: 1000 } });
    const published = new Promise((resolve) => publisher.once('published', resolve));
    const running = publisher.run();
    await published;
    expect(tracker.calls.map(({ call }) => call)).toEqual(['publish', 'announce']);
    expect((await lookUp(central, 'cam1'))?.stream).toMatchObject({ live: true, edge: 0 });

    const connection = await dialServer(server);
    const pushed: Message[] = [];
    connection.handle('have', (message) => void pushed.push(message));
    connection.handle('end', (message) => void pushed.push(message));
    expect(await connection.request({ t: 'join', stream: key.streamId })).toMatchObject({ edge: 0, live: true, source: true });
    source.push(bytes(2500));
    source.end();
    await running;
    await waitUntil(() => pushed.length === 4);
    expect(pushed.map((message) => (message.t === 'have' ? `have ${message.seq}` : `${message.t} ${'edge' in message ? message.edge : ''}`))).toEqual([
      'have 0',
      'have 1',
      'have 2',
      'end 3',
    ]);
    expect(publisher.state.end && verifyEnd(key.streamId, publisher.session, publisher.state.end)).toBe(true);
    expect(tracker.calls.at(-1)).toEqual({
      call: 'announce',
      stream: key.streamId,
      port: server.port,
      edge: 3,
      live: false,
      head: publisher.state.head,
      end: publisher.state.end,
    });
    expect(tracker.calls.filter(({ call }) => call === 'update').at(-1)).toMatchObject({ edge: 3, live: false });
    expect((await lookUp(central, 'cam1'))?.stream).toMatchObject({ live: false, edge: 3 });
  });

  it('announces its stream as taking signals when asked, and central accepts it so', async () => {
    const server = await startServer();
    const { tracker } = await startCentral();
    const key = generateStreamKey();
    const publisher = new Publisher({ name: 'film', key, source: sourceOf(bytes(100)), live: false, server, tracker, signals: true });
    await publisher.run();
    expect(tracker.calls.filter(({ call }) => call === 'announce')).toMatchObject([{ stream: key.streamId, signals: true }]);
  });

  it('serves nothing when central refuses the name', async () => {
    const server = await startServer();
    const { central, tracker } = await startCentral();
    await central.registry.publish({ name: 'cam1', stream: generateStreamKey().streamId, live: true, ts: Date.now(), session: '0123456789abcdef' });
    const key = generateStreamKey();
    const publisher = new Publisher({ name: 'cam1', key, source: new PushSource(), live: true, server, tracker });
    await expect(publisher.run()).rejects.toMatchObject({ code: 'NAME_TAKEN' });
    expect(server.serves(key.streamId)).toBe(false);
  });

  it('reports a source that fails as SOURCE_FAILED', async () => {
    const server = await startServer();
    const source = new PushSource();
    const publisher = new Publisher({ name: 'cam1', key: generateStreamKey(), source, live: true, server, tracker: (await startCentral()).tracker });
    const running = publisher.run();
    source.fail(new Error('EPIPE'));
    await expect(running).rejects.toMatchObject({ code: 'SOURCE_FAILED', message: expect.stringContaining('EPIPE') });
  });

  it('leaves central and stops serving when closed', async () => {
    const server = await startServer();
    const { central, tracker } = await startCentral();
    const key = generateStreamKey();
    const publisher = new Publisher({ name: 'film', key, source: sourceOf(bytes(10)), live: false, server, tracker });
    await publisher.run();
    await publisher.close();
    expect(tracker.calls.at(-1)).toEqual({ call: 'leave', stream: key.streamId });
    expect((await lookUp(central, 'film'))?.candidates).toEqual([]);
    expect(server.serves(key.streamId)).toBe(false);
  });

  it('signs the end of a live stream that is closed while it grows, and sends it to the joined peers before leaving', async () => {
    const server = await startServer();
    const { tracker } = await startCentral();
    const key = generateStreamKey();
    const source = new PushSource();
    const publisher = new Publisher({ name: 'cam1', key, source, live: true, server, tracker, chunker: { chunkBytes: 1000 } });
    const published = new Promise((resolve) => publisher.once('published', resolve));
    const stop = new AbortController();
    const running = publisher.run({ signal: stop.signal }).catch(() => undefined);
    await published;
    const connection = await dialServer(server);
    const ends: number[] = [];
    connection.handle('end', (message) => {
      if (verifyEnd(key.streamId, publisher.session, message)) ends.push(message.edge);
    });
    await connection.request({ t: 'join', stream: key.streamId });
    source.push(bytes(2500));
    await waitUntil(() => publisher.window.edge === 2);
    stop.abort();
    await running;
    await publisher.close();
    await waitUntil(() => ends.length === 1);
    expect(ends).toEqual([publisher.window.edge]);
    expect(server.serves(key.streamId)).toBe(false);
  });
});

describe('Publisher of a live source', () => {
  it('cuts it on a fixed chunkMs grid, whenever its bytes arrive', async () => {
    const server = await startServer();
    const source = new PushSource();
    const publisher = new Publisher({ name: 'cam1', key: generateStreamKey(), source, live: true, server, tracker: (await startCentral()).tracker, chunker: { chunkMs: 30 } });
    const running = publisher.run();
    for (const pause of [5, 17, 41, 3, 29, 60]) {
      source.push(bytes(100));
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    source.end();
    await running;
    const stamps = Array.from({ length: publisher.window.edge }, (_, seq) => publisher.window.get(seq)!.ts);
    expect(stamps.length).toBeGreaterThan(1);
    for (const ts of stamps) expect((ts - stamps[0]!) % 30).toBe(0);
  });

  it('decides how to cut the source from its first bytes, read only after the stream is published', async () => {
    const server = await startServer();
    const { tracker } = await startCentral();
    const source = new PushSource();
    const seen: number[] = [];
    const publisher = new Publisher({
      name: 'cam1',
      key: generateStreamKey(),
      source,
      live: true,
      server,
      tracker,
      chunker: (head) => {
        seen.push(head.length, tracker.calls.length);
        return { chunkBytes: 500 };
      },
    });
    const running = publisher.run();
    source.push(bytes(300));
    source.push(bytes(600));
    source.end();
    await running;
    expect(seen).toEqual([900, 2]);
    expect(publisher.stats()).toMatchObject({ chunks: 2, bytes: 900 });
  });

  it('paces a realtime source by its media time before cutting it on the grid', async () => {
    const server = await startServer();
    const publisher = new Publisher({
      name: 'cam1',
      key: generateStreamKey(),
      source: sourceOf(bytes(2000)),
      live: true,
      server,
      tracker: (await startCentral()).tracker,
      // 80 kbit/s: 2000 bytes are 200 ms of media.
      chunker: { realtime: true, bitrate: 80_000, chunkMs: 50 },
    });
    const started = performance.now();
    await publisher.run();
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    const stamps = Array.from({ length: publisher.window.edge }, (_, seq) => publisher.window.get(seq)!.ts);
    expect(stamps.length).toBeGreaterThan(1);
    for (const ts of stamps) expect((ts - stamps[0]!) % 50).toBe(0);
    expect(publisher.stats().bytes).toBe(2000);
  });
});
