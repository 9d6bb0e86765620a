import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connect, ConnectionServer, type Connection } from '@p2pstream/connection';
import { encodeFrame, FrameDecoder, hello, type ChunkMessage, type Message } from '@p2pstream/wire';
import { onCleanup } from '../../../tools/testing/cleanup.js';
import { openTransportPair, waitUntil } from './helpers.js';

const SIG = Buffer.alloc(64, 9);
const CHUNK_BYTES = 64 * 1024;

/** Chunk `seq` of a test stream: bytes that differ per chunk and per position. */
function chunk(seq: number): ChunkMessage {
  const data = Buffer.alloc(CHUNK_BYTES);
  for (let i = 0; i < data.length; i += 4) data.writeUInt32BE((seq * CHUNK_BYTES + i) >>> 0, i);
  return { t: 'chunk', re: seq + 1, seq, ts: 0, sig: SIG, data };
}

/** A server with no listener that answers `list`; closed after the test. */
function listServer(): ConnectionServer {
  const server = new ConnectionServer({
    role: 'peer',
    handlers: { list: (request, connection) => connection.reply(request, { t: 'streams', streams: [] }) },
  });
  onCleanup(() => server.close());
  return server;
}

/** A client connection over a fresh data channel to `server`, and the server's side of it. */
async function connectOverDataChannel(server: ConnectionServer, limits = {}): Promise<{ client: Connection; accepted: Connection }> {
  const [clientEnd, serverEnd] = await openTransportPair();
  const accepted = server.accept(serverEnd)!;
  const client = await connect(clientEnd, { role: 'peer', limits });
  onCleanup(() => client.close());
  await accepted.opened;
  return { client, accepted };
}

describe('a connection over a WebRTC data channel', () => {
  it('answers a request, and the server sees the address on the selected candidate pair', async () => {
    const server = listServer();
    const { client, accepted } = await connectOverDataChannel(server);
    await expect(client.request({ t: 'list' }, { timeout: 5_000 })).resolves.toEqual({ t: 'streams', streams: [], re: expect.any(Number) });
    expect(accepted.remoteAddress).not.toBe('');
    expect(accepted.remoteRole).toBe('peer');
  });

  it('moves 8 MiB of chunks byte for byte, waiting on drained() whenever send() says no room', async () => {
    const server = listServer();
    const { client, accepted } = await connectOverDataChannel(server);
    const received = createHash('sha256');
    let chunks = 0;
    accepted.on('message', (message) => {
      if (message.t !== 'chunk') return;
      expect(message.seq).toBe(chunks++);
      received.update(message.data);
    });
    const sent = createHash('sha256');
    const count = (8 * 1024 * 1024) / CHUNK_BYTES;
    for (let seq = 0; seq < count; seq++) {
      const message = chunk(seq);
      sent.update(message.data);
      if (!client.send(message)) await client.drained({ signal: AbortSignal.timeout(10_000) });
    }
    await waitUntil(() => chunks === count, 20_000);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
  }, 30_000);

  it('makes a sender wait while the receiver does not read, with what waits bounded on both sides', async () => {
    const server = listServer();
    const [clientEnd, serverEnd] = await openTransportPair({ receiveWindow: 512 * 1024, highWaterMark: 512 * 1024 });
    const accepted = server.accept(serverEnd)!;
    const limits = { sendHighWaterBytes: 1024 * 1024, maxSendBufferBytes: 4 * 1024 * 1024 };
    const client = await connect(clientEnd, { role: 'peer', limits });
    onCleanup(() => client.close());
    await accepted.opened;
    let chunks = 0;
    accepted.on('message', (message) => message.t === 'chunk' && chunks++);
    // The receiving program stops reading, as one stuck on a slow disk would.
    serverEnd.pause();

    let sent = 0;
    while (sent < 1000 && client.send(chunk(sent))) sent++;
    sent++; // the chunk that got no room was queued all the same
    expect(sent).toBeLessThan(1000);
    let drained = false;
    const waiting = client.drained({ signal: AbortSignal.timeout(20_000) }).then(() => (drained = true));
    // The receive window fills (less the handshake, read before the pause) and nothing more is sent:
    // the rest waits at the sender, under its limit.
    await waitUntil(() => serverEnd.readableLength >= 512 * 1024 - 1024, 10_000);
    expect(serverEnd.readableLength).toBeLessThanOrEqual(512 * 1024);
    expect(drained).toBe(false);
    expect(client.bufferedBytes).toBeGreaterThanOrEqual(limits.sendHighWaterBytes);
    expect(client.bufferedBytes).toBeLessThanOrEqual(limits.maxSendBufferBytes);
    expect(clientEnd.writableLength).toBeLessThanOrEqual(limits.maxSendBufferBytes);
    expect(client.state).toBe('open');

    serverEnd.resume();
    await waiting;
    await waitUntil(() => chunks === sent, 20_000);
  }, 30_000);

  it('closes only the connection that sends a malformed frame, telling it why', async () => {
    const server = listServer();
    const { client: honest } = await connectOverDataChannel(server);
    const [rawEnd, serverEnd] = await openTransportPair();
    const rawSide = server.accept(serverEnd)!;
    const frames: Message[] = [];
    const decoder = new FrameDecoder();
    rawEnd.on('data', (data) => frames.push(...decoder.push(data)));
    rawEnd.write(encodeFrame(hello('peer')));
    await rawSide.opened;
    rawEnd.write(Buffer.from([0, 0, 0, 5, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1]));
    expect(await rawSide.closed).toMatchObject({ code: 'MALFORMED', byRemote: false });
    await waitUntil(() => frames.some((frame) => frame.t === 'error'));
    expect(frames.find((frame) => frame.t === 'error')).toMatchObject({ code: 'MALFORMED' });
    await expect(honest.request({ t: 'list' }, { timeout: 5_000 })).resolves.toMatchObject({ t: 'streams' });
    expect(server.connections.size).toBe(1);
  });
});
