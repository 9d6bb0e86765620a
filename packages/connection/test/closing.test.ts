import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, hello, type Message } from '@p2pstream/wire';
import { ConnectionClosedError, dial } from '../src/index.js';
import { dialServer, nextConnection, RawPeer, SIG, startRawServer, startServer, waitUntil } from './helpers.js';

/** Timers and sockets alive in this process, by kind. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return { Timeout: counts['Timeout'] ?? 0, TCPSocketWrap: counts['TCPSocketWrap'] ?? 0 };
}

describe('closing', () => {
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
    expect(resources()).toEqual(before);
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

  it('tells the other side why when closing with a reason', async () => {
    const server = await startServer();
    const accepted = nextConnection(server);
    const client = await dialServer(server);
    const serverSide = await accepted;
    const local = await client.close({ code: 'GOING_AWAY', message: 'viewer stopped' });
    expect(local).toEqual({ code: 'GOING_AWAY', message: 'viewer stopped', byRemote: false });
    expect(await serverSide.closed).toEqual({ code: 'GOING_AWAY', message: 'viewer stopped', byRemote: true });
  });

  it('sends what was queued before an orderly close, and both sides report CLOSED', async () => {
    const server = await startServer();
    const accepted = nextConnection(server);
    const client = await dialServer(server);
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
    const server = await startServer();
    const events: string[] = [];
    server.on('connection', (connection) => {
      events.push(`connection:${connection.state}`);
      connection.on('message', (message) => events.push(`message:${message.t}`));
      connection.on('close', (reason) => events.push(`close:${reason.code}`));
    });
    const client = await dialServer(server);
    client.send({ t: 'have', seq: 1 });
    await client.close();
    await waitUntil(() => events.length === 3);
    expect(events).toEqual(['connection:open', 'message:have', 'close:CLOSED']);
  });
});
