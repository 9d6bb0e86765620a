import { describe, expect, it } from 'vitest';
import { carriesHalf, type Connection, type DialFunction } from '@p2pstream/connection';
import { MemoryNetwork } from '@p2pstream/connection/testing';
import { ChunkWindow, generateStreamKey, signWindow, type Chunk } from '@p2pstream/data';
import { startPeerServer } from '@p2pstream/peer-server';
import type { PeerClient } from '../src/index.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { SESSION, CollectingSink, makeChunks } from './helpers.js';
import { MemoryCentral } from './memory-central.js';
import { memoryViewer } from './memory-viewer.js';
import { ManualClock } from '@p2pstream/units';

// Two viewers that look each other up at the same moment dial each other at the same moment.
// A pair of peers keeps one connection, carrying both directions, whichever dial lands first.

interface Viewer {
  host: string;
  port: number;
  client: PeerClient;
  sink: CollectingSink;
  /** Every connection this viewer's side holds to the other viewer: those it dialed and those its server accepted. */
  ends: Set<Connection>;
}

/** A publisher at 127.0.0.1:2050 with 30 live chunks, and two viewers, each listed at central before either starts. */
async function pair(viewers: ReadonlyArray<{ host: string; port: number }>, latency: number) {
  const clock = new ManualClock();
  const central = new MemoryCentral(clock);
  const network = new MemoryNetwork({ clock, latency });
  const key = generateStreamKey();
  const chunks = makeChunks(key, 30);
  const window = new ChunkWindow<Chunk>({ live: true });
  for (const chunk of chunks) window.add(chunk);
  const publisher = await startPeerServer({ listen: false, clock });
  publisher.serve(key.streamId, window, { state: signWindow(key, SESSION, window), source: true });
  onCleanup(network.listen('127.0.0.1', 2050, publisher));
  onCleanup(() => publisher.close());
  await central.publish('127.0.0.1', 2050, 'cam1', key, true);

  const made: Viewer[] = [];
  for (const { host, port } of viewers) {
    const server = await startPeerServer({ listen: false, clock });
    // Reached at `port` on the memory network, it says so as one listening there would (its map names it).
    Object.defineProperty(server, 'port', { value: port });
    const ends = new Set<Connection>();
    const others = viewers.filter((other) => other.host !== host).map((other) => other.host);
    onCleanup(network.listen(host, port, server));
    onCleanup(() => server.close());
    // The server's end of each connection the other viewer dials here and joins over.
    server.on('join', (_peer, _stream, connection) => {
      if (others.includes(connection.remoteAddress)) ends.add(connection);
    });
    // This viewer's end of each connection it dials to the other viewer.
    const dial: DialFunction = async (to, toPort, options) => {
      const connection = await network.dial(to, toPort, options);
      if (others.includes(to)) ends.add(connection);
      return connection;
    };
    const tracker = await central.carry(host, port, key.streamId);
    const sink = new CollectingSink();
    const client = memoryViewer(clock, { tracker, server, dial, localAddress: host, sink });
    made.push({ host, port, client, sink, ends });
  }
  return { clock, chunks, viewers: made };
}

const open = (ends: ReadonlySet<Connection>) => [...ends].filter((end) => end.state === 'open');

describe('one connection per pair of peers', () => {
  // Which dial lands first, and which joins back first, turn on who is on the lower port and on the timing.
  it.each([
    { first: 2052, second: 2053, latency: 10, gap: 0 },
    { first: 2053, second: 2052, latency: 10, gap: 0 },
    { first: 2052, second: 2053, latency: 10, gap: 5 },
    { first: 2053, second: 2052, latency: 10, gap: 5 },
    { first: 2052, second: 2053, latency: 10, gap: 15 },
    { first: 2053, second: 2052, latency: 10, gap: 15 },
    { first: 2052, second: 2053, latency: 10, gap: 40 },
    { first: 2053, second: 2052, latency: 10, gap: 40 },
    { first: 2052, second: 2053, latency: 10, gap: 300 },
  ])('two viewers that dial each other keep one connection, with both directions on it (ports $first and $second, latency $latency ms, the second starting $gap ms later)', async ({ first, second, latency, gap }) => {
    const { clock, chunks, viewers } = await pair([{ host: '127.0.0.3', port: first }, { host: '127.0.0.4', port: second }], latency);
    const [a, b] = viewers as [Viewer, Viewer];
    const skipped: number[] = [];
    for (const { client } of viewers) client.on('skipped', (seq) => skipped.push(seq));
    void a.client.start();
    await clock.run(gap);
    void b.client.start();
    await clock.run(10_000);

    // One connection left open, seen from both ends, each end fetching and serving over it.
    expect(open(a.ends)).toHaveLength(1);
    expect(open(b.ends)).toHaveLength(1);
    for (const end of [...open(a.ends), ...open(b.ends)]) {
      expect(carriesHalf(end, 'fetching')).toBe(true);
      expect(carriesHalf(end, 'serving')).toBe(true);
    }
    // Each still counts the other as one peer, and nothing was lost on the way.
    expect(Object.keys(a.client.stats().bytesByPeer)).toEqual(expect.arrayContaining([`${b.host}:${b.port}`]));
    expect(Object.keys(b.client.stats().bytesByPeer)).toEqual(expect.arrayContaining([`${a.host}:${a.port}`]));
    expect(skipped).toEqual([]);
    const stream = Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.data)));
    expect(a.sink.bytes.equals(stream)).toBe(true);
    expect(b.sink.bytes.equals(stream)).toBe(true);
  });

  it('keeps both connections when the two listen on the same port (nothing to tell them apart), and loses nothing', async () => {
    const { clock, chunks, viewers } = await pair([{ host: '127.0.0.3', port: 2052 }, { host: '127.0.0.4', port: 2052 }], 10);
    const skipped: number[] = [];
    for (const { client } of viewers) {
      client.on('skipped', (seq) => skipped.push(seq));
      void client.start();
    }
    await clock.run(10_000);
    const [a, b] = viewers as [Viewer, Viewer];
    // Each fetches over the connection it got first; neither closed one the other fetches over.
    expect(open(a.ends)).toHaveLength(2);
    expect(open(b.ends)).toHaveLength(2);
    expect(skipped).toEqual([]);
    const stream = Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.data)));
    expect(a.sink.bytes.equals(stream)).toBe(true);
    expect(b.sink.bytes.equals(stream)).toBe(true);
  });
});
