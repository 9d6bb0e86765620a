import { describe, expect, it } from 'vitest';
import { FakeClock, MemoryNetwork } from '@p2pstream/connection/testing';
import { ChunkWindow, generateStreamKey, type Chunk } from '@p2pstream/data';
import { startPeerServer } from '@p2pstream/peer-server';
import { PeerClient } from '../src/index.js';
import { CollectingSink, makeChunks, MemoryTracker, onCleanup } from './helpers.js';

// The client's state machine with no socket and no real time: the publisher is a
// peer server on a memory network, the client dials it through the network, and
// every delivery and timer runs on one fake clock the test moves.

describe('PeerClient over a memory network', () => {
  it('fetches a live stream, skips the chunk no peer has once play-out reaches it, and plays the rest in order', async () => {
    const clock = new FakeClock();
    const network = new MemoryNetwork({ clock });
    const tracker = new MemoryTracker();
    const key = generateStreamKey();
    const chunks = makeChunks(key, 20);
    const window = new ChunkWindow<Chunk>({ live: true });
    for (const chunk of chunks) if (chunk.seq !== 5) window.add(chunk);
    const publisher = await startPeerServer({ listen: false, clock });
    publisher.serve(key.streamId, window, { source: true });
    onCleanup(network.listen('127.0.0.1', 2050, publisher));
    onCleanup(() => publisher.close());
    tracker.add('cam1', key.streamId, true, { host: '127.0.0.1', port: 2050 });

    const sink = new CollectingSink();
    const skipped: number[] = [];
    const client = new PeerClient({
      name: 'cam1',
      tracker: tracker.as('127.0.0.3'),
      dial: network.dial,
      localAddress: '127.0.0.3',
      clock,
      sink,
      from: 0,
      chunkMs: 100,
      scheduler: { startupDelayMs: 1000 },
    });
    client.on('skipped', (seq) => skipped.push(seq));
    onCleanup(async () => {
      const closing = client.close();
      await clock.run(3000); // the goodbyes travel on the clock too
      await closing;
    });

    const starting = client.start();
    await clock.run(0);
    expect(await starting).toMatchObject({ name: 'cam1', live: true, streamId: key.streamId });
    await clock.run(0);
    expect(client.window!.size).toBe(19);
    expect(publisher.stats().peers).toMatchObject([{ peer: '127.0.0.3:49152', chunksServed: 19 }]);

    await clock.run(999 + 5 * 100);
    expect(skipped).toEqual([]); // chunk 5 is not due yet
    await clock.run(1 + 14 * 100);
    expect(skipped).toEqual([5]);
    expect(sink.bytes.equals(Buffer.concat(chunks.filter((chunk) => chunk.seq !== 5).map((chunk) => Buffer.from(chunk.data))))).toBe(true);
    expect(client.stats()).toMatchObject({ played: 19, skipped: 1, due: 20, ended: false, live: true });
  });
});
