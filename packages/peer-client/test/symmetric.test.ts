import { describe, expect, it } from 'vitest';
import type { Connection } from '@p2pstream/connection';
import { MemoryNetwork } from '@p2pstream/connection/testing';
import { ChunkWindow, generateStreamKey, SignedState, signWindow, type Chunk } from '@p2pstream/data';
import { startPeerServer } from '@p2pstream/peer-server';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { SESSION, CollectingSink, makeChunks } from './helpers.js';
import { MemoryCentral } from './memory-central.js';
import { memoryViewer } from './memory-viewer.js';
import { ManualClock } from '@p2pstream/units';

// Symmetric connections in the client, with no socket and no real time: a peer nobody dials
// connects to the viewer's server, and the viewer joins back over that connection.

const MISSING = 5;

/**
 * A publisher at 127.0.0.1:2050 with 20 live chunks but chunk 5, a viewer at 127.0.0.3 whose own
 * server sits at 127.0.0.3:2052, and a peer at 127.0.0.4 holding chunk 5 alone that nobody can
 * dial (it is not listed at central): it dials the viewer and joins, as a viewer behind NAT would.
 */
async function swarm() {
  const clock = new ManualClock();
  const central = new MemoryCentral(clock);
  const network = new MemoryNetwork({ clock });
  const key = generateStreamKey();
  const chunks = makeChunks(key, 20);
  const window = new ChunkWindow<Chunk>({ live: true });
  for (const chunk of chunks) if (chunk.seq !== MISSING) window.add(chunk);
  const publisher = await startPeerServer({ listen: false, clock });
  publisher.serve(key.streamId, window, { state: signWindow(key, SESSION, window), source: true });
  onCleanup(network.listen('127.0.0.1', 2050, publisher));
  onCleanup(() => publisher.close());
  await central.publish('127.0.0.1', 2050, 'cam1', key, true);

  const viewersServer = await startPeerServer({ listen: false, clock });
  onCleanup(network.listen('127.0.0.3', 2052, viewersServer));
  onCleanup(() => viewersServer.close());
  const sink = new CollectingSink();
  const client = memoryViewer(clock, { tracker: central.client('127.0.0.3'), server: viewersServer, dial: network.dial, localAddress: '127.0.0.3', sink });

  const held = new ChunkWindow<Chunk>({ live: true });
  held.add(chunks[MISSING]!);
  const hidden = await startPeerServer({ listen: false, clock });
  hidden.serve(key.streamId, held, { state: new SignedState(key.streamId, SESSION) });
  onCleanup(() => hidden.close());
  /** The hidden peer dials the viewer's server and joins; with `serves`, its server serves over that connection. */
  const dialIn = async (serves: boolean): Promise<Connection> => {
    const connection = await network.dial('127.0.0.3', 2052, { role: 'peer', clock, localAddress: '127.0.0.4' });
    onCleanup(async () => {
      const closing = connection.close();
      await clock.run(3000); // the goodbye travels on the clock too
      await closing;
    });
    if (serves) hidden.serveOver(connection);
    await connection.request({ t: 'join', stream: key.streamId });
    return connection;
  };
  return { clock, chunks, client, sink, hidden, dialIn };
}

describe('PeerClient over symmetric connections', () => {
  it('joins back over a connection a peer dialed to its server, and fetches from it what nobody else has', async () => {
    const { clock, chunks, client, sink, hidden, dialIn } = await swarm();
    const skipped: number[] = [];
    client.on('skipped', (seq) => skipped.push(seq));
    void client.start();
    await clock.run(0);
    await clock.run(0);
    const dialing = dialIn(true);
    await clock.run(5_000);
    await dialing;
    expect(skipped).toEqual([]);
    expect(sink.bytes.equals(Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.data))))).toBe(true);
    // It served the viewer over the connection it dialed: no second connection was needed, nor possible.
    expect(hidden.stats()).toMatchObject({ connections: 1, chunksServed: 1 });
    // Known by the connection's own address: the peer listens on nothing, so its map names no port.
    expect(Object.keys(client.stats().bytesByPeer).filter((address) => address.startsWith('127.0.0.4:'))).toHaveLength(1);
  });

  it('leaves the connection one-way when the peer that dialed does not serve over it (an older peer): it answers UNHANDLED_REQUEST', async () => {
    const { clock, client, hidden, dialIn } = await swarm();
    const skipped: number[] = [];
    client.on('skipped', (seq) => skipped.push(seq));
    void client.start();
    await clock.run(0);
    await clock.run(0);
    const dialing = dialIn(false);
    await clock.run(5_000);
    const connection = await dialing;
    expect(skipped).toEqual([MISSING]);
    expect(hidden.stats().chunksServed).toBe(0);
    expect(Object.keys(client.stats().bytesByPeer)).toEqual(['127.0.0.1:2050']);
    // The peer's own direction goes on over the same connection.
    expect(connection.state).toBe('open');
    const answer = connection.request({ t: 'request', seq: 3 });
    await clock.run(100);
    expect((await answer).t).toBe('chunk');
  });
});
