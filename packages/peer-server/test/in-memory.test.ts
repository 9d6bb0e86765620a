import { describe, expect, it } from 'vitest';
import { connect, UploadLimiter, type Connection } from '@p2pstream/connection';
import { createMemoryPair } from '@p2pstream/connection/testing';
import { signChunk, SignedState, verifyChunk } from '@p2pstream/data';
import { startPeerServer, type PeerServer, type PeerServerOptions } from '../src/index.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { SESSION, filledWindow } from './helpers.js';
import { ManualClock } from '@p2pstream/units';

// The peer protocol with no socket and no real time: peers reach the server over
// in-memory pairs, and every deadline runs on a fake clock the test moves.

/** One turn of the event loop: what a pair carries arrives within it. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function startInMemory(options: PeerServerOptions = {}): Promise<{ server: PeerServer; clock: ManualClock }> {
  const clock = new ManualClock();
  const server = await startPeerServer({ listen: false, clock, ...options });
  onCleanup(() => server.close());
  return { server, clock };
}

/** A peer joined to `server` over a new in-memory pair, from `address`. */
async function peerOf(server: PeerServer, clock: ManualClock, address = '127.0.0.9', handlers = {}): Promise<Connection> {
  return (await pairedPeerOf(server, clock, address, handlers)).connection;
}

async function pairedPeerOf(server: PeerServer, clock: ManualClock, address = '127.0.0.9', handlers = {}) {
  const [mine, theirs] = createMemoryPair({ first: { address, port: 40_000 } });
  server.accept(theirs);
  const connection = await connect(mine, { role: 'peer', clock, handlers });
  onCleanup(() => connection.close());
  return { connection, transport: mine };
}

describe('PeerServer over in-memory pairs', () => {
  it('answers join with the map, announces a new chunk with have, serves it signed, and rejects what it lacks', async () => {
    const { server, clock } = await startInMemory();
    const { key, window, streamId } = filledWindow(3);
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION), source: true });
    expect(server.port).toBe(0);
    const haves: number[] = [];
    const peer = await peerOf(server, clock, '127.0.0.9', { have: ({ seq }: { seq: number }) => void haves.push(seq) });

    const map = await peer.request({ t: 'join', stream: streamId });
    expect(map).toMatchObject({ t: 'map', stream: streamId, base: 0, edge: 3, live: true, source: true });
    const data = Buffer.alloc(2000, 7);
    window.add(signChunk(key, SESSION, { seq: 3, ts: 1_700_000_001_500, data }));
    const reply = await peer.request({ t: 'request', seq: 3 });
    expect(haves).toEqual([3]); // the have was sent before the answer, and arrives before it
    expect(reply.t).toBe('chunk');
    if (reply.t !== 'chunk') return;
    expect(Buffer.from(reply.data).equals(data)).toBe(true);
    expect(verifyChunk(streamId, SESSION, reply)).toBe(true);
    expect(await peer.request({ t: 'request', seq: 99 })).toMatchObject({ t: 'reject', seq: 99, reason: 'NOT_HELD' });
    expect(server.stats()).toMatchObject({ connections: 1, chunksServed: 1, rejected: { NOT_HELD: 1 } });
    expect(server.stats().peers).toMatchObject([{ peer: '127.0.0.9:40000', stream: streamId, chunksServed: 1 }]);
  });

  it('drops a joined peer that goes silent once its idle timeout has passed on the clock, and not before', async () => {
    const { server, clock } = await startInMemory({ limits: { idleTimeout: 30_000 } });
    const { window, streamId } = filledWindow(1);
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const left: string[] = [];
    server.on('leave', (peer) => left.push(peer));
    const peer = await peerOf(server, clock);
    await peer.request({ t: 'join', stream: streamId });
    clock.advance(29_999);
    await turn();
    expect(server.stats().connections).toBe(1);
    clock.advance(1);
    expect(await peer.closed).toMatchObject({ code: 'IDLE_TIMEOUT', byRemote: true });
    await turn();
    expect(left).toEqual(['127.0.0.9:40000']);
    expect(server.stats().connections).toBe(0);
  });

  it('applies its connection limits to accepted transports: a second peer from one address is refused', async () => {
    const { server, clock } = await startInMemory({ limits: { maxConnectionsPerIp: 1 } });
    await peerOf(server, clock, '127.0.0.4');
    await expect(peerOf(server, clock, '127.0.0.4')).rejects.toMatchObject({ remoteCode: 'TOO_MANY_CONNECTIONS' });
    await expect(peerOf(server, clock, '127.0.0.5')).resolves.toMatchObject({ state: 'open' });
  });

  it('keeps answering a peer that reads while another has stopped reading: what waits for a reader that takes nothing does not count against the uplink', async () => {
    const { server, clock } = await startInMemory();
    const { window, streamId } = filledWindow(40, { bytes: 100_000 });
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const stuck = await pairedPeerOf(server, clock, '127.0.0.4');
    await stuck.connection.request({ t: 'join', stream: streamId });
    stuck.transport.pause();
    for (let seq = 0; seq < 10; seq++) void stuck.connection.request({ t: 'request', seq }).catch(() => undefined);
    const reader = await peerOf(server, clock, '127.0.0.5');
    await reader.request({ t: 'join', stream: streamId });
    const answers: string[] = [];
    for (let seq = 10; seq < 40; seq++) {
      const answer = await reader.request({ t: 'request', seq });
      answers.push(answer.t === 'reject' ? answer.reason : answer.t);
      clock.advance(100); // a sample of what left and what waits
      await turn();
    }
    expect(server.stats().queuedBytes).toBeGreaterThan(500_000); // the stuck peer's answers still wait
    expect(answers).toEqual(Array.from({ length: 30 }, () => 'chunk'));
    stuck.transport.resume(); // so that closing need not wait for it
  });

  it('counts answers waiting for the upload limit as waiting, though their peer took nothing in the last sample: only a connection that holds bytes it does not take is not reading', async () => {
    const clock = new ManualClock();
    // 1 KB/s: each 600-byte answer (728 bytes with its frame) holds the next back 728 ms.
    const uploadLimiter = new UploadLimiter({ bytesPerSecond: 1000, burstBytes: 1, clock });
    const server = await startPeerServer({ listen: false, clock, uploadLimiter, maxQueueDelayMs: 1_500 });
    onCleanup(() => server.close());
    const { window, streamId } = filledWindow(10, { bytes: 600 });
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const ask = async (address: string, seqs: number[]) => {
      const peer = await peerOf(server, clock, address);
      await peer.request({ t: 'join', stream: streamId });
      const replies = seqs.map((seq) => peer.request({ t: 'request', seq }).then((reply) => (reply.t === 'reject' ? reply.reason : reply.t)));
      for (let i = 0; i < 5; i++) await turn();
      return replies;
    };
    const first = await ask('127.0.0.4', [0, 1, 2]); // 0 leaves at once, 1 and 2 wait for the limit
    for (let sample = 0; sample < 2; sample++) {
      clock.advance(100);
      for (let i = 0; i < 5; i++) await turn();
    }
    // About 1.3 s of answers still wait: one more fits within 1.5 s, a second does not.
    const second = await ask('127.0.0.5', [3, 4]);
    expect(server.stats().rejected.BUSY).toBe(1);
    clock.advance(10_000);
    expect(await Promise.all([...first, ...second])).toEqual(['chunk', 'chunk', 'chunk', 'chunk', 'BUSY']);
  });

  /** A server uploading 1 KB/s: each 600-byte answer (728 bytes with its frame) holds the next back 728 ms. */
  async function slowPublisher() {
    const clock = new ManualClock();
    const uploadLimiter = new UploadLimiter({ bytesPerSecond: 1000, burstBytes: 1, clock });
    const server = await startPeerServer({ listen: false, clock, uploadLimiter, maxQueueDelayMs: 2_000 });
    onCleanup(() => server.close());
    const published = filledWindow(10, { bytes: 600 });
    server.serve(published.streamId, published.window, { state: new SignedState(published.streamId, SESSION), source: true });
    /** Joins `stream` from `address` and asks for `seqs` at once: what each answer will be. */
    const ask = async (stream: string, address: string, seqs: number[]) => {
      const peer = await peerOf(server, clock, address);
      await peer.request({ t: 'join', stream });
      const replies = seqs.map((seq) => peer.request({ t: 'request', seq }).then((reply) => (reply.t === 'reject' ? reply.reason : reply.t)));
      for (let i = 0; i < 5; i++) await turn();
      return replies;
    };
    /** Fetches `seqs` from `address` and waits until every answer is sent, so the queue is empty again. */
    const fetchAll = async (address: string, seqs: number[]) => {
      const replies = await ask(published.streamId, address, seqs);
      clock.advance(10_000);
      expect(await Promise.all(replies)).toEqual(seqs.map(() => 'chunk'));
      clock.advance(100); // a sample taken since the last answer left
      await turn();
    };
    return { server, clock, published: published.streamId, ask, fetchAll };
  }

  it('at the publisher, keeps the upload queue for the newest chunks: a request for an older one that two others got is refused BUSY sooner', async () => {
    const { server, clock, published, ask, fetchAll } = await slowPublisher();
    const relayed = filledWindow(10, { bytes: 600 });
    server.serve(relayed.streamId, relayed.window, { state: new SignedState(relayed.streamId, SESSION) });
    await fetchAll('127.0.0.2', [3]);
    await fetchAll('127.0.0.3', [3]);
    // The newest chunk is sent at once; the next answer would wait 728 ms: within 2 s for chunk 8, not within a quarter of it for chunk 3.
    const fromPublisher = await ask(published, '127.0.0.4', [9, 3, 8]);
    expect(await fromPublisher[1]).toBe('BUSY');
    const fromRelay = await ask(relayed.streamId, '127.0.0.5', [3]);
    expect(server.stats().rejected.BUSY).toBe(1); // a relay serves old chunks like any other
    clock.advance(10_000);
    expect(await Promise.all([fromPublisher[0], fromPublisher[2], fromRelay[0]])).toEqual(['chunk', 'chunk', 'chunk']);
  });

  it('at the publisher, gives an older chunk that went to one address only the whole queue: that one may pass nothing on', async () => {
    const { server, clock, published, ask, fetchAll } = await slowPublisher();
    await fetchAll('127.0.0.2', [3, 4]); // a leech took them as they came
    // Answers to 3 and 4 would wait 728 and 1456 ms: within 2 s, as for the newest chunks.
    const viewer = await ask(published, '127.0.0.4', [9, 3, 4]);
    expect(server.stats().rejected.BUSY).toBe(0);
    expect(await (await ask(published, '127.0.0.5', [3]))[0]).toBe('BUSY'); // now two got it
    clock.advance(10_000);
    expect(await Promise.all(viewer)).toEqual(['chunk', 'chunk', 'chunk']);
  });
});
