import { describe, expect, it } from 'vitest';
import { UploadLimiter } from '@p2pstream/connection';
import { MemoryNetwork } from '@p2pstream/connection/testing';
import { ChunkWindow, generateStreamKey, SignedState, signWindow, type Chunk } from '@p2pstream/data';
import { startPeerServer } from '@p2pstream/peer-server';
import { PeerClient, type PeerClientOptions, type ViewerSkipCause } from '../src/index.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { SESSION, CollectingSink, makeChunks } from './helpers.js';
import { MemoryCentral } from './memory-central.js';
import { memoryViewer } from './memory-viewer.js';
import { ManualClock } from '@p2pstream/units';

// The client's state machine with no socket and no real time: central (the real tracker)
// and the publisher (a peer server) sit on memory networks, the client dials them through
// those, and every delivery and timer runs on one fake clock the test moves.

interface Skip {
  seq: number;
  cause: ViewerSkipCause;
  peers: readonly string[];
}

/**
 * A live publisher of 20 chunks at 127.0.0.1:2050 (all but `missing`), and a viewer at 127.0.0.3
 * from chunk 0, chunks 100 ms apart. With `slowCarrier`, a second peer at 127.0.0.1:2051 holds
 * the missing chunk alone and uploads 100 bytes a second: its answer takes half a minute.
 */
async function liveSwarm(options: { missing: number; latency?: number; slowCarrier?: boolean; client?: Partial<PeerClientOptions> }) {
  const clock = new ManualClock();
  const central = new MemoryCentral(clock);
  const network = new MemoryNetwork({ clock, latency: options.latency ?? 0 });
  const key = generateStreamKey();
  const chunks = makeChunks(key, 20);
  const window = new ChunkWindow<Chunk>({ live: true });
  for (const chunk of chunks) if (chunk.seq !== options.missing) window.add(chunk);
  const publisher = await startPeerServer({ listen: false, clock });
  publisher.serve(key.streamId, window, { state: signWindow(key, SESSION, window), source: true });
  onCleanup(network.listen('127.0.0.1', 2050, publisher));
  onCleanup(() => publisher.close());
  await central.publish('127.0.0.1', 2050, 'cam1', key, true);
  if (options.slowCarrier) {
    const held = new ChunkWindow<Chunk>({ live: true });
    held.add(chunks[options.missing]!);
    // Its limiter starts a chunk in debt (as if it had just sent one), so every answer waits.
    const uploadLimiter = new UploadLimiter({ bytesPerSecond: 100, clock });
    void uploadLimiter.take(chunks[0]!.data.length);
    const carrier = await startPeerServer({ listen: false, clock, uploadLimiter });
    carrier.serve(key.streamId, held, { state: new SignedState(key.streamId, SESSION) });
    onCleanup(network.listen('127.0.0.1', 2051, carrier));
    onCleanup(() => carrier.close());
    await central.carry('127.0.0.1', 2051, key.streamId);
  }

  const sink = new CollectingSink();
  const skips: Skip[] = [];
  const client = memoryViewer(clock, { tracker: central.client('127.0.0.3'), dial: network.dial, localAddress: '127.0.0.3', sink, ...options.client });
  client.on('skipped', (seq, cause, peers) => skips.push({ seq, cause, peers }));
  return { clock, key, chunks, window, publisher, sink, skips, client };
}

describe('PeerClient over a memory network', () => {
  it('fetches a live stream, skips the chunk no peer has once play-out reaches it (never-announced), and plays the rest in order', async () => {
    const { clock, key, chunks, publisher, sink, skips, client } = await liveSwarm({ missing: 5 });
    const starting = client.start();
    await clock.run(0);
    expect(await starting).toMatchObject({ name: 'cam1', live: true, streamId: key.streamId });
    await clock.run(0);
    expect(client.window!.size).toBe(19);
    expect(publisher.stats().peers).toMatchObject([{ peer: '127.0.0.3:49152', chunksServed: 19 }]);

    await clock.run(999 + 5 * 100);
    expect(skips).toEqual([]); // chunk 5 is not due yet
    await clock.run(1 + 14 * 100);
    expect(skips).toEqual([{ seq: 5, cause: 'never-announced', peers: [] }]);
    expect(sink.bytes.equals(Buffer.concat(chunks.filter((chunk) => chunk.seq !== 5).map((chunk) => Buffer.from(chunk.data))))).toBe(true);
    expect(client.stats()).toMatchObject({ played: 19, skipped: 1, due: 20, ended: false, live: true });
    expect(client.stats().skippedByCause).toEqual({ 'never-announced': 1, 'timed-out': 0, 'refused-busy': 0, 'held-back': 0, late: 0, evicted: 0 });
  });

  it('skips a chunk announced too close to its deadline to arrive in time as held-back, naming who had it', async () => {
    // 100 ms each way. The publisher gets chunk 5 when chunk 3 plays, 200 ms before chunk 5 is
    // due: its `have` takes 100 ms, and a request and its answer 200 ms more, so the scheduler
    // does not ask (it would arrive after the deadline) and play goes on without it.
    const { clock, chunks, window, sink, skips, client } = await liveSwarm({ missing: 5, latency: 100 });
    client.on('played', (seq) => {
      if (seq === 3) window.add(chunks[5]!);
    });
    void client.start();
    await clock.run(5_000);
    expect(skips).toEqual([{ seq: 5, cause: 'held-back', peers: ['127.0.0.1:2050'] }]);
    expect(client.stats()).toMatchObject({ played: 19, skipped: 1, skippedByCause: { 'held-back': 1 } });
    expect(sink.bytes.length).toBe(19 * chunks[0]!.data.length);
  });

  it('skips a chunk whose only holder did not answer within the timeout as timed-out, naming it', async () => {
    // Asked of the slow carrier, timed out after 300 ms; the carrier then rests 10 s, past the deadline.
    const { clock, skips, client } = await liveSwarm({
      missing: 5,
      slowCarrier: true,
      client: { scheduler: { startupDelayMs: 1000, initialTimeoutMs: 300, backoffFloorMs: 10_000, backoffCeilingMs: 10_000 } },
    });
    void client.start();
    await clock.run(5_000);
    expect(skips).toEqual([{ seq: 5, cause: 'timed-out', peers: ['127.0.0.1:2051'] }]);
    expect(client.stats()).toMatchObject({ played: 19, skipped: 1, skippedByCause: { 'timed-out': 1 } });
  });

  it('skips a chunk still on its way from its only holder at its deadline as late, naming it', async () => {
    const { clock, skips, client } = await liveSwarm({ missing: 5, slowCarrier: true });
    void client.start();
    await clock.run(5_000);
    expect(skips).toEqual([{ seq: 5, cause: 'late', peers: ['127.0.0.1:2051'] }]);
    expect(client.stats()).toMatchObject({ played: 19, skipped: 1, skippedByCause: { late: 1 } });
  });

  it('plays a chunk announced in time to be fetched', async () => {
    const { clock, chunks, window, skips, client } = await liveSwarm({ missing: 5, latency: 100 });
    client.on('played', (seq) => {
      if (seq === 1) window.add(chunks[5]!);
    });
    void client.start();
    await clock.run(5_000);
    expect(skips).toEqual([]);
    expect(client.stats()).toMatchObject({ played: 20, skipped: 0 });
  });

  it('asks the publisher of a finished stream for every chunk at once, though its map came before its signed end and three peers hold nothing', async () => {
    // The map's bits are held back until the signed end is verified. Handed over as news, each chunk
    // looked fresh from an upstream peer, so the client waited for it to reach a second peer — which
    // only happens when somebody asks the publisher — and the rest trickled in as play-out came near.
    const clock = new ManualClock();
    const central = new MemoryCentral(clock);
    const network = new MemoryNetwork({ clock });
    const key = generateStreamKey();
    const chunks = makeChunks(key, 200);
    const window = new ChunkWindow<Chunk>({ live: false });
    for (const chunk of chunks) window.add(chunk);
    window.finish(chunks.length);
    const publisher = await startPeerServer({ listen: false, clock });
    publisher.serve(key.streamId, window, { state: signWindow(key, SESSION, window), source: true });
    onCleanup(network.listen('127.0.0.1', 2050, publisher));
    onCleanup(() => publisher.close());
    await central.publish('127.0.0.1', 2050, 'film', key, false);
    for (const port of [2051, 2052, 2053]) {
      const empty = await startPeerServer({ listen: false, clock });
      empty.serve(key.streamId, new ChunkWindow<Chunk>({ live: false }), { state: new SignedState(key.streamId, SESSION) });
      onCleanup(network.listen('127.0.0.1', port, empty));
      onCleanup(() => empty.close());
      await central.carry('127.0.0.1', port, key.streamId);
    }
    const sink = new CollectingSink();
    const client = new PeerClient({ name: 'film', tracker: central.client('127.0.0.3'), dial: network.dial, localAddress: '127.0.0.3', clock, sink, finishedStore: false });
    onCleanup(async () => {
      const closing = client.close();
      await clock.run(3000);
      await closing;
    });
    const peers = new Set<string>();
    client.on('peer', (address) => peers.add(address));
    void client.start();
    // Play-out of 200 chunks takes 20 s (100 ms a chunk); the chunks, a few ms of memory network.
    await clock.run(3000);
    expect(peers.size).toBe(4);
    expect(client.stats()).toMatchObject({ played: 200, ended: true });
    expect(sink.bytes.equals(Buffer.concat(chunks.map((chunk) => Buffer.from(chunk.data))))).toBe(true);
  });
});
