import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RemoteError, UploadLimiter } from '@p2pstream/connection';
import { SignedState, signEnd, signHead, signWindow, verifyChunk, verifyEnd, verifyHead } from '@p2pstream/data';
import { startPeerServer } from '../src/index.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { SESSION, dialServer, filledWindow, signedChunks, startServer, waitUntil } from './helpers.js';

describe('PeerServer', () => {
  it('answers join with the buffer map, edge and live flag of the window it serves', async () => {
    const server = await startServer();
    const { window, streamId } = filledWindow(10);
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION), source: true });
    const connection = await dialServer(server);
    const map = await connection.request({ t: 'join', stream: streamId });
    expect(map).toMatchObject({ t: 'map', stream: streamId, base: 0, edge: 10, live: true, source: true });
    expect([...map.bits]).toEqual([0xff, 0xc0]);
  });

  it('says source: false for a stream it re-shares', async () => {
    const server = await startServer();
    const { window, streamId } = filledWindow(1);
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const connection = await dialServer(server);
    expect(await connection.request({ t: 'join', stream: streamId })).toMatchObject({ source: false });
  });

  it('answers a request with the chunk, signature intact', async () => {
    const server = await startServer();
    const { window, streamId } = filledWindow(5, { bytes: 5000 });
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const connection = await dialServer(server);
    await connection.request({ t: 'join', stream: streamId });
    const reply = await connection.request({ t: 'request', seq: 3 });
    expect(reply.t).toBe('chunk');
    if (reply.t !== 'chunk') return;
    expect(Buffer.from(reply.data).equals(Buffer.from(window.get(3)!.data))).toBe(true);
    expect(verifyChunk(streamId, SESSION, reply)).toBe(true);
  });

  it('refuses to join a stream it does not carry, and serves nothing before a join', async () => {
    const server = await startServer();
    const carried = filledWindow(3);
    const other = filledWindow(3);
    server.serve(carried.streamId, carried.window, { state: new SignedState(carried.streamId, SESSION) });
    const connection = await dialServer(server);
    expect(await connection.request({ t: 'request', seq: 0 })).toMatchObject({ t: 'reject', seq: 0, reason: 'UNKNOWN_STREAM' });
    const refusal = await connection.request({ t: 'join', stream: other.streamId }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RemoteError);
    expect(refusal).toMatchObject({ remoteCode: 'UNKNOWN_STREAM' });
    expect(await connection.request({ t: 'request', seq: 0 })).toMatchObject({ t: 'reject', reason: 'UNKNOWN_STREAM' });
  });

  it('refuses a join past maxPeersPerStream with STREAM_FULL, and takes one again when a peer leaves', async () => {
    const server = await startServer({ maxPeersPerStream: 2 });
    const { window, streamId } = filledWindow(3);
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const [first, second, third] = await Promise.all([dialServer(server), dialServer(server), dialServer(server)]);
    await first.request({ t: 'join', stream: streamId });
    await second.request({ t: 'join', stream: streamId });
    await expect(third.request({ t: 'join', stream: streamId })).rejects.toMatchObject({ remoteCode: 'STREAM_FULL' });
    // A joined peer's keepalive re-join is still answered.
    await expect(second.request({ t: 'join', stream: streamId })).resolves.toMatchObject({ t: 'map', edge: 3 });
    await first.close();
    await waitUntil(() => server.stats().connections === 2);
    await expect(third.request({ t: 'join', stream: streamId })).resolves.toMatchObject({ t: 'map', edge: 3 });
  });

  it('keeps one stream per connection: a join for a second stream is refused', async () => {
    const server = await startServer();
    const first = filledWindow(1);
    const second = filledWindow(1);
    server.serve(first.streamId, first.window, { state: new SignedState(first.streamId, SESSION) });
    server.serve(second.streamId, second.window, { state: new SignedState(second.streamId, SESSION) });
    const connection = await dialServer(server);
    await connection.request({ t: 'join', stream: first.streamId });
    await expect(connection.request({ t: 'join', stream: second.streamId })).rejects.toMatchObject({ remoteCode: 'ALREADY_JOINED' });
    // Joining the same stream again refreshes the map.
    await expect(connection.request({ t: 'join', stream: first.streamId })).resolves.toMatchObject({ t: 'map', edge: 1 });
  });

  it('rejects a chunk it does not hold with NOT_HELD and one behind its live window with OUTSIDE_WINDOW', async () => {
    const server = await startServer();
    const { key, window, streamId } = filledWindow(0, { capacity: 4 });
    for (const chunk of signedChunks(key, 10)) if (chunk.seq !== 8) window.add(chunk);
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const connection = await dialServer(server);
    await connection.request({ t: 'join', stream: streamId });
    expect(window.base).toBe(6);
    expect(await connection.request({ t: 'request', seq: 2 })).toMatchObject({ t: 'reject', reason: 'OUTSIDE_WINDOW' });
    expect(await connection.request({ t: 'request', seq: 8 })).toMatchObject({ t: 'reject', reason: 'NOT_HELD' });
    expect(await connection.request({ t: 'request', seq: 50 })).toMatchObject({ t: 'reject', reason: 'NOT_HELD' });
    expect(await connection.request({ t: 'request', seq: 9 })).toMatchObject({ t: 'chunk', seq: 9 });
    window.finish();
    expect(await connection.request({ t: 'request', seq: 50 })).toMatchObject({ t: 'reject', reason: 'OUTSIDE_WINDOW' });
    expect(server.stats().rejected).toMatchObject({ OUTSIDE_WINDOW: 2, NOT_HELD: 2 });
  });

  it('pushes the signed head on join, then a head before the have of every chunk the window takes, and the signed end', async () => {
    const server = await startServer();
    const { key, window, streamId } = filledWindow(2);
    server.serve(streamId, window, { state: signWindow(key, SESSION, window) });
    const connection = await dialServer(server);
    const pushed: string[] = [];
    connection.handle('have', (message) => void pushed.push(`have ${message.seq}`));
    connection.handle('head', (message) => void pushed.push(`head ${message.edge} ${verifyHead(streamId, SESSION, message)}`));
    connection.handle('end', (message) => void pushed.push(`end ${message.edge} ${verifyEnd(streamId, SESSION, message)}`));
    await connection.request({ t: 'join', stream: streamId });
    for (const chunk of signedChunks(key, 3, 100, 2)) window.add(chunk);
    window.finish();
    await waitUntil(() => pushed.length === 8);
    expect(pushed).toEqual(['head 2 true', 'head 3 true', 'have 2', 'head 4 true', 'have 3', 'head 5 true', 'have 4', 'end 5 true']);
  });

  it('passes a head or end kept later on to every joined peer, and both to a peer that joins after', async () => {
    const server = await startServer();
    const { key, window, streamId } = filledWindow(2);
    const state = new SignedState(streamId, SESSION);
    server.serve(streamId, window, { state });
    const early = await dialServer(server);
    const seen: string[] = [];
    early.handle('head', (message) => void seen.push(`head ${message.edge}`));
    early.handle('end', (message) => void seen.push(`end ${message.edge}`));
    await early.request({ t: 'join', stream: streamId });
    state.offerHead(signHead(key, SESSION, 2, Date.now()));
    state.offerEnd(signEnd(key, SESSION, 2));
    await waitUntil(() => seen.length === 2);
    expect(seen).toEqual(['head 2', 'end 2']);

    const late = await dialServer(server);
    const lateSeen: string[] = [];
    late.handle('head', (message) => void lateSeen.push(`head ${message.edge}`));
    late.handle('end', (message) => void lateSeen.push(`end ${message.edge}`));
    await late.request({ t: 'join', stream: streamId });
    await waitUntil(() => lateSeen.length === 2);
    expect(lateSeen).toEqual(['head 2', 'end 2']);
  });

  it('drops a queued answer when the peer cancels it', async () => {
    // 1 KB/s with no burst: the first answer leaves at once (in debt), the next waits for tokens, the last in the queue.
    const uploadLimiter = new UploadLimiter({ bytesPerSecond: 1000, burstBytes: 1 });
    const server = await startServer({ uploadLimiter, maxQueueDelayMs: 60_000 });
    const { window, streamId } = filledWindow(3, { bytes: 1000 });
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const connection = await dialServer(server);
    await connection.request({ t: 'join', stream: streamId });
    const answers = [0, 1, 2].map((seq) => connection.request({ t: 'request', seq }).catch((error: unknown) => error));
    expect(await answers[0]).toMatchObject({ t: 'chunk', seq: 0 });
    await waitUntil(() => server.stats().peers[0]?.queued === 2);
    connection.send({ t: 'cancel', seq: 2 });
    connection.send({ t: 'cancel', seq: 1 });
    expect(await answers[2]).toMatchObject({ remoteCode: 'CANCELLED' });
    expect(await answers[1]).toMatchObject({ remoteCode: 'CANCELLED' });
    expect(server.stats()).toMatchObject({ chunksServed: 1, queuedBytes: 0 });
  });

  it('answers BUSY when the answer would wait too long behind the upload limit', async () => {
    const uploadLimiter = new UploadLimiter({ bytesPerSecond: 1000, burstBytes: 1 });
    const server = await startServer({ uploadLimiter, maxQueueDelayMs: 1500 });
    const { window, streamId } = filledWindow(2, { bytes: 5000 });
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const connection = await dialServer(server);
    await connection.request({ t: 'join', stream: streamId });
    // The first request is queued whatever its size (the queue is empty); the second would wait ~5 s.
    void connection.request({ t: 'request', seq: 0 }).catch(() => undefined);
    expect(await connection.request({ t: 'request', seq: 1 })).toMatchObject({ t: 'reject', reason: 'BUSY' });
  });

  it('serves a bounded number of peers at once and rotates the slots so a newcomer is served', async () => {
    let now = 0;
    const clock = { now: () => now, setTimeout, clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout) };
    const server = await startServer({ slots: { slots: 2, rotateMs: 10_000, idleMs: 60_000 }, clock });
    const { window, streamId } = filledWindow(4);
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const peers = await Promise.all([0, 1, 2].map(() => dialServer(server)));
    for (const peer of peers) await peer.request({ t: 'join', stream: streamId });
    expect(await peers[0]!.request({ t: 'request', seq: 0 })).toMatchObject({ t: 'chunk' });
    now = 5_000;
    expect(await peers[1]!.request({ t: 'request', seq: 0 })).toMatchObject({ t: 'chunk' });
    expect(await peers[2]!.request({ t: 'request', seq: 0 })).toMatchObject({ t: 'reject', reason: 'BUSY' });
    now = 10_000;
    expect(await peers[2]!.request({ t: 'request', seq: 0 })).toMatchObject({ t: 'chunk' });
    expect(await peers[0]!.request({ t: 'request', seq: 1 })).toMatchObject({ t: 'reject', reason: 'BUSY' });
    expect(server.stats().slots).toMatchObject({ holders: 2, rotations: 1 });
  });

  it('frees a slot when its holder disconnects', async () => {
    const server = await startServer({ slots: { slots: 1 } });
    const { window, streamId } = filledWindow(1);
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const first = await dialServer(server);
    const second = await dialServer(server);
    for (const peer of [first, second]) await peer.request({ t: 'join', stream: streamId });
    await first.request({ t: 'request', seq: 0 });
    expect(await second.request({ t: 'request', seq: 0 })).toMatchObject({ reason: 'BUSY' });
    await first.close();
    await waitUntil(() => server.stats().connections === 1);
    expect(await second.request({ t: 'request', seq: 0 })).toMatchObject({ t: 'chunk' });
  });

  it('counts the bytes it uploads, in total and per peer', async () => {
    const server = await startServer();
    const { window, streamId } = filledWindow(3, { bytes: 2000 });
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const a = await dialServer(server);
    const b = await dialServer(server);
    for (const peer of [a, b]) await peer.request({ t: 'join', stream: streamId });
    await a.request({ t: 'request', seq: 0 });
    await a.request({ t: 'request', seq: 1 });
    await b.request({ t: 'request', seq: 2 });
    const stats = server.stats();
    expect(stats).toMatchObject({ bytesUploaded: 6000, chunksServed: 3, connections: 2 });
    expect(stats.peers.map((peer) => peer.bytesUploaded).sort()).toEqual([2000, 4000]);
  });

  it('disconnects the peers of a stream it stops serving', async () => {
    const server = await startServer();
    const { window, streamId } = filledWindow(1);
    server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
    const connection = await dialServer(server);
    await connection.request({ t: 'join', stream: streamId });
    server.unserve(streamId);
    expect(await connection.closed).toMatchObject({ code: 'UNKNOWN_STREAM', byRemote: true });
    expect(server.serves(streamId)).toBe(false);
  });

  it('takes the next port when the one asked for is in use, and says which it asked for', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise((resolve) => blocker.close(resolve)));
    const taken = (blocker.address() as { port: number }).port;
    const server = await startPeerServer({ host: '127.0.0.1', port: taken, portAttempts: 5 });
    onCleanup(() => server.close());
    expect(server.requestedPort).toBe(taken);
    expect(server.port).toBeGreaterThan(taken);
    await expect(startPeerServer({ host: '127.0.0.1', port: taken, portAttempts: 1 })).rejects.toMatchObject({ code: 'NO_FREE_PORT' });
  });

  it('says LISTEN_FAILED for an address that is not this machine', async () => {
    await expect(startPeerServer({ host: '192.0.2.1', port: 0 })).rejects.toMatchObject({ code: 'LISTEN_FAILED' });
  });
});
