import { describe, expect, it } from 'vitest';
import type { RequestMessage } from '@p2pstream/wire';
import { ConnectionClosedError, RemoteError, type Connection } from '../src/index.js';
import { nextConnection, SIG, STREAM } from './helpers.js';
import { connectTo, memoryServer, turn } from './memory-helpers.js';
import { ManualClock } from '@p2pstream/units';

// Protocol behaviour, so over in-memory pairs: no socket, and time only where a test moves it.
describe('request and reply', () => {
  it('completes the hello handshake on both sides and reports each side as the transport sees it', async () => {
    const server = memoryServer({ role: 'central' });
    const accepted = nextConnection(server);
    const client = await connectTo(server, {
      pair: { first: { address: '127.0.0.7', port: 50_000 }, second: { address: '127.0.0.1', port: 2045 } },
    });
    const serverSide = await accepted;
    expect(client.state).toBe('open');
    expect(client.remoteRole).toBe('central');
    expect(client.remoteAddress).toBe('127.0.0.1');
    expect(client.remotePort).toBe(2045);
    expect(serverSide.remoteRole).toBe('peer');
    expect(serverSide.remoteAddress).toBe('127.0.0.7');
    expect(serverSide.remotePort).toBe(50_000);
    expect(server.connections.has(serverSide)).toBe(true);
  });

  it('resolves a request with the reply of the type its request names', async () => {
    const server = memoryServer({
      handlers: {
        join: (message, connection) => {
          connection.reply(message, { t: 'map', stream: message.stream, base: 4, bits: Buffer.from([1]), edge: 9, live: true, session: Buffer.alloc(8), source: false });
        },
      },
    });
    const client = await connectTo(server);
    const map = await client.request({ t: 'join', stream: STREAM });
    expect(map).toMatchObject({ t: 'map', base: 4, edge: 9, stream: STREAM });
    expect(client.requests).toBe(0);
  });

  it('matches 1,000 requests in flight to replies that come back out of order', async () => {
    const received: RequestMessage[] = [];
    let answer: (() => void) | undefined;
    const allIn = new Promise<void>((resolve) => (answer = resolve));
    const server = memoryServer({
      limits: { maxPeerRequests: 1000 },
      handlers: {
        request: (message) => {
          received.push(message);
          if (received.length === 1000) answer!();
        },
      },
    });
    const serverSide = nextConnection(server);
    const client = await connectTo(server);
    const replies = Array.from({ length: 1000 }, (_, seq) => client.request({ t: 'request', seq }));
    await allIn;
    const connection = await serverSide;
    expect(client.requests).toBe(1000);
    expect(connection.peerRequests).toBe(1000);
    // Rising ids, then answered in a shuffled order (odd seqs rejected, even seqs sent).
    expect(received.map((r) => r.id)).toEqual([...received.map((r) => r.id)].sort((a, b) => a - b));
    const order = shuffled(received, 7);
    for (const request of order) {
      if (request.seq % 2 === 0) {
        connection.reply(request, { t: 'chunk', seq: request.seq, ts: 1, sig: SIG, data: Buffer.from([request.seq & 0xff]) });
      } else {
        connection.reply(request, { t: 'reject', seq: request.seq, reason: 'NOT_HELD' });
      }
    }
    const results = await Promise.all(replies);
    results.forEach((reply, seq) => {
      expect(reply.seq).toBe(seq);
      expect(reply.t).toBe(seq % 2 === 0 ? 'chunk' : 'reject');
    });
    expect(client.requests).toBe(0);
    expect(connection.peerRequests).toBe(0);
  });

  it('rejects with a RemoteError carrying the code and message of an error reply', async () => {
    const server = memoryServer({
      handlers: { lookup: (message, connection) => connection.replyError(message, 'UNKNOWN_NAME', `no stream named ${message.name}`) },
    });
    const client = await connectTo(server);
    const error = await client.request({ t: 'lookup', name: 'cam9', count: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'REMOTE_ERROR', remoteCode: 'UNKNOWN_NAME', remoteMessage: 'no stream named cam9' });
    expect(client.state).toBe('open');
  });

  it('answers a request type nobody handles with UNHANDLED_REQUEST and keeps the connection', async () => {
    const server = memoryServer();
    const client = await connectTo(server);
    await expect(client.request({ t: 'list' })).rejects.toMatchObject({ remoteCode: 'UNHANDLED_REQUEST' });
    expect(client.state).toBe('open');
  });

  it('answers INTERNAL_ERROR when a handler throws, and tells the server side through its error event', async () => {
    const server = memoryServer({
      handlers: {
        list: async () => {
          throw new Error('database down');
        },
      },
    });
    const serverSide = nextConnection(server);
    const client = await connectTo(server);
    const errors: Error[] = [];
    (await serverSide).on('error', (error) => errors.push(error));
    const failure = await client.request({ t: 'list' }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ remoteCode: 'INTERNAL_ERROR' });
    expect((failure as RemoteError).remoteMessage).not.toContain('database');
    expect(errors.map((e) => e.message)).toEqual(['database down']);
  });

  it('times out a request that gets no reply, and ignores the reply that comes later', async () => {
    const unanswered: Array<() => void> = [];
    const server = memoryServer({
      handlers: {
        list: (message, connection) => {
          const answer = () => void connection.reply(message, { t: 'streams', streams: [] });
          if (unanswered.length === 0) unanswered.push(answer);
          else answer();
        },
      },
    });
    const clock = new ManualClock();
    const client = await connectTo(server, { clock });
    const timingOut = client.request({ t: 'list' }, { timeout: 50 });
    await turn();
    clock.advance(49);
    expect(client.requests).toBe(1);
    clock.advance(1);
    await expect(timingOut).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT' });
    expect(client.requests).toBe(0);
    unanswered[0]!();
    // The stray reply is dropped and the connection goes on working.
    await expect(client.request({ t: 'list' })).resolves.toMatchObject({ t: 'streams', re: 2 });
  });

  it('rejects a request with the signal reason when it is aborted, and forgets it', async () => {
    const server = memoryServer({ handlers: { list: () => undefined } });
    const client = await connectTo(server);
    const controller = new AbortController();
    const pending = client.request({ t: 'list' }, { signal: controller.signal });
    controller.abort(new Error('user gave up'));
    await expect(pending).rejects.toThrow('user gave up');
    expect(client.requests).toBe(0);
  });

  it('closes the connection when a reply has the wrong type for its request', async () => {
    const server = memoryServer({
      handlers: { list: (message, connection) => void connection.send({ t: 'ok', re: message.id }) },
    });
    const client = await connectTo(server);
    await expect(client.request({ t: 'list' })).rejects.toMatchObject({ code: 'PROTOCOL_VIOLATION' });
    expect((await client.closed).code).toBe('PROTOCOL_VIOLATION');
  });

  it('delivers pushed messages to their handler and every message to the message event', async () => {
    const haves: number[] = [];
    const seen: string[] = [];
    const server = memoryServer();
    const serverSide = nextConnection(server);
    const client = await connectTo(server, { handlers: { have: (message) => void haves.push(message.seq) } });
    client.on('message', (message) => seen.push(message.t));
    const connection: Connection = await serverSide;
    connection.send({ t: 'have', seq: 1 });
    connection.send({ t: 'have', seq: 2 });
    connection.send({ t: 'cancel', seq: 2 });
    await turn();
    expect(haves).toEqual([1, 2]);
    expect(seen).toEqual(['have', 'have', 'cancel']);
  });

  it('refuses to answer the same request twice', async () => {
    let twice: (() => void) | undefined;
    const server = memoryServer({
      handlers: {
        list: (message, connection) => {
          connection.reply(message, { t: 'streams', streams: [] });
          twice = () => connection.reply(message, { t: 'streams', streams: [] });
        },
      },
    });
    const client = await connectTo(server);
    await client.request({ t: 'list' });
    expect(() => twice!()).toThrow(expect.objectContaining({ code: 'NO_SUCH_REQUEST' }));
  });

  it('rejects requests made after the connection closed', async () => {
    const server = memoryServer();
    const client = await connectTo(server);
    await client.close();
    await expect(client.request({ t: 'list' })).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(client.send({ t: 'have', seq: 1 })).toBe(false);
  });
});

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
