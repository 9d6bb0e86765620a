import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, hello, type Message } from '@p2pstream/wire';
import { connect, ConnectionClosedError, dial } from '../src/index.js';
import { createMemoryPair } from '../src/testing/index.js';
import { nextConnection, RawPeer, SIG, startRawServer, startServer, waitUntil } from './helpers.js';
import { connectTo, memoryServer, turn } from './memory-helpers.js';
import { ManualClock } from '@p2pstream/units';

/** Timers and sockets alive in this process, by kind. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return { Timeout: counts['Timeout'] ?? 0, TCPSocketWrap: counts['TCPSocketWrap'] ?? 0 };
}

describe('closing over TCP', () => {
  it('rejects every pending request and leaks no timer or socket when the other side dies mid-frame', async () => {
    let requestsSeen = 0;
    const { port } = await startRawServer((socket) => {
      const decoder = new FrameDecoder();
      socket.write(encodeFrame(hello('peer')));
      socket.on('data', (data: Buffer) => {
        for (const message of decoder.push(data)) if (message.t === 'request') requestsSeen++;
        if (requestsSeen === 10) {
          // Half of a chunk reply, then gone.
          const frame = encodeFrame({ t: 'chunk', re: 1, seq: 0, ts: 0, sig: SIG, data: Buffer.alloc(4096) });
          socket.end(frame.subarray(0, 2000));
        }
      });
    });
    const before = resources();
    const connection = await dial('127.0.0.1', port, { role: 'peer' });
    const pending = Array.from({ length: 10 }, (_, seq) => connection.request({ t: 'request', seq }).catch((e: unknown) => e));
    const failures = await Promise.all(pending);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(ConnectionClosedError);
      expect(failure).toMatchObject({ reason: { code: 'TRUNCATED', byRemote: true } });
    }
    expect(await connection.closed).toMatchObject({ code: 'TRUNCATED', byRemote: true });
    expect(connection.requests).toBe(0);
    expect(connection.state).toBe('closed');
    await waitUntil(() => resources().TCPSocketWrap <= before.TCPSocketWrap);
    // At most as many as before: a timer of the test runner's own that was pending then may have fired since.
    const after = resources();
    expect(after.Timeout).toBeLessThanOrEqual(before.Timeout);
    expect(after.TCPSocketWrap).toBeLessThanOrEqual(before.TCPSocketWrap);
  });

  it('forgets a peer killed mid-frame on the server side, and a late reply to it is dropped quietly', async () => {
    let answerLate: (() => boolean) | undefined;
    const server = await startServer({
      handlers: { list: (message, connection) => void (answerLate = () => connection.reply(message, { t: 'streams', streams: [] })) },
    });
    const accepted = nextConnection(server);
    const raw = await RawPeer.connect(server.address().port);
    await raw.handshake();
    const serverSide = await accepted;
    raw.write({ t: 'list', id: 1 });
    await waitUntil(() => serverSide.peerRequests === 1);
    raw.write(encodeFrame({ t: 'have', seq: 5 }).subarray(0, 3));
    raw.socket.destroy();
    const reason = await serverSide.closed;
    expect(['TRUNCATED', 'CONNECTION_LOST']).toContain(reason.code);
    expect(reason.byRemote).toBe(true);
    expect(server.connections.size).toBe(0);
    expect(answerLate!()).toBe(false);
    expect(serverSide.peerRequests).toBe(0);
  });
});

// The rest is protocol, so over in-memory pairs.
describe('closing', () => {
  it('tells the other side why when closing with a reason', async () => {
    const server = memoryServer();
    const accepted = nextConnection(server);
    const client = await connectTo(server);
    const serverSide = await accepted;
    const local = await client.close({ code: 'GOING_AWAY', message: 'viewer stopped' });
    expect(local).toEqual({ code: 'GOING_AWAY', message: 'viewer stopped', byRemote: false });
    expect(await serverSide.closed).toEqual({ code: 'GOING_AWAY', message: 'viewer stopped', byRemote: true });
  });

  it('sends what was queued before an orderly close, and both sides report CLOSED', async () => {
    const server = memoryServer();
    const accepted = nextConnection(server);
    const client = await connectTo(server);
    const serverSide = await accepted;
    const seen: Message[] = [];
    serverSide.on('message', (message) => seen.push(message));
    for (let seq = 0; seq < 50; seq++) client.send({ t: 'have', seq });
    await client.close();
    expect(await serverSide.closed).toMatchObject({ code: 'CLOSED', byRemote: true });
    expect(seen.map((m) => (m.t === 'have' ? m.seq : -1))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(client.closeReason).toMatchObject({ code: 'CLOSED', byRemote: false });
  });

  it('emits open, message and close in that order for a connection it wraps', async () => {
    const server = memoryServer();
    const events: string[] = [];
    server.on('connection', (connection) => {
      events.push(`connection:${connection.state}`);
      connection.on('message', (message) => events.push(`message:${message.t}`));
      connection.on('close', (reason) => events.push(`close:${reason.code}`));
    });
    const client = await connectTo(server);
    client.send({ t: 'have', seq: 1 });
    await client.close();
    await waitUntil(() => events.length === 3);
    expect(events).toEqual(['connection:open', 'message:have', 'close:CLOSED']);
  });

  it('reports TRUNCATED when the other side ends in the middle of a frame, and rejects what was pending', async () => {
    const [mine, theirs] = createMemoryPair();
    theirs.on('data', () => undefined);
    theirs.write(encodeFrame(hello('peer')));
    const connection = await connect(mine, { role: 'peer' });
    const pending = connection.request({ t: 'list' });
    theirs.end(encodeFrame({ t: 'have', seq: 3 }).subarray(0, 5));
    await expect(pending).rejects.toMatchObject({ code: 'CONNECTION_CLOSED', reason: { code: 'TRUNCATED' } });
    expect(await connection.closed).toMatchObject({ code: 'TRUNCATED', byRemote: true, message: expect.stringContaining('5 bytes into a frame') });
  });

  it('reports CONNECTION_LOST with the cause when the transport fails, and tells error listeners', async () => {
    const [mine, theirs] = createMemoryPair();
    theirs.on('data', () => undefined);
    theirs.write(encodeFrame(hello('peer')));
    const connection = await connect(mine, { role: 'peer' });
    const errors: string[] = [];
    connection.on('error', (error) => errors.push((error as { code?: string }).code ?? error.message));
    theirs.on('error', () => undefined); // its own error: the test is about the connection on the other end
    theirs.destroy(new Error('cable cut'));
    expect(await connection.closed).toMatchObject({ code: 'CONNECTION_LOST', byRemote: true, message: expect.stringContaining('reset') });
    expect(errors).toEqual(['TRANSPORT_RESET']);
  });

  it('destroys a transport whose other side never finishes closing once closeTimeout has passed on the clock', async () => {
    const clock = new ManualClock();
    const [mine, theirs] = createMemoryPair();
    theirs.write(encodeFrame(hello('peer')));
    // `theirs` never reads: our hello, and later our end, wait unread, so it never ends its side.
    const connection = await connect(mine, { role: 'peer', clock, limits: { closeTimeout: 2000 } });
    void connection.close();
    await turn();
    clock.advance(1999);
    await turn();
    expect(connection.state).toBe('closing');
    clock.advance(1);
    expect(await connection.closed).toMatchObject({ code: 'CLOSED', byRemote: false });
    expect(mine.destroyed).toBe(true);
  });
});
