import { describe, expect, it } from 'vitest';
import { UploadLimiter } from '@p2pstream/connection';
import { ChunkWindow, generateStreamKey, signPublish, signWindow, type Chunk } from '@p2pstream/data';
import { startPeerServer } from '@p2pstream/peer-server';
import { RateMeter, type PeerClient } from '../src/index.js';
import { pictureWindow, type WindowFacts } from '../src/snapshot.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { CollectingSink, makeChunks, startPublisher, startViewer, TestCentral, waitUntil } from './helpers.js';
import { ManualClock } from '@p2pstream/units';
import { SESSION } from './helpers.js';

function facts(overrides: Partial<WindowFacts> & { held?: number[]; asked?: number[] }): WindowFacts {
  const held = new Set(overrides.held ?? []);
  const asked = new Set(overrides.asked ?? []);
  return {
    base: 0,
    edge: 0,
    playhead: undefined,
    firstDue: undefined,
    has: (seq) => held.has(seq),
    fetching: (seq) => asked.has(seq),
    ...overrides,
  };
}

describe('pictureWindow', () => {
  it('marks chunks behind the playhead played or skipped, and those ahead held, fetching or missing', () => {
    const picture = pictureWindow(facts({ base: 0, edge: 8, playhead: 4, firstDue: 1, held: [1, 2, 4, 6], asked: [5] }), 100);
    expect(picture).toEqual({ first: 1, chunks: ['played', 'played', 'skipped', 'held', 'fetching', 'held', 'missing'], playhead: 4, edge: 8 });
  });

  it('shows at most maxChunks, a quarter of them behind the playhead', () => {
    const picture = pictureWindow(facts({ base: 0, edge: 1000, playhead: 500, firstDue: 0 }), 40);
    expect(picture.first).toBe(490);
    expect(picture.chunks).toHaveLength(40);
    expect(picture.chunks.slice(0, 10).every((state) => state === 'skipped')).toBe(true);
    expect(picture.chunks.slice(10).every((state) => state === 'missing')).toBe(true);
  });

  it('shows the newest chunks up to the edge before play-out has a start point', () => {
    const picture = pictureWindow(facts({ base: 100, edge: 130, held: [128, 129] }), 10);
    expect(picture).toMatchObject({ first: 120, playhead: null, edge: 130 });
    expect(picture.chunks.slice(-3)).toEqual(['missing', 'held', 'held']);
  });

  it('never pictures chunks before the window base or the first chunk due', () => {
    expect(pictureWindow(facts({ base: 50, edge: 60, playhead: 52, firstDue: 40 }), 100).first).toBe(50);
    expect(pictureWindow(facts({ base: 0, edge: 60, playhead: 55, firstDue: 52 }), 100).first).toBe(52);
  });

  it('is empty before the stream was found', () => {
    expect(pictureWindow(undefined, 10)).toEqual({ first: 0, chunks: [], playhead: null, edge: 0 });
  });
});

describe('RateMeter', () => {
  it('gives the bytes per second over its window', () => {
    const meter = new RateMeter(0, 3000);
    for (let t = 0; t < 6000; t += 100) meter.add(100, t);
    // 100 bytes every 100 ms is 1000 bytes/s, whatever the bucket boundaries.
    expect(meter.perSecond(6000)).toBeCloseTo(1000, 0);
  });

  it('divides by its age while younger than its window', () => {
    const meter = new RateMeter(1000, 3000);
    meter.add(4000, 1500);
    expect(meter.perSecond(3000)).toBe(2000);
  });

  it('falls to zero once nothing came for a whole window', () => {
    const meter = new RateMeter(0, 3000);
    meter.add(5000, 100);
    expect(meter.perSecond(2000)).toBeGreaterThan(0);
    expect(meter.perSecond(3600)).toBe(0);
  });
});

describe('PeerClient.snapshot', () => {
  it('shows the publisher with its rate, and the window with what was played, skipped and held', async () => {
    const central = await TestCentral.start();
    const publisher = await startPublisher(central, 'cam1', { count: 20, live: true, skip: [5] });
    const clock = new ManualClock();
    const { client } = await startViewer(central, 'cam1', {
      sink: new CollectingSink(),
      clock,
      from: 0,
      chunkMs: 100,
      rateWindowMs: 3000,
      scheduler: { startupDelayMs: 1000 },
    });
    await client.start();
    await waitUntil(() => client.window!.size === 19);
    await clock.run(1000 + 9 * 100);

    const snapshot = client.snapshot();
    expect(snapshot.stats).toMatchObject({ played: 9, skipped: 1, peers: 1 });
    expect(snapshot.peers).toEqual([
      {
        address: `127.0.0.1:${publisher.server.port}`,
        source: true,
        bytes: 19 * 3000,
        // Every byte came at time 0; the link is 1.9 s old.
        bytesPerSecond: (19 * 3000 * 1000) / 1900,
        inFlight: 0,
        rttMs: expect.any(Number),
      },
    ]);
    const expected = [...Array(20).keys()].map((seq) => (seq === 5 ? 'skipped' : seq < 10 ? 'played' : 'held'));
    expect(snapshot.window).toEqual({ first: 0, chunks: expected, playhead: 10, edge: 20 });
  });

  it('shows the chunks being fetched and the requests waiting on each peer', async () => {
    const central = await TestCentral.start();
    const key = generateStreamKey();
    const window = new ChunkWindow<Chunk>({ live: true });
    for (const chunk of makeChunks(key, 10)) window.add(chunk);
    // A publisher that sends 1 kB/s: each 3 kB chunk stays in flight for seconds.
    const publisher = await startPeerServer({ host: '127.0.0.1', port: 0, uploadLimiter: new UploadLimiter({ bytesPerSecond: 1000 }) });
    onCleanup(() => publisher.close());
    publisher.serve(key.streamId, window, { state: signWindow(key, SESSION, window), source: true });
    const tracker = central.client();
    await tracker.publish({ name: 'cam1', publicKey: key.publicKey, live: true, session: SESSION, sign: (ts) => signPublish(key, 'cam1', ts, SESSION) });
    await tracker.announce({ stream: key.streamId, port: publisher.port, edge: window.edge, live: true });
    const { client } = await startViewer(central, 'cam1', { sink: new CollectingSink(), from: 0 });
    await client.start();
    await waitUntil(() => client.snapshot().peers[0]?.inFlight !== undefined && client.snapshot().peers[0]!.inFlight > 0);
    const { peers, window: picture } = client.snapshot();
    expect(peers).toHaveLength(1);
    // Requests the scheduler queued for the peer count as in flight before the fetch starts.
    const fetching = picture.chunks.filter((state) => state === 'fetching').length;
    expect(fetching).toBeGreaterThan(0);
    expect(fetching).toBeLessThanOrEqual(peers[0]!.inFlight);
    expect(picture.edge).toBe(10);
  });

  it('is empty before start() and bounds the picture it is asked for', async () => {
    const central = await TestCentral.start();
    await startPublisher(central, 'film', { count: 30, live: false });
    const { client } = await startViewer(central, 'film', { sink: new CollectingSink() });
    expect(client.snapshot()).toMatchObject({ peers: [], window: { chunks: [], playhead: null } });
    await client.start();
    await waitForEnd(client);
    const { window } = client.snapshot({ maxChunks: 8 });
    expect(window).toMatchObject({ playhead: 30, edge: 30, first: 22 });
    expect(window.chunks).toEqual(Array(8).fill('played'));
    expect(() => client.snapshot({ maxChunks: 0 })).toThrow(/maxChunks/);
  });
});

async function waitForEnd(client: PeerClient): Promise<void> {
  await waitUntil(() => client.stats().ended, 10_000);
}
