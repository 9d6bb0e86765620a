import { describe, expect, it } from 'vitest';
import { encodeFrame, hello, type Message } from '@p2pstream/wire';
import { nextConnection, SIG, STREAM } from './helpers.js';
import { connectTo, memoryServer, rawPeerOf, turn } from './memory-helpers.js';
import { ManualClock } from '@p2pstream/units';

const isError = (code: string) => (message: Message) => message.t === 'error' && message.code === code;

/**
 * A server on a fake clock with short deadlines whose `list` handler answers, and
 * one honest client of it; every peer reaches it over an in-memory pair, so the
 * deadlines below pass only when the test moves the clock.
 */
async function serverWithHonestClient(limits = {}) {
  const clock = new ManualClock();
  const server = memoryServer({
    clock,
    limits: { handshakeTimeout: 2000, idleTimeout: 2000, frameTimeout: 200, ...limits },
    handlers: { list: (message, connection) => void connection.reply(message, { t: 'streams', streams: [] }) },
  });
  const honest = await connectTo(server, { clock, limits: { idleTimeout: 60_000 } });
  return { server, honest, clock };
}

describe('a server facing hostile peers', () => {
  it('closes a peer that sends garbage after its hello with MALFORMED, while an honest connection keeps working', async () => {
    const { server, honest } = await serverWithHonestClient();
    const accepted = nextConnection(server);
    const raw = rawPeerOf(server);
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
    const raw = rawPeerOf(server);
    await raw.handshake();
    const map = encodeFrame({ t: 'map', re: 1, stream: STREAM, base: 0, bits: Buffer.alloc(2000), edge: 0, live: true, session: Buffer.alloc(8), source: false });
    raw.write(map.subarray(0, 4));
    await raw.waitFor(isError('FRAME_TOO_LARGE'));
    await raw.ended;
    await expect(honest.request({ t: 'list' })).resolves.toMatchObject({ t: 'streams' });
  });

  it('refuses chunks outright on a server configured with maxChunkBytes 0, as central is', async () => {
    const { server } = await serverWithHonestClient({ maxChunkBytes: 0 });
    const raw = rawPeerOf(server);
    await raw.handshake();
    raw.write({ t: 'chunk', re: 1, seq: 0, ts: 0, sig: SIG, data: Buffer.alloc(16) });
    await raw.waitFor(isError('INVALID_FIELD'));
    await raw.ended;
  });

  it('closes a peer that trickles a frame one byte at a time with FRAME_TIMEOUT, while an honest connection keeps working', async () => {
    const { server, honest, clock } = await serverWithHonestClient({ idleTimeout: 5_000 });
    const accepted = nextConnection(server);
    const raw = rawPeerOf(server);
    await raw.handshake();
    const rawSide = await accepted;
    const frame = encodeFrame({ t: 'have', seq: 12 });
    // A byte every 40 ms, at 0 to 160: each keeps the idle deadline away, none finishes the frame.
    for (let sent = 0; sent < 5; sent++) {
      if (sent > 0) clock.advance(40);
      raw.write(frame.subarray(sent, sent + 1));
      await turn();
    }
    clock.advance(39);
    expect(rawSide.state).toBe('open');
    await expect(honest.request({ t: 'list' })).resolves.toMatchObject({ t: 'streams' });
    clock.advance(1); // 200 ms since the frame's first byte
    await raw.waitFor(isError('FRAME_TIMEOUT'));
    await raw.ended;
    expect(await rawSide.closed).toMatchObject({ code: 'FRAME_TIMEOUT', byRemote: false });
    await expect(honest.request({ t: 'list' })).resolves.toMatchObject({ t: 'streams' });
  });

  it('closes a peer that completes its handshake and then says nothing with IDLE_TIMEOUT, and not a moment before', async () => {
    const { server, honest, clock } = await serverWithHonestClient({ idleTimeout: 300 });
    const accepted = nextConnection(server);
    const raw = rawPeerOf(server);
    await raw.handshake();
    const rawSide = await accepted;
    clock.advance(299);
    // The honest client talks, so the server's deadline for it moves; the raw peer stays silent.
    await expect(honest.request({ t: 'list' })).resolves.toMatchObject({ t: 'streams' });
    expect(rawSide.state).toBe('open');
    clock.advance(1);
    await raw.waitFor(isError('IDLE_TIMEOUT'));
    await raw.ended;
    expect(honest.state).toBe('open');
  });

  it('closes a transport that never says hello with HANDSHAKE_TIMEOUT and frees its handshake slot', async () => {
    const { server, honest, clock } = await serverWithHonestClient({ handshakeTimeout: 500 });
    const raw = rawPeerOf(server);
    await turn();
    expect(server.pendingHandshakes).toBe(1);
    clock.advance(500);
    await raw.waitFor(isError('HANDSHAKE_TIMEOUT'));
    await raw.ended;
    await turn(); // the server's end of the pair hears the raw end close
    expect(server.pendingHandshakes).toBe(0);
    await expect(honest.request({ t: 'list' })).resolves.toMatchObject({ t: 'streams' });
  });

  it('refuses a hello with another protocol version with UNSUPPORTED_VERSION', async () => {
    const { server } = await serverWithHonestClient();
    const raw = rawPeerOf(server);
    raw.write({ ...hello('peer'), v: 3 });
    const error = await raw.waitFor(isError('UNSUPPORTED_VERSION'));
    expect(error).toMatchObject({ message: expect.stringContaining('version 3') });
    await raw.ended;
  });

  it('refuses any message before hello with PROTOCOL_VIOLATION', async () => {
    const { server } = await serverWithHonestClient();
    const raw = rawPeerOf(server);
    raw.write({ t: 'list', id: 1 });
    await raw.waitFor(isError('PROTOCOL_VIOLATION'));
    await raw.ended;
  });

  it('closes a peer with more requests in flight than allowed with TOO_MANY_REQUESTS', async () => {
    const server = memoryServer({ limits: { maxPeerRequests: 2 }, handlers: { list: () => undefined } });
    const greedy = await connectTo(server);
    const requests = [1, 2, 3].map(() => greedy.request({ t: 'list' }).catch((error: unknown) => error));
    const failures = await Promise.all(requests);
    for (const failure of failures) {
      expect(failure).toMatchObject({ code: 'CONNECTION_CLOSED', reason: { code: 'TOO_MANY_REQUESTS', byRemote: true } });
    }
    expect(await greedy.closed).toMatchObject({ code: 'TOO_MANY_REQUESTS', byRemote: true });
    expect(greedy.requests).toBe(0);
  });

  it('closes a peer that reuses the id of a request still in flight', async () => {
    const server = memoryServer({ handlers: { list: () => undefined } });
    const raw = rawPeerOf(server);
    await raw.handshake();
    raw.write({ t: 'list', id: 7 });
    raw.write({ t: 'list', id: 7 });
    await raw.waitFor(isError('PROTOCOL_VIOLATION'));
    await raw.ended;
  });
});
