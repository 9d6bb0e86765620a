import { describe, expect, it } from 'vitest';
import { encodeFrame, hello, type ChunkMessage } from '@p2pstream/wire';
import { dial, UploadLimiter, type Connection } from '../src/index.js';
import { dialServer, nextConnection, SIG, startRawServer, startServer, track, waitUntil } from './helpers.js';

const chunk = (seq: number, bytes = 64 * 1024): ChunkMessage => ({ t: 'chunk', re: seq + 1, seq, ts: 0, sig: SIG, data: Buffer.alloc(bytes, seq) });

/** Dials a server that completes the handshake and then never reads another byte. */
async function dialStuckReader(limits: object): Promise<Connection> {
  const { port } = await startRawServer((socket) => {
    socket.write(encodeFrame(hello('peer')));
    socket.once('data', () => socket.pause());
  });
  return track(await dial('127.0.0.1', port, { role: 'peer', limits }));
}

describe('backpressure', () => {
  it('reports no room to a sender whose reader never reads, keeps its buffer bounded, and closes at the maximum', async () => {
    const limits = { sendHighWaterBytes: 256 * 1024, maxSendBufferBytes: 1024 * 1024, closeTimeout: 100 };
    const connection = await dialStuckReader(limits);
    let firstRefusal = -1;
    let peak = 0;
    for (let seq = 0; seq < 4000 && connection.state === 'open'; seq++) {
      const room = connection.send(chunk(seq));
      peak = Math.max(peak, connection.bufferedBytes);
      if (!room && firstRefusal < 0) firstRefusal = seq;
    }
    // The kernel's socket buffers take some first; after that only our maximum.
    expect(firstRefusal).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(limits.maxSendBufferBytes);
    expect(connection.state).not.toBe('open');
    expect(await connection.closed).toMatchObject({ code: 'SEND_BUFFER_FULL', byRemote: false });
  });

  it('resolves drained() once a reader that fell behind catches up, and delivers everything sent', async () => {
    const server = await startServer();
    const accepted = nextConnection(server);
    const highWater = 128 * 1024;
    const sender = await dialServer(server, { limits: { sendHighWaterBytes: highWater, maxSendBufferBytes: 64 * 1024 * 1024 } });
    const receiver = await accepted;
    let received = 0;
    receiver.on('message', (message) => message.t === 'chunk' && received++);
    // Both ends share this process: while this loop runs the reader cannot read, so the pipe fills.
    let sent = 0;
    let room = true;
    while (room && sent < 10_000) room = sender.send(chunk(sent++));
    expect(room).toBe(false);
    expect(sender.bufferedBytes).toBeGreaterThanOrEqual(highWater);
    await sender.drained({ signal: AbortSignal.timeout(5000) });
    expect(sender.bufferedBytes).toBeLessThan(highWater);
    await waitUntil(() => received === sent, 5000);
  });

  it('rejects drained() with the signal reason when it aborts, and with CONNECTION_CLOSED when the connection closes', async () => {
    const connection = await dialStuckReader({ sendHighWaterBytes: 64 * 1024, maxSendBufferBytes: 16 * 1024 * 1024, closeTimeout: 100 });
    for (let seq = 0; seq < 2000 && connection.send(chunk(seq)); seq++);
    await expect(connection.drained({ signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: 'TimeoutError' });
    const waiting = connection.drained();
    void connection.close({ code: 'GIVING_UP', message: 'reader too slow' });
    await expect(waiting).rejects.toMatchObject({ code: 'CONNECTION_CLOSED', reason: { code: 'GIVING_UP' } });
  });
});

describe('upload limiter on connections', () => {
  it('paces what a connection sends to the limiter rate', async () => {
    const server = await startServer();
    const accepted = nextConnection(server);
    const limiter = new UploadLimiter({ bytesPerSecond: 2 * 1024 * 1024, burstBytes: 64 * 1024 });
    const sender = await dialServer(server, { uploadLimiter: limiter });
    const receiver = await accepted;
    let bytes = 0;
    const done = new Promise<void>((resolve) =>
      receiver.on('message', (message) => {
        if (message.t === 'chunk' && (bytes += message.data.length) >= 512 * 1024) resolve();
      }),
    );
    const started = performance.now();
    for (let seq = 0; seq < 16; seq++) sender.send(chunk(seq, 32 * 1024));
    await done;
    // 512 KiB at 2 MiB/s with a 64 KiB head start cannot arrive in less than ~220 ms (a lower bound: it cannot flake on a slow machine).
    expect(performance.now() - started).toBeGreaterThanOrEqual(((512 - 64) / 2048) * 1000 - 5);
  });

  it('shares one rate between every connection that uses the same limiter', async () => {
    const server = await startServer();
    const limiter = new UploadLimiter({ bytesPerSecond: 1024 * 1024, burstBytes: 32 * 1024 });
    let bytes = 0;
    let resolveDone: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    server.on('connection', (connection) =>
      connection.on('message', (message) => {
        if (message.t === 'chunk' && (bytes += message.data.length) >= 256 * 1024) resolveDone();
      }),
    );
    const senders = [await dialServer(server, { uploadLimiter: limiter }), await dialServer(server, { uploadLimiter: limiter })];
    const started = performance.now();
    for (let seq = 0; seq < 8; seq++) for (const sender of senders) sender.send(chunk(seq, 16 * 1024));
    await done;
    expect(performance.now() - started).toBeGreaterThanOrEqual(((256 - 32) / 1024) * 1000 - 5);
  });
});
