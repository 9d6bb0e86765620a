import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '@p2pstream/connection/testing';
import { ChunkWindow, generateStreamKey, signWindow, type Chunk } from '@p2pstream/data';
import { startPeerServer } from '@p2pstream/peer-server';
import { ManualClock } from '@p2pstream/units';
import { PeerLink } from '../src/peer-link.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { SESSION, makeChunks } from './helpers.js';

// A request given up after the peer sent its answer: the `cancel` comes too late to stop the
// bytes, so the link still delivers the chunk instead of dropping it on arrival.

async function linkWithLatency(latency: number) {
  const clock = new ManualClock();
  const network = new MemoryNetwork({ clock, latency });
  const key = generateStreamKey();
  const chunks = makeChunks(key, 4);
  const window = new ChunkWindow<Chunk>({ live: true });
  for (const chunk of chunks) window.add(chunk);
  const server = await startPeerServer({ listen: false, clock });
  server.serve(key.streamId, window, { state: signWindow(key, SESSION, window), source: true });
  onCleanup(network.listen('127.0.0.1', 2050, server));
  onCleanup(() => server.close());
  const opening = PeerLink.open('127.0.0.1', 2050, {
    streamId: key.streamId,
    session: SESSION,
    localAddress: '127.0.0.3',
    dial: network.dial,
    limits: {},
    clock,
    keepaliveMs: 60_000,
    fetchTimeoutMs: 30_000,
    rateWindowMs: 1_000,
  });
  await clock.run(1_000);
  const link = await opening;
  onCleanup(async () => {
    const closing = link.close();
    await clock.run(1_000);
    await closing;
  });
  return { clock, link, server, chunks };
}

describe('PeerLink#fetch given up', () => {
  it('still resolves with a chunk the peer had sent before the cancel reached it', async () => {
    const { clock, link, server, chunks } = await linkWithLatency(100);
    const controller = new AbortController();
    const fetching = link.fetch(2, controller.signal);
    const settled = fetching.then(
      (reply) => ({ at: clock.now(), reply }),
      (error: unknown) => ({ at: clock.now(), error }),
    );
    const askedAt = clock.now();
    // The request reaches the peer at +100 and its answer leaves at once; given up at +150.
    await clock.run(150);
    controller.abort(new Error('given up'));
    await clock.run(500);
    const outcome = await settled;
    expect(outcome).toMatchObject({ at: askedAt + 200, reply: { t: 'chunk', seq: 2 } });
    expect(Buffer.from((outcome as { reply: { data: Uint8Array } }).reply.data).equals(Buffer.from(chunks[2]!.data))).toBe(true);
    expect(server.stats().chunksServed).toBe(1);
  });

  it('rejects at once when given up before it was asked', async () => {
    const { link } = await linkWithLatency(100);
    const controller = new AbortController();
    controller.abort(new Error('given up'));
    await expect(link.fetch(2, controller.signal)).rejects.toThrow('given up');
  });
});
