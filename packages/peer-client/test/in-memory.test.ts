import { describe, expect, it } from 'vitest';
import { ConnectionServer } from '@p2pstream/connection';
import { FakeClock, MemoryNetwork } from '@p2pstream/connection/testing';
import { ChunkWindow, generateStreamKey, signPublish, type Chunk } from '@p2pstream/data';
import { startPeerServer } from '@p2pstream/peer-server';
import { MemoryRegistry, Tracker, trackerHandlers } from '@p2pstream/tracker';
import { TrackerClient } from '@p2pstream/tracker-client';
import { PeerClient } from '../src/index.js';
import { CollectingSink, makeChunks, onCleanup } from './helpers.js';

// The client's state machine with no socket and no real time: central (the real
// tracker) and the publisher are servers on a memory network, every client dials
// them through it, and every delivery and timer runs on one fake clock the test moves.

const CENTRAL = { host: '127.0.0.9', port: 2045 };

/** The real tracker, reached over the memory network. */
function startCentral(network: MemoryNetwork, clock: FakeClock): void {
  const tracker = new Tracker({ registry: new MemoryRegistry() });
  const server = new ConnectionServer({ role: 'central', limits: { maxChunkBytes: 0 }, handlers: trackerHandlers(tracker), clock });
  onCleanup(network.listen(CENTRAL.host, CENTRAL.port, server));
  onCleanupOnClock(clock, () => server.close());
}

/** Closes `close`'s object after the test, moving the clock so its goodbyes travel. */
function onCleanupOnClock(clock: FakeClock, close: () => Promise<void>): void {
  onCleanup(async () => {
    const closing = close();
    await clock.run(3000);
    await closing;
  });
}

/** A tracker client of central's from `host`, over the memory network. */
function trackerClient(network: MemoryNetwork, clock: FakeClock, host: string): TrackerClient {
  const client = new TrackerClient({ centrals: [`${CENTRAL.host}:${CENTRAL.port}`], dial: network.dial, localAddress: host, clock });
  onCleanupOnClock(clock, () => client.close());
  return client;
}

describe('PeerClient over a memory network', () => {
  it('fetches a live stream, skips the chunk no peer has once play-out reaches it, and plays the rest in order', async () => {
    const clock = new FakeClock();
    const network = new MemoryNetwork({ clock });
    startCentral(network, clock);
    const key = generateStreamKey();
    const chunks = makeChunks(key, 20);
    const window = new ChunkWindow<Chunk>({ live: true });
    for (const chunk of chunks) if (chunk.seq !== 5) window.add(chunk);
    const publisher = await startPeerServer({ listen: false, clock });
    publisher.serve(key.streamId, window, { source: true });
    onCleanup(network.listen('127.0.0.1', 2050, publisher));
    onCleanup(() => publisher.close());
    const announcing = (async () => {
      const publisherCentral = trackerClient(network, clock, '127.0.0.1');
      const stream = await publisherCentral.publish({ name: 'cam1', publicKey: key.publicKey, live: true, sign: (ts) => signPublish(key, 'cam1', ts) });
      await publisherCentral.announce({ stream, port: 2050, edge: chunks.length });
    })();
    await clock.run(0);
    await announcing;

    const sink = new CollectingSink();
    const skipped: number[] = [];
    const client = new PeerClient({
      name: 'cam1',
      tracker: trackerClient(network, clock, '127.0.0.3'),
      dial: network.dial,
      localAddress: '127.0.0.3',
      clock,
      sink,
      from: 0,
      chunkMs: 100,
      scheduler: { startupDelayMs: 1000 },
    });
    client.on('skipped', (seq) => skipped.push(seq));
    onCleanupOnClock(clock, () => client.close());

    const starting = client.start();
    await clock.run(0);
    expect(await starting).toMatchObject({ name: 'cam1', live: true, streamId: key.streamId });
    await clock.run(0);
    expect(client.window!.size).toBe(19);
    expect(publisher.stats().peers).toMatchObject([{ peer: expect.stringMatching(/^127\.0\.0\.3:/), chunksServed: 19 }]);

    await clock.run(999 + 5 * 100);
    expect(skipped).toEqual([]); // chunk 5 is not due yet
    await clock.run(1 + 14 * 100);
    expect(skipped).toEqual([5]);
    expect(sink.bytes.equals(Buffer.concat(chunks.filter((chunk) => chunk.seq !== 5).map((chunk) => Buffer.from(chunk.data))))).toBe(true);
    expect(client.stats()).toMatchObject({ played: 19, skipped: 1, due: 20, ended: false, live: true });
  });
});
