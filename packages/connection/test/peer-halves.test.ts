import { describe, expect, it } from 'vitest';
import type { JoinMessage, MapMessage, RequestMessage } from '@p2pstream/wire';
import { attachHalf, carriesHalf, RemoteError, type Connection, type PeerHalfHandlers } from '../src/index.js';
import { nextConnection, SIG, STREAM } from './helpers.js';
import { connectTo, memoryServer, turn } from './memory-helpers.js';

const SESSION = Buffer.alloc(8, 3);

function mapFor(join: JoinMessage, edge: number): Omit<MapMessage, 're'> {
  return { t: 'map', stream: join.stream, base: 0, bits: Buffer.from([0xff]), edge, live: true, session: SESSION, source: false };
}

/** A serving half that answers joins with a map of `edge` chunks and requests with a chunk whose data names `who`. */
function servingHalf(who: string, edge: number, seen: { cancels: number[] }): PeerHalfHandlers<'serving'> {
  return {
    join: (message, connection) => connection.reply(message, mapFor(message, edge)),
    request: (message: RequestMessage, connection) =>
      connection.reply(message, { t: 'chunk', seq: message.seq, ts: 1, sig: SIG, data: Buffer.from(`${who}:${message.seq}`) }),
    cancel: (message) => seen.cancels.push(message.seq),
  };
}

/** A dialer that serves over its own connection too, and the side that accepted it (which serves already). */
async function symmetricPair(): Promise<{ dialer: Connection; acceptor: Connection; seen: { dialer: { cancels: number[] }; acceptor: { cancels: number[] } } }> {
  const seen = { dialer: { cancels: [] as number[] }, acceptor: { cancels: [] as number[] } };
  const server = memoryServer({ handlers: servingHalf('acceptor', 8, seen.acceptor) });
  const accepted = nextConnection(server);
  const dialer = await connectTo(server);
  attachHalf(dialer, 'serving', servingHalf('dialer', 5, seen.dialer));
  return { dialer, acceptor: await accepted, seen };
}

// Protocol behaviour of one connection carrying both halves on each side: in-memory pairs, no socket.
describe('a symmetric connection', () => {
  it('lets the side that accepted join and fetch from the side that dialed, over the same connection', async () => {
    const { dialer, acceptor } = await symmetricPair();
    const forwardMap = await dialer.request({ t: 'join', stream: STREAM });
    const reverseMap = await acceptor.request({ t: 'join', stream: STREAM });
    expect(forwardMap.edge).toBe(8);
    expect(reverseMap.edge).toBe(5);
    const [forward, reverse] = await Promise.all([dialer.request({ t: 'request', seq: 3 }), acceptor.request({ t: 'request', seq: 3 })]);
    expect(forward.t === 'chunk' && Buffer.from(forward.data).toString()).toBe('acceptor:3');
    expect(reverse.t === 'chunk' && Buffer.from(reverse.data).toString()).toBe('dialer:3');
  });

  it('matches each reply to the side that asked when both ask at once with the same ids', async () => {
    const { dialer, acceptor } = await symmetricPair();
    // Both sides number their requests from the same start: only the direction tells them apart.
    const asks = Array.from({ length: 50 }, (_, seq) => [dialer.request({ t: 'request', seq }), acceptor.request({ t: 'request', seq })] as const);
    for (const [seq, [fromAcceptor, fromDialer]] of asks.entries()) {
      const a = await fromAcceptor;
      const d = await fromDialer;
      expect(a.t === 'chunk' && Buffer.from(a.data).toString()).toBe(`acceptor:${seq}`);
      expect(d.t === 'chunk' && Buffer.from(d.data).toString()).toBe(`dialer:${seq}`);
    }
    expect(dialer.requests + acceptor.requests + dialer.peerRequests + acceptor.peerRequests).toBe(0);
  });

  it("routes pushed messages by type: have to the fetching half, cancel to the serving half, on either side", async () => {
    const { dialer, acceptor, seen } = await symmetricPair();
    const haves = { dialer: [] as number[], acceptor: [] as number[] };
    dialer.handle('have', (message) => haves.dialer.push(message.seq));
    attachHalf(acceptor, 'fetching', { have: (message) => haves.acceptor.push(message.seq) });
    acceptor.send({ t: 'have', seq: 9 });
    dialer.send({ t: 'have', seq: 6 });
    dialer.send({ t: 'cancel', seq: 2 });
    acceptor.send({ t: 'cancel', seq: 4 });
    await turn();
    expect(haves).toEqual({ dialer: [9], acceptor: [6] });
    expect(seen).toEqual({ acceptor: { cancels: [2] }, dialer: { cancels: [4] } });
  });

  it('answers a join with UNHANDLED_REQUEST and stays open when the other side serves only what it accepted (an older peer, or one with symmetric off)', async () => {
    const server = memoryServer({ handlers: servingHalf('acceptor', 8, { cancels: [] }) });
    const accepted = nextConnection(server);
    const dialer = await connectTo(server);
    const acceptor = await accepted;
    const refused = await acceptor.request({ t: 'join', stream: STREAM }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RemoteError);
    expect(refused).toMatchObject({ remoteCode: 'UNHANDLED_REQUEST' });
    // The forward direction goes on as before.
    expect((await dialer.request({ t: 'join', stream: STREAM })).edge).toBe(8);
    expect(dialer.state).toBe('open');
  });

  it('closes a side that floods the reverse direction with requests, as it would the forward one', async () => {
    const server = memoryServer({ handlers: servingHalf('acceptor', 8, { cancels: [] }) });
    const accepted = nextConnection(server);
    const dialer = await connectTo(server, { limits: { maxPeerRequests: 2 } });
    // A serving half that never answers: the acceptor's requests stay in flight at the dialer.
    attachHalf(dialer, 'serving', { request: () => undefined });
    const acceptor = await accepted;
    const flood = [0, 1, 2].map((seq) => acceptor.request({ t: 'request', seq }).catch((error: unknown) => error));
    expect(await dialer.closed).toMatchObject({ code: 'TOO_MANY_REQUESTS', byRemote: false });
    for (const failure of await Promise.all(flood)) expect(failure).toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('refuses to give one side a half it already carries', async () => {
    const { dialer, acceptor } = await symmetricPair();
    expect(carriesHalf(dialer, 'serving')).toBe(true);
    expect(carriesHalf(acceptor, 'fetching')).toBe(false);
    expect(() => attachHalf(dialer, 'serving', { cancel: () => undefined })).toThrow(expect.objectContaining({ code: 'HALF_TAKEN' }));
    attachHalf(acceptor, 'fetching', { have: () => undefined });
    expect(() => attachHalf(acceptor, 'fetching', { have: () => undefined })).toThrow(expect.objectContaining({ code: 'HALF_TAKEN' }));
  });
});
