import { describe, expect, it } from 'vitest';
import { connect, RemoteError, type Connection } from '@p2pstream/connection';
import { createMemoryPair } from '@p2pstream/connection/testing';
import { SignedState, verifyChunk } from '@p2pstream/data';
import { encodeFrame } from '@p2pstream/wire';
import { startPeerServer, type PeerServerOptions } from '../src/index.js';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { SESSION, filledWindow, waitUntil } from './helpers.js';
import { ManualClock } from '@p2pstream/units';

// Serving over a connection this peer dialed (a symmetric connection), over in-memory pairs.

const OTHER = '127.0.0.66';

async function serving(options: PeerServerOptions = {}) {
  const clock = new ManualClock();
  const server = await startPeerServer({ host: '127.0.0.1', port: 0, clock, ...options });
  onCleanup(() => server.close());
  const { window, streamId } = filledWindow(4, { bytes: 1500 });
  server.serve(streamId, window, { state: new SignedState(streamId, SESSION) });
  return { server, clock, window, streamId };
}

/** A connection this peer "dialed" to OTHER, and the other side's end of it (which joins back over it). */
async function dialedPair(clock: ManualClock): Promise<{ mine: Connection; theirs: Connection }> {
  const [here, there] = createMemoryPair({ first: { address: '127.0.0.1', port: 50_001 }, second: { address: OTHER, port: 2050 } });
  const [mine, theirs] = await Promise.all([connect(here, { role: 'peer', clock }), connect(there, { role: 'peer', clock })]);
  onCleanup(() => mine.close());
  return { mine, theirs };
}

describe('PeerServer.serveOver', () => {
  it('serves the peer it dialed over that connection, names its own port in the map, and counts the upload', async () => {
    const { server, clock, streamId } = await serving();
    const { mine, theirs } = await dialedPair(clock);
    const joined: Connection[] = [];
    server.on('join', (_peer, _stream, connection) => joined.push(connection));
    server.serveOver(mine);
    const map = await theirs.request({ t: 'join', stream: streamId });
    expect(map).toMatchObject({ t: 'map', stream: streamId, edge: 4, port: server.port });
    const reply = await theirs.request({ t: 'request', seq: 2 });
    expect(reply.t === 'chunk' && verifyChunk(streamId, SESSION, reply)).toBe(true);
    expect(joined).toEqual([mine]);
    expect(server.stats()).toMatchObject({ bytesUploaded: 1500, chunksServed: 1 });
    expect(server.stats().peers).toMatchObject([{ peer: `${OTHER}:2050`, stream: streamId, chunksServed: 1 }]);
  });

  it('does not name a port to a peer that dialed here (an older peer would refuse the field)', async () => {
    const { server, clock, streamId } = await serving();
    const [mine, theirs] = createMemoryPair({ first: { address: OTHER, port: 40_000 } });
    server.accept(theirs);
    const peer = await connect(mine, { role: 'peer', clock });
    onCleanup(() => peer.close());
    const map = await peer.request({ t: 'join', stream: streamId });
    expect(map).not.toHaveProperty('port');
  });

  it('holds the peer it dialed to maxPeersPerStream like any other', async () => {
    const { server, clock, streamId } = await serving({ maxPeersPerStream: 1 });
    const first = await dialedPair(clock);
    const second = await dialedPair(clock);
    server.serveOver(first.mine);
    server.serveOver(second.mine);
    await first.theirs.request({ t: 'join', stream: streamId });
    const refused = await second.theirs.request({ t: 'join', stream: streamId }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RemoteError);
    expect(refused).toMatchObject({ remoteCode: 'STREAM_FULL' });
  });

  it('refuses an address its listener banned, over a connection it dialed too', async () => {
    const { server, clock, streamId } = await serving({ limits: { banScore: 1 } });
    // A peer at OTHER dials in and sends a frame that is not one of ours: banned at the first violation.
    const [rude, theirs] = createMemoryPair({ first: { address: OTHER, port: 40_001 } });
    rude.on('data', () => undefined);
    server.accept(theirs);
    rude.write(encodeFrame({ t: 'hello', v: 2, role: 'peer' }));
    rude.write(Buffer.from([0, 0, 0, 1, 0xc1]));
    await waitUntil(() => rude.destroyed);
    const { mine, theirs: other } = await dialedPair(clock);
    server.serveOver(mine);
    const refused = await other.request({ t: 'join', stream: streamId }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ remoteCode: 'BANNED' });
  });

  it('takes chunk replies over a connection it accepted, so the peer that accepted can fetch back over it', async () => {
    const { server, clock, streamId } = await serving();
    const joined = new Promise<Connection>((resolve) => server.once('join', (_peer, _stream, connection) => resolve(connection)));
    const [mine, theirs] = createMemoryPair({ first: { address: OTHER, port: 40_002 } });
    server.accept(theirs);
    const dialer = await connect(mine, { role: 'peer', clock });
    onCleanup(() => dialer.close());
    // The dialer serves a chunk of 1500 bytes over its own connection.
    const { window: dialersWindow } = filledWindow(4, { bytes: 1500 });
    dialer.handle('request', (message, connection) => {
      const chunk = dialersWindow.get(message.seq)!;
      connection.reply(message, { t: 'chunk', seq: chunk.seq, ts: chunk.ts, sig: chunk.sig, data: chunk.data });
    });
    await dialer.request({ t: 'join', stream: streamId });
    const accepted = await joined;
    const reply = await accepted.request({ t: 'request', seq: 1 });
    expect(reply.t === 'chunk' && reply.data.length).toBe(1500);
    expect(accepted.state).toBe('open');
  });

  it('serves one connection once', async () => {
    const { server, clock } = await serving();
    const { mine } = await dialedPair(clock);
    server.serveOver(mine);
    expect(() => server.serveOver(mine)).toThrow(expect.objectContaining({ code: 'HALF_TAKEN' }));
  });
});
