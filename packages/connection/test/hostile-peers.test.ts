import { describe, expect, it } from 'vitest';
import { encodeFrame, hello, type Message } from '@p2pstream/wire';
import { dialServer, keepTalking, nextConnection, RawPeer, SIG, startServer, STREAM, waitUntil } from './helpers.js';

const isError = (code: string) => (message: Message) => message.t === 'error' && message.code === code;

/** A server with short deadlines whose `list` handler answers, and one honest client of it. */
async function serverWithHonestClient(limits = {}) {
  const server = await startServer({
    limits: { handshakeTimeout: 2000, idleTimeout: 2000, frameTimeout: 200, ...limits },
    handlers: { list: (message, connection) => void connection.reply(message, { t: 'streams', streams: [] }) },
  });
  const honest = await dialServer(server, { limits: { idleTimeout: 60_000 } });
  return { server, honest };
}

describe('a server facing hostile peers', () => {
  it('closes a peer that sends garbage after its hello with MALFORMED, while an honest connection keeps working', async () => {
    const { server, honest } = await serverWithHonestClient();
    const raw = await RawPeer.connect(server.address().port);
    const accepted = nextConnection(server);
    await raw.handshake();
    const rawSide = await accepted;
    raw.write(Buffer.from([0, 0, 0, 5, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1]));
    await raw.waitFor(isError('MALFORMED'));
    await raw.ended;
    expect(await rawSide.closed).toMatchObject({ code: 'MALFORMED', byRemote: false });
    await expect(honest.request({ t: 'list' })).resolves.toMatchObject({ t: 'streams' });
    expect(server.connections.size).toBe(1);
  });

  it('refuses a message over maxControlBytes from its length prefix, before reading its body', async () => {
    const { server, honest } = await serverWithHonestClient({ maxControlBytes: 1024, maxChunkBytes: 0 });
    const raw = await RawPeer.connect(server.address().port);
    await raw.handshake();
    const map = encodeFrame({ t: 'map', re: 1, stream: STREAM, base: 0, bits: Buffer.alloc(2000), edge: 0, live: true, source: false });
    raw.write(map.subarray(0, 4));
    await raw.waitFor(isError('FRAME_TOO_LARGE'));
    await raw.ended;
    await expect(honest.request({ t: 'list' })).resolves.toMatchObject({ t: 'streams' });
  });

  it('refuses chunks outright on a server configured with maxChunkBytes 0, as central is', async () => {
    const { server } = await serverWithHonestClient({ maxChunkBytes: 0 });
    const raw = await RawPeer.connect(server.address().port);
    await raw.handshake();
    raw.write({ t: 'chunk', re: 1, seq: 0, ts: 0, sig: SIG, data: Buffer.alloc(16) });
    await raw.waitFor(isError('INVALID_FIELD'));
    await raw.ended;
  });

  it('closes a peer that trickles a frame one byte at a time with FRAME_TIMEOUT, while an honest connection keeps working', async () => {
    const { server, honest } = await serverWithHonestClient({ idleTimeout: 5_000 });
    const raw = await RawPeer.connect(server.address().port);
    const accepted = nextConnection(server);
    await raw.handshake();
    const rawSide = await accepted;
    const frame = encodeFrame({ t: 'have', seq: 12 });
    let sent = 0;
    // Every byte resets an idle timer but not the frame deadline.
    const trickle = setInterval(() => {
      if (sent < frame.length - 1 && !raw.socket.destroyed) raw.write(frame.subarray(sent, ++sent));
    }, 40);
    try {
      await expect(honest.request({ t: 'list' })).resolves.toMatchObject({ t: 'streams' });
      await raw.waitFor(isError('FRAME_TIMEOUT'));
      await raw.ended;
    } finally {
      clearInterval(trickle);
    }
    expect(await rawSide.closed).toMatchObject({ code: 'FRAME_TIMEOUT', byRemote: false });
    await expect(honest.request({ t: 'list' })).resolves.toMatchObject({ t: 'streams' });
  });

  it('closes a peer that completes its handshake and then says nothing with IDLE_TIMEOUT', async () => {
    const { server, honest } = await serverWithHonestClient({ idleTimeout: 300 });
    const talk = keepTalking(honest);
    try {
      const raw = await RawPeer.connect(server.address().port);
      await raw.handshake();
      await raw.waitFor(isError('IDLE_TIMEOUT'));
      await raw.ended;
    } finally {
      talk.stop();
    }
    expect(honest.state).toBe('open');
    expect(talk.answers()).toBeGreaterThan(0);
  });

  it('closes a socket that never says hello with HANDSHAKE_TIMEOUT and frees its handshake slot', async () => {
    const { server, honest } = await serverWithHonestClient({ handshakeTimeout: 500 });
    const raw = await RawPeer.connect(server.address().port);
    await raw.waitFor(isError('HANDSHAKE_TIMEOUT'));
    await raw.ended;
    await waitUntil(() => server.pendingHandshakes === 0);
    await expect(honest.request({ t: 'list' })).resolves.toMatchObject({ t: 'streams' });
  });

  it('refuses a hello with another protocol version with UNSUPPORTED_VERSION', async () => {
    const { server } = await serverWithHonestClient();
    const raw = await RawPeer.connect(server.address().port);
    raw.write({ ...hello('peer'), v: 2 });
    const error = await raw.waitFor(isError('UNSUPPORTED_VERSION'));
    expect(error).toMatchObject({ message: expect.stringContaining('version 2') });
    await raw.ended;
  });

  it('refuses any message before hello with PROTOCOL_VIOLATION', async () => {
    const { server } = await serverWithHonestClient();
    const raw = await RawPeer.connect(server.address().port);
    raw.write({ t: 'list', id: 1 });
    await raw.waitFor(isError('PROTOCOL_VIOLATION'));
    await raw.ended;
  });

  it('closes a peer with more requests in flight than allowed with TOO_MANY_REQUESTS', async () => {
    const server = await startServer({ limits: { maxPeerRequests: 2 }, handlers: { list: () => undefined } });
    const greedy = await dialServer(server);
    const requests = [1, 2, 3].map(() => greedy.request({ t: 'list' }).catch((error: unknown) => error));
    const failures = await Promise.all(requests);
    for (const failure of failures) {
      expect(failure).toMatchObject({ code: 'CONNECTION_CLOSED', reason: { code: 'TOO_MANY_REQUESTS', byRemote: true } });
    }
    expect(await greedy.closed).toMatchObject({ code: 'TOO_MANY_REQUESTS', byRemote: true });
    expect(greedy.requests).toBe(0);
  });

  it('closes a peer that reuses the id of a request still in flight', async () => {
    const server = await startServer({ handlers: { list: () => undefined } });
    const raw = await RawPeer.connect(server.address().port);
    await raw.handshake();
    raw.write({ t: 'list', id: 7 });
    raw.write({ t: 'list', id: 7 });
    await raw.waitFor(isError('PROTOCOL_VIOLATION'));
    await raw.ended;
  });
});
